public import DeepArcTensor

/// Synthetic layer activations for tests: layers that share a latent signal, so their similarities
/// are neither 0 nor 1, plus constant (degenerate) layers.
public enum RandomActivations {
    /// Activations of `featureShapes.count` layers on `samples` samples, each `[samples] + shape`.
    ///
    /// Every layer is `latent · W_l + noise · ε_l`, with one shared standard-normal latent `[samples, latentDimension]`,
    /// a random projection `W_l` and independent standard-normal noise `ε_l`, all drawn from `seed`.
    /// - Precondition: `samples > 0`, `latentDimension > 0`, and every shape has positive dimensions.
    public static func layers(
        samples: Int, featureShapes: [[Int]], latentDimension: Int = 4, noise: Float = 0.5, seed: UInt64
    ) -> [Tensor] {
        precondition(samples > 0 && latentDimension > 0, "samples and latentDimension must be positive")
        var generator = SeededGenerator(seed: seed)
        let latent = Tensor.randomNormal(shape: [samples, latentDimension], using: &generator)
        return featureShapes.map { shape in
            precondition(
                !shape.isEmpty && shape.allSatisfy { $0 > 0 }, "feature shape \(shape) must have positive dimensions")
            let features = shape.reduce(1, *)
            let projection = Tensor.randomNormal(shape: [latentDimension, features], using: &generator)
            let noiseTensor = Tensor.randomNormal(
                shape: [samples, features], standardDeviation: noise, using: &generator)
            do {
                var layer = try Tensor.matmul(latent, projection)
                try layer.add(noiseTensor)
                return try layer.reshaped(to: [samples] + shape)
            } catch {
                preconditionFailure("RandomActivations: \(error)")
            }
        }
    }

    /// A degenerate layer: every sample has the same activations (`value` everywhere).
    /// - Precondition: `samples > 0` and `featureShape` has positive dimensions.
    public static func constant(samples: Int, featureShape: [Int], value: Float = 0.25) -> Tensor {
        precondition(samples > 0 && featureShape.allSatisfy { $0 > 0 }, "shape must have positive dimensions")
        return Tensor(repeating: value, shape: [samples] + featureShape)
    }
}
