import DeepArcCore
import DeepArcTensor
import Foundation
import Testing

/// A tensor of standard normal values (in `scale` units) from a fixed seed.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return try Tensor(shape: shape, scalars: (0..<count).map { _ in generator.nextNormal() * scale })
}

/// A tensor from rows of doubles (rounded to `Float`), reshaped to `shape` when given.
func tensor(_ rows: [[Double]], shape: [Int]? = nil) throws -> Tensor {
    let values = rows.flatMap { $0.map(Float.init) }
    return try Tensor(shape: shape ?? [rows.count, rows.first?.count ?? 0], scalars: values)
}

/// Central finite differences of `f` at every element of `x`, in `Double`. Each perturbed value is
/// rounded to `Float` (the representations are `Float`), so the quotient divides by the perturbation
/// actually applied rather than by 2·step.
func finiteDifferences(at x: Tensor, step: Double, _ f: (Tensor) throws -> Double) throws -> [Double] {
    var gradient: [Double] = []
    for index in 0..<x.count {
        var plus = x.scalars
        var minus = x.scalars
        plus[index] = Float(Double(x.scalars[index]) + step)
        minus[index] = Float(Double(x.scalars[index]) - step)
        let span = Double(plus[index]) - Double(minus[index])
        let high = try f(Tensor(shape: x.shape, scalars: plus))
        let low = try f(Tensor(shape: x.shape, scalars: minus))
        gradient.append((high - low) / span)
    }
    return gradient
}

/// Expects `analytic` to agree with `numeric` within `tolerance` times the largest numeric magnitude.
func expectGradient(
    _ analytic: Tensor, matches numeric: [Double], tolerance: Double = 1e-4,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(analytic.count == numeric.count, sourceLocation: sourceLocation)
    let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
    let worst = zip(analytic.scalars, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(
        worst <= tolerance * scale, "worst gradient error \(worst) at scale \(scale)", sourceLocation: sourceLocation)
}

/// Whether `error` is `DeepArcError.invalidActivations` whose reason contains every fragment.
func isInvalidActivations(_ error: any Error, containing fragments: String...) -> Bool {
    guard case .invalidActivations(_, let reason) = error as? DeepArcError else { return false }
    return fragments.allSatisfy { reason.contains($0) }
}
