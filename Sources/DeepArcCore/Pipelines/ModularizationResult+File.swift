public import DeepArcNN
import DeepArcTensor
import Foundation

extension ModularizationResult {
    /// Reads a modularization saved as JSON (the output of `deeparc modularize --format json`, or the
    /// `architecture.json` of `deeparc run`) and checks that it describes `model`.
    ///
    /// Restructuring along a saved architecture lets a user modularize once, inspect the modules and
    /// then remove units without measuring the similarities again; the check makes sure the file was
    /// made for this model's units.
    /// - Parameters:
    ///   - path: the JSON file.
    ///   - model: the model the architecture must describe.
    /// - Returns: the modularization.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming the file: unreadable, not a
    ///   modularization (with the decoder's reason), or not matching `model` (see
    ///   ``validate(against:source:)``).
    public static func load(from path: String, for model: Model) throws -> ModularizationResult {
        let data: Data
        do {
            data = try FileIO.read(path)
        } catch {
            throw DeepArcError.invalidConfiguration(reason: "architecture \(error)")
        }
        let result: ModularizationResult
        do {
            result = try JSONDecoder().decode(ModularizationResult.self, from: data)
        } catch let error as DeepArcError {
            throw DeepArcError.invalidConfiguration(reason: "architecture \(path): \(error)")
        } catch let error as DecodingError {
            throw DeepArcError.invalidConfiguration(
                reason: "architecture \(path): not a modularization written by `deeparc modularize --format json` "
                    + "(\(Self.describe(error)))")
        } catch {
            throw DeepArcError.invalidConfiguration(reason: "architecture \(path): \(error)")
        }
        try result.validate(against: model, source: path)
        return result
    }

    /// Checks that this modularization describes `model`: one unit index and name per layer of the
    /// matrix, ascending indices of units the model has, and names equal to the model's.
    /// - Parameters:
    ///   - model: the model.
    ///   - source: what to call the modularization in messages (a file path).
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming `source`, the layer and the
    ///   mismatch.
    public func validate(against model: Model, source: String) throws(DeepArcError) {
        let layers = architecture.layerCount
        guard unitIndices.count == layers, unitNames.count == layers else {
            throw .invalidConfiguration(
                reason: "architecture \(source): \(layers) layers but \(unitIndices.count) unit indices and "
                    + "\(unitNames.count) unit names")
        }
        for (layer, (unit, name)) in zip(unitIndices, unitNames).enumerated() {
            guard unit >= 0, unit < model.unitCount else {
                throw .invalidConfiguration(
                    reason: "architecture \(source): layer \(layer) is unit \(unit), but the model has units "
                        + "0...\(model.unitCount - 1); the file was made for another model")
            }
            guard layer == 0 || unit > unitIndices[layer - 1] else {
                throw .invalidConfiguration(
                    reason: "architecture \(source): unit indices must ascend; layer \(layer) is unit \(unit) "
                        + "after unit \(unitIndices[layer - 1])")
            }
            guard model.unitNames[unit] == name else {
                throw .invalidConfiguration(
                    reason: "architecture \(source): layer \(layer) is unit \(unit) '\(name)', but the model's unit "
                        + "\(unit) is '\(model.unitNames[unit])'; the file was made for another model")
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at '\(path)': ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
