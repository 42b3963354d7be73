import DeepArcTensor
import Foundation

/// Saving and loading models as **safetensors** files.
///
/// Tensor names are `units.<unit>.<parameter>` (e.g. `units.3.body.0.weight`), keep-masks are
/// stored as `masks.units.<unit>.<parameter>`, and the metadata holds the ``ModelSpec`` as JSON
/// under `deeparc.model`, so a file alone rebuilds its model. Files are written atomically and
/// load in Python's `safetensors` unchanged.
public enum Checkpoint {
    /// The metadata key holding the model description.
    public static let modelKey = "deeparc.model"
    /// The metadata key holding the format version.
    public static let formatKey = "deeparc.format"
    /// The format version written.
    public static let formatVersion = "1"
    private static let maskPrefix = "masks."

    /// Writes `model` (description, parameters, running statistics, masks) to `path` atomically.
    /// - Parameter metadata: extra string metadata to store (training summary, data set, …).
    /// - Throws: ``NNError/checkpoint(file:reason:)`` when the file cannot be written.
    public static func save(_ model: Model, to path: String, metadata: [String: String] = [:]) throws(NNError) {
        var archive = SafeTensorsArchive(metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            archive.metadata[modelKey] = String(decoding: try encoder.encode(model.spec), as: UTF8.self)
        } catch {
            throw .checkpoint(file: path, reason: "cannot encode the model description: \(error)")
        }
        archive.metadata[formatKey] = formatVersion
        do {
            for (name, parameter) in model.namedParameters {
                try archive.append(parameter.value, named: name)
            }
            for (name, parameter) in model.namedParameters {
                if let mask = parameter.mask { try archive.append(mask, named: maskPrefix + name) }
            }
            try archive.write(to: path)
        } catch let error as FileError {
            throw .checkpoint(file: path, reason: error.reason)
        } catch {
            throw .checkpoint(file: path, reason: "\(error)")
        }
    }

    /// Rebuilds the model stored at `path`.
    /// - Returns: the model and the file's metadata.
    /// - Throws: ``NNError/checkpoint(file:reason:)`` for a file that is not a DeepArc checkpoint,
    ///   has an invalid description, lacks a tensor, has one of the wrong shape or with non-finite
    ///   values, or holds tensors the model does not have.
    public static func load(from path: String) throws(NNError) -> (model: Model, metadata: [String: String]) {
        let archive: SafeTensorsArchive
        do {
            archive = try SafeTensorsArchive(contentsOf: path)
        } catch {
            throw .checkpoint(file: path, reason: error.reason)
        }
        guard let json = archive.metadata[modelKey] else {
            throw .checkpoint(file: path, reason: "no '\(modelKey)' entry in the metadata: not a DeepArc checkpoint")
        }
        let spec: ModelSpec
        do {
            spec = try JSONDecoder().decode(ModelSpec.self, from: Data(json.utf8))
        } catch {
            throw .checkpoint(file: path, reason: "the model description cannot be decoded: \(describe(error))")
        }
        // A description is checked against the file before anything is built from it, so a lying
        // header cannot make us allocate more than the file itself holds.
        let storedValues = archive.entries.reduce(0) { $0 + $1.tensor.count }
        var describedParameters = 0
        do {
            try spec.validate()
            var shape = spec.inputShape
            for unit in spec.units {
                let (sum, overflow) = describedParameters.addingReportingOverflow(
                    try unit.layer.parameterCount(forInput: shape))
                guard !overflow else { throw NNError.invalidUnit("parameter count overflows") }
                describedParameters = sum
                shape = try unit.layer.outputShape(forInput: shape)
            }
        } catch {
            throw .checkpoint(file: path, reason: "the model description is invalid: \(error)")
        }
        guard describedParameters <= storedValues else {
            throw .checkpoint(
                file: path,
                reason: "the description needs \(describedParameters) parameters but the file holds only \(storedValues) values")
        }
        let model: Model
        do {
            model = try Model(spec: spec, seed: 0)
        } catch {
            throw .checkpoint(file: path, reason: "the model description is invalid: \(error)")
        }
        try loadParameters(from: archive, into: model, path: path)
        return (model, archive.metadata)
    }

    /// Copies the parameters stored in the checkpoint at `path` into an existing model of the same
    /// structure.
    /// - Throws: ``NNError/checkpoint(file:reason:)`` naming the first missing or mismatched tensor.
    public static func loadParameters(from path: String, into model: Model) throws(NNError) {
        let archive: SafeTensorsArchive
        do {
            archive = try SafeTensorsArchive(contentsOf: path)
        } catch {
            throw .checkpoint(file: path, reason: error.reason)
        }
        try loadParameters(from: archive, into: model, path: path)
    }

    private static func loadParameters(from archive: SafeTensorsArchive, into model: Model, path: String)
        throws(NNError)
    {
        let named = model.namedParameters
        var expected = Set(named.map(\.name))
        for (name, _) in named { expected.insert(maskPrefix + name) }
        if let extra = archive.names.first(where: { !expected.contains($0) }) {
            throw .checkpoint(file: path, reason: "tensor '\(extra)' does not belong to the model")
        }
        // Check everything before changing anything, so a bad file leaves the model untouched.
        var updates: [(Parameter, Tensor, Tensor?)] = []
        for (name, parameter) in named {
            guard let value = archive[name] else {
                throw .checkpoint(file: path, reason: "tensor '\(name)' is missing")
            }
            guard value.shape == parameter.value.shape else {
                throw .checkpoint(
                    file: path, reason: "tensor '\(name)' has shape \(value.shape), the model needs \(parameter.value.shape)")
            }
            guard value.isFinite else {
                throw .checkpoint(file: path, reason: "tensor '\(name)' contains NaN or infinite values")
            }
            let mask = archive[maskPrefix + name]
            if let mask {
                guard mask.shape == value.shape, mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                    throw .checkpoint(file: path, reason: "mask of '\(name)' must be 0/1 values of shape \(value.shape)")
                }
            }
            updates.append((parameter, value, mask))
        }
        for (parameter, value, mask) in updates {
            parameter.value = value
            do {
                try parameter.setMask(mask)
            } catch {
                throw .checkpoint(file: path, reason: "\(error)")
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
