public import DeepArcCore
public import DeepArcNN
public import DeepArcTensor

/// Multi-class DeepFool (Moosavi-Dezfooli, Fawzi and Frossard, 2016): a minimal-L2 attack that
/// linearises the classifier around the current point and steps to the nearest linearised decision
/// boundary, until the sample is misclassified. Identifier `deepfool`.
///
/// For a sample x with true label y, at iteration i with current point xᵢ, for each candidate class
/// k ≠ y: w_k = ∇f_k(xᵢ) − ∇f_y(xᵢ) and f′_k = f_k(xᵢ) − f_y(xᵢ) (f are the logits). The closest
/// boundary is l = argmin_k |f′_k| / ‖w_k‖₂, the step is
/// rᵢ = (|f′_l| / ‖w_l‖ + 10⁻⁴) · w_l / ‖w_l‖ (the 10⁻⁴ nudge is the authors' code's), the steps
/// accumulate into r, and x_{i+1} = clip(x + (1 + overshoot) · r, 0, 1). It stops when the model no
/// longer predicts y, after `maxIterations` iterations, or when every w_k is zero (no direction).
///
/// The attack targets the *true* label (the original paper uses the predicted class): a sample the
/// model already misclassifies is returned unchanged. The gradients w_k are computed batched: one
/// forward pass per iteration, then one backward pass per candidate rank with eₖ − e_y injected at
/// the logits of every still-correct sample. The candidates are the `candidateClasses` classes
/// other than y with the highest clean logits (all of them when there are fewer), fixed per sample
/// as in the authors' code. Random-free: the generator is not used.
///
/// ```swift
/// let deepfool = try DeepFool(options: .init(overshoot: 0.02, maxIterations: 50))
/// let adversarial = try deepfool.perturb(images, labels: labels, model: model, generator: &generator)
/// ```
public struct DeepFool: AdversarialAttack {
    /// The options: `{overshoot: 0.02, maxIterations: 50, candidateClasses: 9}`.
    public struct Options: Sendable, Equatable, Codable {
        /// How far past the linearised boundary to go, as a fraction of r (≥ 0, default 0.02).
        public var overshoot: Double
        /// The most iterations per sample, 1…10 000 (default 50).
        public var maxIterations: Int
        /// How many of the highest-scoring classes other than the true one are candidates, ≥ 1
        /// (default 9: every class of a ten-class problem).
        public var candidateClasses: Int

        /// Creates options; every field has its default.
        /// - Parameters:
        ///   - overshoot: the overshoot η (default 0.02).
        ///   - maxIterations: the iteration limit (default 50).
        ///   - candidateClasses: the number of candidate classes (default 9).
        public init(overshoot: Double = 0.02, maxIterations: Int = 50, candidateClasses: Int = 9) {
            self.overshoot = overshoot
            self.maxIterations = maxIterations
            self.candidateClasses = candidateClasses
        }

        private enum CodingKeys: String, CodingKey {
            case overshoot, maxIterations, candidateClasses
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            overshoot = try container.decodeIfPresent(Double.self, forKey: .overshoot) ?? defaults.overshoot
            maxIterations = try container.decodeIfPresent(Int.self, forKey: .maxIterations) ?? defaults.maxIterations
            candidateClasses =
                try container.decodeIfPresent(Int.self, forKey: .candidateClasses) ?? defaults.candidateClasses
        }
    }

    /// `deepfool`.
    public static let identifier = "deepfool"
    /// One line for `deeparc strategies`.
    public static let summary =
        "DeepFool: minimal L2 steps to the nearest linearised decision boundary, with overshoot"

    /// The options in effect.
    public let options: Options

    /// Creates the attack.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `overshoot` (0…10),
    ///   `maxIterations` (1…10 000) or `candidateClasses` (1…100 000).
    public init(options: Options) throws {
        try OptionCheck.number(options.overshoot, "overshoot", of: Self.identifier, above: 0, atMost: 10, closedBelow: true)
        try OptionCheck.integer(options.maxIterations, "maxIterations", of: Self.identifier, in: 1...10_000)
        try OptionCheck.integer(options.candidateClasses, "candidateClasses", of: Self.identifier, in: 1...100_000)
        self.options = options
    }

    /// Runs DeepFool on every sample (see the type's documentation).
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` for images or labels that do not fit
    ///   the model; the model's errors.
    public func perturb(
        _ images: Tensor, labels: [Int], model: Model, generator: inout SeededGenerator
    ) throws -> Tensor {
        try AttackInput.check(images, labels: labels, model: model, attack: Self.identifier)
        let classes = model.classCount
        guard !labels.isEmpty, classes >= 2 else { return images }
        let width = images.itemCount
        let gradients = try InferenceGradientModel(model)
        let scale = Float(1 + options.overshoot)

        var adversarial = images
        var total = Tensor(zeros: images.shape)  // r, the accumulated steps
        var candidates: [[Int]] = Array(repeating: [], count: labels.count)
        var active = Array(labels.indices)
        for iteration in 0..<options.maxIterations {
            // Forward the active samples; keep those the model still classifies correctly.
            var batch = try adversarial.gather(batch: active)
            var logits = try gradients.logits(batch)
            let predictions = logits.argmaxRows()
            let stillCorrect = active.indices.filter { predictions[$0] == labels[active[$0]] }
            if iteration == 0 {
                let clean = logits.scalars
                for (row, sample) in active.enumerated() {
                    candidates[sample] = Self.candidates(
                        Array(clean[(row * classes)..<((row + 1) * classes)]), label: labels[sample],
                        count: options.candidateClasses)
                }
            }
            if stillCorrect.count < active.count {
                active = stillCorrect.map { active[$0] }
                guard !active.isEmpty else { break }
                batch = try adversarial.gather(batch: active)
                logits = try gradients.logits(batch)
            }

            // For each candidate rank, the gradient of f_k − f_y; keep each sample's closest boundary.
            let count = active.count
            let ranks = active.map { candidates[$0].count }.max() ?? 0
            var bestRatio = [Float](repeating: .infinity, count: count)
            var bestGap = [Float](repeating: 0, count: count)
            var bestDirection = Tensor(zeros: [count, width])
            let logitValues = logits.scalars
            for rank in 0..<ranks {
                var injected = Tensor(zeros: [count, classes])
                injected.withUnsafeMutableBufferPointer { g in
                    for (row, sample) in active.enumerated() where rank < candidates[sample].count {
                        g[row * classes + candidates[sample][rank]] += 1
                        g[row * classes + labels[sample]] -= 1
                    }
                }
                let direction = try gradients.inputGradient(logitGradient: injected)
                direction.withUnsafeBufferPointer { w in
                    bestDirection.withUnsafeMutableBufferPointer { best in
                        for (row, sample) in active.enumerated() where rank < candidates[sample].count {
                            let k = candidates[sample][rank]
                            let gap = abs(logitValues[row * classes + k] - logitValues[row * classes + labels[sample]])
                            let start = row * width
                            var squared: Float = 0
                            for index in start..<(start + width) { squared += w[index] * w[index] }
                            let norm = squared.squareRoot()
                            guard norm > 0, norm.isFinite else { continue }
                            let ratio = gap / norm
                            guard ratio < bestRatio[row] else { continue }
                            bestRatio[row] = ratio
                            bestGap[row] = gap
                            for index in start..<(start + width) { best[index] = w[index] }
                        }
                    }
                }
            }

            // Step each sample towards its closest boundary; a sample with no direction stops.
            var next: [Int] = []
            total.withUnsafeMutableBufferPointer { r in
                adversarial.withUnsafeMutableBufferPointer { x in
                    images.withUnsafeBufferPointer { clean in
                        bestDirection.withUnsafeBufferPointer { w in
                            for (row, sample) in active.enumerated() where bestRatio[row].isFinite {
                                let start = row * width
                                var squared: Float = 0
                                for index in start..<(start + width) { squared += w[index] * w[index] }
                                let norm = squared.squareRoot()
                                let factor = (bestGap[row] / norm + 1e-4) / norm
                                let offset = sample * width
                                for index in 0..<width {
                                    r[offset + index] += factor * w[start + index]
                                    let value = clean[offset + index] + scale * r[offset + index]
                                    x[offset + index] = min(max(value, 0), 1)
                                }
                                next.append(sample)
                            }
                        }
                    }
                }
            }
            active = next
            if active.isEmpty { break }
        }
        return adversarial
    }

    /// The `count` classes other than `label` with the highest logits, highest first (ties: lower
    /// class first).
    private static func candidates(_ logits: [Float], label: Int, count: Int) -> [Int] {
        let others = logits.indices.filter { $0 != label }
        let sorted = others.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        return Array(sorted.prefix(count))
    }
}
