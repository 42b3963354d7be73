import DeepArc
import Foundation
import Yams

/// Reads pipeline configurations from YAML or JSON files, with errors that name the file and the
/// offending key.
enum ConfigurationLoader {
    /// The configuration in the file at `path` (`.json` as JSON, anything else as YAML).
    static func load(path: String) throws -> PipelineConfiguration {
        let data: Data
        do {
            data = try FileIO.read(path)
        } catch {
            throw CLIError("configuration \(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("configuration \(path): not UTF-8 text")
        }
        return try decode(text, source: path, json: path.lowercased().hasSuffix(".json"))
    }

    /// Decodes configuration text; `source` names it in errors.
    static func decode(_ text: String, source: String, json: Bool = false) throws -> PipelineConfiguration {
        do {
            if json {
                return try JSONDecoder().decode(PipelineConfiguration.self, from: Data(text.utf8))
            }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return PipelineConfiguration() }
            return try YAMLDecoder().decode(PipelineConfiguration.self, from: text)
        } catch let error as DeepArcError {
            throw CLIError("configuration \(source): \(error)")
        } catch let error as DecodingError {
            throw CLIError("configuration \(source): \(describe(error))")
        } catch {
            throw CLIError("configuration \(source): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            if let underlying = context.underlyingError as? DeepArcError { return underlying.description }
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "at '\(path)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
