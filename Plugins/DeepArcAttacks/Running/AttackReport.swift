/// How well an attack did on a set of samples: the success rate over the samples the model
/// classified correctly before the attack, and the size of the perturbations.
///
/// A sample *succeeds* when the model predicted its label on the clean image and does not on the
/// adversarial one. Samples the model already got wrong are attacked too, but they count neither
/// as successes nor in the rate's denominator. Perturbation norms are per sample, over all
/// samples: ‖x′ − x‖∞ and ‖x′ − x‖₂ over the sample's values.
public struct AttackReport: Sendable, Equatable, Codable {
    /// The number of samples attacked.
    public var samples: Int
    /// How many of them the model classified correctly before the attack.
    public var initiallyCorrect: Int
    /// How many of those it misclassifies after the attack.
    public var successes: Int
    /// How many samples (of all) the model classifies correctly after the attack.
    public var adversariallyCorrect: Int
    /// The largest L∞ norm of the perturbations.
    public var maxLinf: Double
    /// The mean L∞ norm of the perturbations (0 for no samples).
    public var meanLinf: Double
    /// The largest L2 norm of the perturbations.
    public var maxL2: Double
    /// The mean L2 norm of the perturbations (0 for no samples).
    public var meanL2: Double

    /// successes / initiallyCorrect, or `nil` when no sample was classified correctly to begin with.
    public var successRate: Double? {
        initiallyCorrect == 0 ? nil : Double(successes) / Double(initiallyCorrect)
    }

    /// The model's accuracy on the clean samples.
    public var cleanAccuracy: Double { samples == 0 ? 0 : Double(initiallyCorrect) / Double(samples) }

    /// The model's accuracy on the adversarial samples.
    public var adversarialAccuracy: Double { samples == 0 ? 0 : Double(adversariallyCorrect) / Double(samples) }

    /// Summarises per-sample results.
    /// - Parameters:
    ///   - labels: the true labels.
    ///   - cleanPredictions: the model's predictions on the clean samples.
    ///   - adversarialPredictions: its predictions on the adversarial samples.
    ///   - linf: each sample's ‖x′ − x‖∞.
    ///   - l2: each sample's ‖x′ − x‖₂.
    /// - Precondition: all five arrays have the same length (a programmer error otherwise).
    public init(labels: [Int], cleanPredictions: [Int], adversarialPredictions: [Int], linf: [Double], l2: [Double]) {
        precondition(
            [cleanPredictions.count, adversarialPredictions.count, linf.count, l2.count].allSatisfy {
                $0 == labels.count
            }, "AttackReport needs one prediction and one norm of each kind per label")
        samples = labels.count
        var correct = 0
        var fooled = 0
        var stillCorrect = 0
        for index in labels.indices {
            let before = cleanPredictions[index] == labels[index]
            let after = adversarialPredictions[index] == labels[index]
            if before { correct += 1 }
            if before && !after { fooled += 1 }
            if after { stillCorrect += 1 }
        }
        initiallyCorrect = correct
        successes = fooled
        adversariallyCorrect = stillCorrect
        maxLinf = linf.max() ?? 0
        meanLinf = linf.isEmpty ? 0 : linf.reduce(0, +) / Double(linf.count)
        maxL2 = l2.max() ?? 0
        meanL2 = l2.isEmpty ? 0 : l2.reduce(0, +) / Double(l2.count)
    }
}
