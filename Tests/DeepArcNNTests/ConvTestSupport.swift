import DeepArcNN
import DeepArcTensor
import Testing

/// Test helpers for layer gradient checks: random tensors, a central-difference gradient of the
/// projected loss L(x, θ) = Σ g ⊙ forward(x) (accumulated in Double), and tolerant comparisons.
enum ConvTestSupport {
    /// One gradient computed both ways.
    struct GradientComparison {
        /// `input` or the parameter's name.
        let name: String
        /// What the layer's backward produced.
        let analytic: [Float]
        /// Central differences of the projected loss.
        let numeric: [Double]
    }

    /// A tensor of uniform values in `range`.
    static func random(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomUniform(shape: shape, in: range, using: &generator)
    }

    /// Σ projection ⊙ layer.forward(input, mode), accumulated in Double.
    static func projectedLoss(
        _ layer: any Layer, input: Tensor, projection: Tensor, mode: ForwardMode
    ) throws -> Double {
        let output = try layer.forward(input, mode: mode)
        precondition(output.shape == projection.shape, "projection shape differs from the output shape")
        var total = 0.0
        for (y, g) in zip(output.scalars, projection.scalars) { total += Double(y) * Double(g) }
        return total
    }

    /// Compares `layer`'s backward with central differences of L = Σ g ⊙ forward(x) for a random
    /// projection g: the input gradient and the gradient of every trainable parameter.
    ///
    /// Parameter gradients are zeroed first; afterwards parameter values are restored exactly (their
    /// gradients hold the analytic result). The numeric pass runs forward in `numericMode`.
    static func gradientCheck(
        _ layer: any Layer, input: Tensor, seed: UInt64 = 99, step: Float = 1e-2,
        numericMode: ForwardMode = .training
    ) throws -> [GradientComparison] {
        let outputShape = try layer.forward(input, mode: .inference).shape
        var generator = SeededGenerator(seed: seed)
        let projection = Tensor.randomNormal(shape: outputShape, using: &generator)

        for parameter in layer.parameters { parameter.zeroGradient() }
        _ = try layer.forward(input, mode: .training)
        let inputGradient = try layer.backward(projection, needsInputGradient: true)
        guard let inputGradient else {
            Issue.record("backward returned nil although the input gradient was requested")
            return []
        }
        #expect(inputGradient.shape == input.shape)

        // Numeric input gradient.
        var perturbed = input
        var numericInput = [Double](repeating: 0, count: input.count)
        for index in 0..<input.count {
            let original = input.scalars[index]
            let plus = original + step, minus = original - step
            perturbed.withUnsafeMutableBufferPointer { $0[index] = plus }
            let up = try projectedLoss(layer, input: perturbed, projection: projection, mode: numericMode)
            perturbed.withUnsafeMutableBufferPointer { $0[index] = minus }
            let down = try projectedLoss(layer, input: perturbed, projection: projection, mode: numericMode)
            perturbed.withUnsafeMutableBufferPointer { $0[index] = original }
            numericInput[index] = (up - down) / (Double(plus) - Double(minus))
        }
        var results = [GradientComparison(name: "input", analytic: inputGradient.scalars, numeric: numericInput)]

        // Numeric parameter gradients.
        for (name, parameter) in layer.namedParameters where parameter.isTrainable {
            let analytic = parameter.gradient.scalars
            var numeric = [Double](repeating: 0, count: parameter.value.count)
            for index in 0..<parameter.value.count {
                let original = parameter.value.scalars[index]
                let plus = original + step, minus = original - step
                parameter.value.withUnsafeMutableBufferPointer { $0[index] = plus }
                let up = try projectedLoss(layer, input: input, projection: projection, mode: numericMode)
                parameter.value.withUnsafeMutableBufferPointer { $0[index] = minus }
                let down = try projectedLoss(layer, input: input, projection: projection, mode: numericMode)
                parameter.value.withUnsafeMutableBufferPointer { $0[index] = original }
                numeric[index] = (up - down) / (Double(plus) - Double(minus))
            }
            results.append(GradientComparison(name: name, analytic: analytic, numeric: numeric))
        }
        return results
    }

    /// Expects every element of `comparison` to satisfy
    /// |analytic − numeric| ≤ rtol·|numeric| + atol·max|numeric| + 1e-5.
    static func expectAgreement(
        _ comparison: GradientComparison, rtol: Double = 1e-2, atol: Double = 1e-3,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(comparison.analytic.count == comparison.numeric.count, sourceLocation: sourceLocation)
        let scale = comparison.numeric.reduce(0) { max($0, abs($1)) }
        var failures = 0
        for (index, (a, n)) in zip(comparison.analytic, comparison.numeric).enumerated() {
            let tolerance = rtol * abs(n) + atol * scale + 1e-5
            if !(abs(Double(a) - n) <= tolerance) {
                failures += 1
                if failures <= 5 {
                    Issue.record(
                        "\(comparison.name)[\(index)]: analytic \(a) vs numeric \(n) (tolerance \(tolerance))",
                        sourceLocation: sourceLocation)
                }
            }
        }
        #expect(failures == 0, "\(failures) mismatches in \(comparison.name)", sourceLocation: sourceLocation)
    }

    /// Expects two float sequences to agree element-wise within rtol·|b| + atol.
    static func expectClose(
        _ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5, _ what: String = "values",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard a.count == b.count else {
            Issue.record("\(what): \(a.count) values vs \(b.count)", sourceLocation: sourceLocation)
            return
        }
        var failures = 0
        for index in a.indices where !(abs(a[index] - b[index]) <= rtol * abs(b[index]) + atol) {
            failures += 1
            if failures <= 5 {
                Issue.record("\(what)[\(index)]: \(a[index]) vs \(b[index])", sourceLocation: sourceLocation)
            }
        }
        #expect(failures == 0, "\(failures) mismatches in \(what)", sourceLocation: sourceLocation)
    }
}
