/// What the preprocessing step of a ``CompressionRun`` (DeepArc's restructuring) did to the model.
public struct CompressionPreprocessingReport: Sendable, Equatable, Codable {
    /// Units before preprocessing.
    public var unitsBefore: Int
    /// Units after preprocessing.
    public var unitsAfter: Int
    /// Names of the original units that are gone (by unit name; inserted units are not listed).
    public var removedUnits: [String]
    /// Parameters before (running statistics excluded).
    public var parametersBefore: Int
    /// Parameters after.
    public var parametersAfter: Int
    /// Test accuracy right after the transformation, before fine-tuning.
    public var accuracyBeforeFineTuning: Double
    /// Test accuracy after the brief fine-tune (equal to the one before when there were 0 epochs).
    public var accuracy: Double
    /// Fine-tuning epochs run.
    public var fineTuneEpochs: Int
    /// Wall time of transformation, fine-tuning and evaluations, in seconds.
    public var seconds: Double

    /// Creates a report.
    public init(
        unitsBefore: Int, unitsAfter: Int, removedUnits: [String], parametersBefore: Int, parametersAfter: Int,
        accuracyBeforeFineTuning: Double, accuracy: Double, fineTuneEpochs: Int, seconds: Double
    ) {
        self.unitsBefore = unitsBefore
        self.unitsAfter = unitsAfter
        self.removedUnits = removedUnits
        self.parametersBefore = parametersBefore
        self.parametersAfter = parametersAfter
        self.accuracyBeforeFineTuning = accuracyBeforeFineTuning
        self.accuracy = accuracy
        self.fineTuneEpochs = fineTuneEpochs
        self.seconds = seconds
    }
}
