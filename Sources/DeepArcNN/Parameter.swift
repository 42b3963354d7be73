public import DeepArcTensor

/// A tensor a layer owns: a trainable weight or bias, or a running statistic.
///
/// `Parameter` is a reference type so that layers, optimizers and pruners share one copy. Its
/// gradient is *accumulated* by backward passes and cleared by ``zeroGradient()``.
public final class Parameter {
    /// What a parameter is for, which decides whether it trains and whether pruning sees it.
    public enum Kind: String, Sendable, Codable, Equatable {
        /// A convolution kernel or dense weight matrix: trainable and prunable.
        case weight
        /// A bias: trainable, never pruned.
        case bias
        /// A normalisation scale (γ) or shift (β): trainable, never pruned.
        case normalization
        /// A running statistic (batch normalisation's mean and variance): updated in training
        /// forward passes, never by an optimizer, never pruned.
        case runningStatistic
    }

    /// The kind of tensor this is.
    public let kind: Kind
    /// The current value.
    public var value: Tensor
    /// ∂loss/∂value accumulated since the last ``zeroGradient()`` (same shape as `value`).
    public var gradient: Tensor
    /// A keep-mask of 0s and 1s (same shape as `value`) or `nil` when dense. While set, masked
    /// entries of `value` stay 0: ``applyMask()`` re-imposes it after every optimizer step.
    public private(set) var mask: Tensor?
    /// Whether backward computes this parameter's gradient and optimizers update it.
    /// Running statistics are never trainable.
    public var isTrainable: Bool

    /// Creates a parameter holding `value`, with a zero gradient.
    public init(_ value: Tensor, kind: Kind) {
        self.kind = kind
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
        self.isTrainable = kind != .runningStatistic
    }

    /// Whether an optimizer should update this parameter.
    public var receivesUpdates: Bool { isTrainable && kind != .runningStatistic }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient.fill(with: 0)
    }

    /// Installs a keep-mask (1 = keep, 0 = pruned) and zeroes the masked entries.
    /// - Throws: ``NNError/invalidMask(reason:)`` when the shape differs or an entry is not 0 or 1.
    public func setMask(_ newMask: Tensor?) throws(NNError) {
        if let newMask {
            guard newMask.shape == value.shape else {
                throw .invalidMask(reason: "mask shape \(newMask.shape) differs from parameter shape \(value.shape)")
            }
            guard newMask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw .invalidMask(reason: "mask entries must be 0 or 1")
            }
        }
        mask = newMask
        applyMask()
    }

    /// Zeroes the entries of `value` (and of `gradient`) that the mask prunes.
    public func applyMask() {
        guard let mask else { return }
        value.withUnsafeMutableBufferPointer { v in
            mask.withUnsafeBufferPointer { m in
                for index in 0..<v.count { v[index] *= m[index] }
            }
        }
        gradient.withUnsafeMutableBufferPointer { g in
            mask.withUnsafeBufferPointer { m in
                for index in 0..<g.count { g[index] *= m[index] }
            }
        }
    }

    /// The number of unmasked entries.
    public var keptCount: Int {
        guard let mask else { return value.count }
        return Int(mask.sum())
    }
}
