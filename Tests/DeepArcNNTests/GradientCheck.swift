import DeepArcNN
import DeepArcTensor

// MARK: - Finite-difference gradient checks

/// The relative errors of one finite-difference check, by tensor: `"input"` and every trainable
/// parameter's name.
struct GradientCheckReport: CustomStringConvertible {
    var errors: [(name: String, error: Double)] = []

    /// The largest relative error.
    var worst: Double { errors.map(\.error).max() ?? 0 }

    var description: String { errors.map { "\($0.name): \($0.error)" }.joined(separator: ", ") }
}

/// Checks `layer`'s backward pass against central differences of L(x, θ) = ⟨R, f(x)⟩, where R is a
/// random projection of the output and f is a training-mode forward pass.
///
/// The analytic gradients come from one `forward`/`backward`; the numerical ones perturb each
/// input element and each trainable parameter entry by ±`step` and difference L in `Double`. The
/// error of each tensor is ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖, 1e-3).
/// - Parameters:
///   - evaluate: the function differenced; defaults to `layer.forward(_, mode: .training)`. Pass
///     a closure that builds an identically seeded layer when the forward pass is random (dropout).
func numericalGradientCheck(
    _ layer: any Layer, input: Tensor, seed: UInt64 = 42, step: Float = 1e-2,
    evaluate: ((Tensor) throws -> Tensor)? = nil
) throws -> GradientCheckReport {
    let trainable = layer.namedParameters.filter { $0.parameter.receivesUpdates }
    for (_, parameter) in layer.namedParameters { parameter.zeroGradient() }

    let output = try layer.forward(input, mode: .training)
    var generator = SeededGenerator(seed: seed)
    let projection = Tensor.randomNormal(shape: output.shape, using: &generator)
    let analyticInput = try layer.backward(projection, needsInputGradient: true)
    let analyticParameters = trainable.map { $0.parameter.gradient }

    let function = evaluate ?? { try layer.forward($0, mode: .training) }
    func loss(_ x: Tensor) throws -> Double {
        let y = try function(x)
        precondition(y.shape == projection.shape, "output shape changed between evaluations")
        return zip(y.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    var report = GradientCheckReport()
    // Input.
    var numericInput = [Double](repeating: 0, count: input.count)
    var perturbed = input
    for index in 0..<input.count {
        let original = input.scalars[index]
        let (plus, minus) = (original + step, original - step)
        perturbed.withUnsafeMutableBufferPointer { $0[index] = plus }
        let high = try loss(perturbed)
        perturbed.withUnsafeMutableBufferPointer { $0[index] = minus }
        let low = try loss(perturbed)
        perturbed.withUnsafeMutableBufferPointer { $0[index] = original }
        numericInput[index] = (high - low) / (Double(plus) - Double(minus))
    }
    report.errors.append(("input", relativeError(analyticInput?.scalars ?? [], numericInput)))

    // Trainable parameters.
    for (position, entry) in trainable.enumerated() {
        let parameter = entry.parameter
        var numeric = [Double](repeating: 0, count: parameter.value.count)
        for index in 0..<parameter.value.count {
            let original = parameter.value.scalars[index]
            let (plus, minus) = (original + step, original - step)
            parameter.value.withUnsafeMutableBufferPointer { $0[index] = plus }
            let high = try loss(input)
            parameter.value.withUnsafeMutableBufferPointer { $0[index] = minus }
            let low = try loss(input)
            parameter.value.withUnsafeMutableBufferPointer { $0[index] = original }
            numeric[index] = (high - low) / (Double(plus) - Double(minus))
        }
        report.errors.append((entry.name, relativeError(analyticParameters[position].scalars, numeric)))
    }
    return report
}

/// ‖a − b‖ / max(‖a‖, ‖b‖, 1e-3); infinity when the lengths differ (a missing gradient).
func relativeError(_ analytic: [Float], _ numeric: [Double]) -> Double {
    guard analytic.count == numeric.count else { return .infinity }
    var difference = 0.0
    var normA = 0.0
    var normN = 0.0
    for (a, n) in zip(analytic, numeric) {
        difference += (Double(a) - n) * (Double(a) - n)
        normA += Double(a) * Double(a)
        normN += n * n
    }
    return difference.squareRoot() / max(normA.squareRoot(), normN.squareRoot(), 1e-3)
}

// MARK: - Comparisons

/// Whether |a − b| ≤ absolute + relative·|b|.
func closeEnough(_ a: Double, _ b: Double, relative: Double = 1e-5, absolute: Double = 1e-6) -> Bool {
    abs(a - b) <= absolute + relative * abs(b)
}

/// Whether two value lists have equal length and are elementwise ``closeEnough(_:_:relative:absolute:)``.
func closeEnough(_ a: [Float], _ b: [Double], relative: Double = 1e-5, absolute: Double = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { closeEnough(Double($0), $1, relative: relative, absolute: absolute) }
}

/// A tensor with values drawn uniformly from `range`, reproducibly.
func seededUniformTensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randomUniform(shape: shape, in: range, using: &generator)
}

extension Tensor {
    /// The same shape holding `values` (a test convenience; the count must match).
    func replacing(_ values: [Float]) -> Tensor {
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        var copy = self
        copy.withUnsafeMutableBufferPointer { buffer in
            for (index, value) in values.enumerated() { buffer[index] = value }
        }
        return copy
    }
}
