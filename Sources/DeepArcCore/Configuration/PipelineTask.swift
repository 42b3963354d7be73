/// A step of `deeparc run`.
public enum PipelineTask: String, Sendable, Hashable, Codable, CaseIterable {
    /// Measure the similarity matrix, partition it, write the semantic architecture and heatmap.
    case modularize
    /// The paper's Finding 1: accuracy after removing intra-module versus interface units.
    case layerRemoval = "layer-removal"

    /// Decodes a task name, listing the valid ones when it is unknown.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let task = PipelineTask(rawValue: name) else {
            throw DeepArcError.invalidConfiguration(
                reason: "unknown task '\(name)'; valid tasks: \(PipelineTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = task
    }
}
