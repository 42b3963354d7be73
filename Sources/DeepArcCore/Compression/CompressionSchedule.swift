/// The iterative prune-and-fine-tune schedule of a ``CompressionRun`` (`specs/pruning.md` §8).
///
/// Each round removes `amountPerRound` of the *remaining* prunable weights, then fine-tunes for
/// `epochsPerRound` epochs. The run stops after `maxRounds` rounds, as soon as a round leaves the
/// test accuracy more than `maxAccuracyDrop` below the dense model's (that round is discarded), or, when
/// `targetDensity` is set, once the kept weights are down to that fraction of the *original* model's
/// prunable weights (the last round removes only what is needed to land on it). The official LAMP
/// schedule is 0.2 per round; DeepArc's Table II does not state its stopping rule, so all three limits
/// are exposed. A target density is how two runs are brought to "the same final density" (Table II):
/// a model DeepArc made smaller starts below 100 % of the original and needs fewer rounds.
///
/// Every field has a default, so a partial configuration decodes:
///
/// ```yaml
/// compressor: {name: lamp, options: {amountPerRound: 0.2, maxRounds: 10, maxAccuracyDrop: 0.01}}
/// ```
///
/// (``split(_:)`` separates these keys from the compressor's own options.)
public struct CompressionSchedule: Sendable, Equatable, Codable {
    /// The fraction of the remaining prunable weights each round removes, in (0, 1) (default 0.2).
    public var amountPerRound: Double
    /// The most rounds to run (default 10).
    public var maxRounds: Int
    /// The largest allowed drop of test accuracy below the dense model's, as a fraction (default 0.01,
    /// one percentage point). A round whose accuracy falls further is discarded and ends the run.
    public var maxAccuracyDrop: Double
    /// Fine-tuning epochs after each round's pruning (default 1; 0 prunes without retraining).
    public var epochsPerRound: Int
    /// Fine-tuning epochs after the preprocessing step, when there is one (default 1).
    public var preprocessEpochs: Int
    /// The remaining density, relative to the original model's prunable weights, at which the run stops,
    /// in (0, 1]; nil (default) prunes until another limit is hit.
    public var targetDensity: Double?

    /// The keys this type reads, in declaration order.
    public static let keys = ["amountPerRound", "maxRounds", "maxAccuracyDrop", "epochsPerRound", "preprocessEpochs", "targetDensity"]

    /// Creates a schedule; every argument has its default.
    public init(
        amountPerRound: Double = 0.2, maxRounds: Int = 10, maxAccuracyDrop: Double = 0.01, epochsPerRound: Int = 1,
        preprocessEpochs: Int = 1, targetDensity: Double? = nil
    ) {
        self.amountPerRound = amountPerRound
        self.maxRounds = maxRounds
        self.maxAccuracyDrop = maxAccuracyDrop
        self.epochsPerRound = epochsPerRound
        self.preprocessEpochs = preprocessEpochs
        self.targetDensity = targetDensity
    }

    // MARK: - Checking

    /// Checks the values.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming the field: an amount outside (0, 1),
    ///   fewer than one round, a negative or non-finite accuracy drop, negative epochs, a target density
    ///   outside (0, 1].
    public func validate() throws(DeepArcError) {
        guard amountPerRound > 0, amountPerRound < 1 else {
            throw .invalidConfiguration(
                reason: "compression: amountPerRound must satisfy 0 < amount < 1; got \(amountPerRound)")
        }
        guard maxRounds >= 1 else {
            throw .invalidConfiguration(reason: "compression: maxRounds must be at least 1; got \(maxRounds)")
        }
        guard maxAccuracyDrop >= 0, maxAccuracyDrop.isFinite else {
            throw .invalidConfiguration(
                reason: "compression: maxAccuracyDrop must be a finite number ≥ 0; got \(maxAccuracyDrop)")
        }
        guard epochsPerRound >= 0 else {
            throw .invalidConfiguration(reason: "compression: epochsPerRound must not be negative; got \(epochsPerRound)")
        }
        guard preprocessEpochs >= 0 else {
            throw .invalidConfiguration(
                reason: "compression: preprocessEpochs must not be negative; got \(preprocessEpochs)")
        }
        if let targetDensity, !(targetDensity > 0 && targetDensity <= 1) {
            throw .invalidConfiguration(
                reason: "compression: targetDensity must satisfy 0 < density ≤ 1; got \(targetDensity)")
        }
    }

    // MARK: - Configuration

    /// Separates the schedule's keys from a compressor's options, so that one `options` map in a
    /// configuration can carry both (as `{name: lamp, options: {amountPerRound: 0.2, ties: exact}}`).
    /// - Parameter options: the raw options of a compressor reference (nil: all defaults).
    /// - Returns: the schedule (defaults for missing keys) and the remaining options for the compressor
    ///   (nil when none are left).
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when `options` is not a map, a schedule key
    ///   has a value of the wrong type, or a value is out of range (``validate()``).
    public static func split(_ options: ConfigValue?) throws -> (schedule: CompressionSchedule, compressor: ConfigValue?) {
        guard let options, options != .null else { return (CompressionSchedule(), nil) }
        guard case .object(let members) = options else {
            throw DeepArcError.invalidConfiguration(
                reason: "compressor options must be a map of option names to values, got a \(options.kindName)")
        }
        var scheduleMembers: [String: ConfigValue] = [:]
        var rest: [String: ConfigValue] = [:]
        for (key, value) in members {
            if keys.contains(key) { scheduleMembers[key] = value } else { rest[key] = value }
        }
        let schedule: CompressionSchedule
        do {
            schedule = try ConfigValue.object(scheduleMembers).decode(CompressionSchedule.self)
        } catch let error as DeepArcError {
            throw error
        } catch {
            throw DeepArcError.invalidConfiguration(reason: "compression schedule: \(error)")
        }
        try schedule.validate()
        return (schedule, rest.isEmpty ? nil : .object(rest))
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey {
        case amountPerRound, maxRounds, maxAccuracyDrop, epochsPerRound, preprocessEpochs, targetDensity
    }

    /// Decodes a possibly partial schedule; missing fields take their defaults.
    /// - Throws: a `DecodingError` for a value of the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CompressionSchedule()
        amountPerRound = try container.decodeIfPresent(Double.self, forKey: .amountPerRound) ?? defaults.amountPerRound
        maxRounds = try container.decodeIfPresent(Int.self, forKey: .maxRounds) ?? defaults.maxRounds
        maxAccuracyDrop =
            try container.decodeIfPresent(Double.self, forKey: .maxAccuracyDrop) ?? defaults.maxAccuracyDrop
        epochsPerRound = try container.decodeIfPresent(Int.self, forKey: .epochsPerRound) ?? defaults.epochsPerRound
        preprocessEpochs =
            try container.decodeIfPresent(Int.self, forKey: .preprocessEpochs) ?? defaults.preprocessEpochs
        targetDensity = try container.decodeIfPresent(Double.self, forKey: .targetDensity)
    }
}
