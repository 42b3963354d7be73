/// Per-channel mean and standard deviation of a dataset's inputs.
public struct NormalizationStatistics: Sendable, Equatable, Codable {
    /// The mean of each channel.
    public var mean: [Float]
    /// The population standard deviation of each channel.
    public var std: [Float]

    /// Creates statistics from per-channel values.
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }
}
