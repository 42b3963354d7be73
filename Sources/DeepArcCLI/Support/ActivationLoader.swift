package import DeepArc
package import Foundation

/// One layer's activations as read from a file: `[m, d]`, each sample flattened.
package struct LayerActivations: Sendable {
    /// The array's name in the file.
    package var name: String
    /// The activations, `[samples, features]`.
    package var activations: Tensor
}

/// Reads the per-layer activations that `deeparc similarity` compares.
///
/// A `.npz` archive lists its arrays in archive order; a `.safetensors` file in the order of their
/// data in the file. Either order is the layer order. Each array is `[m, …]` (m samples, flattened
/// per sample to `[m, d]`); every layer must have the same m, at least one feature and only finite
/// values.
package enum ActivationLoader {
    /// The file formats that hold activations.
    package enum Format: String, Sendable {
        /// A NumPy `.npz` archive.
        case npz
        /// A safetensors file.
        case safetensors
    }

    /// Reads and checks the activations in `path`.
    /// - Throws: a `FileError`/`DataError` naming the file when it cannot be read or decoded, or a
    ///   one-line error naming the file and layer for an empty file, a 0-d array, no samples or
    ///   features, differing sample counts, or a NaN/infinite value.
    package static func load(_ path: String) throws -> [LayerActivations] {
        let bytes = try FileIO.read(path)
        let raw: [(name: String, tensor: Tensor)]
        switch format(of: path, bytes: bytes) {
        case .npz:
            let archive = try NPZArchive(decoding: bytes, source: path)
            raw = try archive.entries.map { entry in
                guard !entry.array.shape.isEmpty else {
                    throw CLIError("\(path): array '\(entry.name)' is 0-d; expected [samples, …]")
                }
                return (entry.name, try entry.array.tensor(source: "\(path): array '\(entry.name)'"))
            }
        case .safetensors:
            let archive = try SafeTensorsArchive(bytes: bytes, path: path)
            raw = archive.entries.map { ($0.name, $0.tensor) }
        }
        return try check(raw, path: path)
    }

    /// The format of `path`: by extension, else by the ZIP magic (`PK`) of `.npz` archives.
    package static func format(of path: String, bytes: Data) -> Format {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npz": return .npz
        case "safetensors": return .safetensors
        default: return bytes.starts(with: [0x50, 0x4B]) ? .npz : .safetensors
        }
    }

    /// Flattens each layer to `[m, d]` and checks the layers against one another.
    /// - Throws: a one-line error naming `path` and the layer.
    package static func check(_ layers: [(name: String, tensor: Tensor)], path: String) throws -> [LayerActivations] {
        guard let first = layers.first else {
            throw CLIError("\(path) holds no arrays; expected one [samples, …] array per layer")
        }
        let samples = first.tensor.shape.first ?? 0
        var result: [LayerActivations] = []
        result.reserveCapacity(layers.count)
        for (index, layer) in layers.enumerated() {
            let label = "\(path): layer '\(layer.name)' (index \(index))"
            let shape = layer.tensor.shape
            guard let count = shape.first else {
                throw CLIError("\(label) is 0-d; expected [samples, …]")
            }
            guard count > 0 else { throw CLIError("\(label) has no samples (shape \(shape))") }
            guard count == samples else {
                throw CLIError(
                    "\(label) has \(count) samples but layer '\(first.name)' (index 0) has \(samples); "
                        + "every layer needs the same samples")
            }
            let features = layer.tensor.count / count
            guard features > 0 else { throw CLIError("\(label) has no features (shape \(shape))") }
            if let bad = firstNonFinite(layer.tensor) {
                let kind = bad.value.isNaN ? "NaN" : "an infinite value"
                throw CLIError(
                    "\(label) has \(kind) at sample \(bad.index / features), feature \(bad.index % features)")
            }
            result.append(
                LayerActivations(name: layer.name, activations: try layer.tensor.reshaped(to: [count, features])))
        }
        return result
    }

    /// The first NaN or infinite element and its flat index, or nil.
    private static func firstNonFinite(_ tensor: Tensor) -> (index: Int, value: Float)? {
        tensor.withUnsafeBufferPointer { values -> (index: Int, value: Float)? in
            for index in 0..<values.count where !values[index].isFinite {
                return (index, values[index])
            }
            return nil
        }
    }
}
