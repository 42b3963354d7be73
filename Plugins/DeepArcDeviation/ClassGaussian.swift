import DeepArcCore
import Foundation

/// One class's Gaussian N(μ, Σ) in the reduced space of the `gaussian` measure, with
/// Σ = (1 − λ) S + λ · tr(S)/k · I, S the maximum-likelihood covariance of the class's samples.
public struct ClassGaussian: Sendable, Equatable {
    /// The class label.
    public let label: Int
    /// The number of samples n it was fitted on.
    public let sampleCount: Int
    /// The mean μ, k values.
    public let mean: [Double]
    /// The shrinkage λ ∈ [0, 1] used (the Ledoit–Wolf estimate or the fixed option).
    public let shrinkage: Double
    /// log det Σ.
    public let logDeterminant: Double
    /// L⁻¹ for the Cholesky factor Σ = L Lᵀ (k × k, lower-triangular).
    let inverseFactor: DoubleMatrix

    /// The number of dimensions k.
    public var dimensions: Int { mean.count }

    /// The negative log-density of `point` (k values): ½ (z − μ)ᵀ Σ⁻¹ (z − μ) + ½ log det Σ + (k/2) log 2π.
    /// - Parameter point: a reduced representation.
    /// - Returns: the negative log-density.
    /// - Precondition: `point` has ``dimensions`` values.
    public func negativeLogDensity(of point: [Double]) -> Double {
        precondition(point.count == dimensions, "ClassGaussian: a point of \(point.count) values for \(dimensions)")
        var centred = DoubleMatrix(rows: 1, columns: dimensions)
        for index in 0..<dimensions { centred.values[index] = point[index] - mean[index] }
        let whitened = DoubleMatrix.product(centred, inverseFactor, transposeB: true)
        return negativeLogDensity(squaredMahalanobis: whitened.frobeniusProduct(with: whitened))
    }

    /// ½ · `squaredMahalanobis` + ½ log det Σ + (k/2) log 2π.
    func negativeLogDensity(squaredMahalanobis: Double) -> Double {
        0.5 * squaredMahalanobis + 0.5 * logDeterminant + 0.5 * Double(dimensions) * log(2 * Double.pi)
    }

    // MARK: - Fitting

    /// Fits the Gaussian of `label` on rows `members` of `samples` (n × k reduced representations).
    /// - Throws: `DeepArcError.invalidActivations` when the samples are all equal or the shrunk
    ///   covariance is not positive definite.
    init(
        label: Int, members: [Int], of samples: DoubleMatrix, shrinkage option: GaussianDeviation.Shrinkage
    ) throws(DeepArcError) {
        let n = members.count
        let k = samples.columns
        precondition(n >= 2, "ClassGaussian: fitted on \(n) samples")
        // Mean and centred samples.
        var mean = [Double](repeating: 0, count: k)
        var centred = DoubleMatrix(rows: n, columns: k)
        samples.values.withUnsafeBufferPointer { z in
            centred.values.withUnsafeMutableBufferPointer { c in
                mean.withUnsafeMutableBufferPointer { mu in
                    for (row, member) in members.enumerated() {
                        for column in 0..<k { c[row * k + column] = z[member * k + column] }
                    }
                    for row in 0..<n {
                        for column in 0..<k { mu[column] += c[row * k + column] }
                    }
                    for column in 0..<k { mu[column] /= Double(n) }
                    for row in 0..<n {
                        for column in 0..<k { c[row * k + column] -= mu[column] }
                    }
                }
            }
        }
        let covariance = DoubleMatrix.product(centred, transposeA: true, centred, alpha: 1 / Double(n))
        let trace = covariance.trace
        guard trace > 0, trace.isFinite else {
            throw .invalidActivations(
                layer: nil,
                reason: "gaussian: the \(n) reduced representations of class \(label) are all equal (zero covariance)")
        }
        let lambda: Double
        switch option {
        case .ledoitWolf: lambda = Self.ledoitWolfShrinkage(centred: centred, covariance: covariance)
        case .fixed(let value): lambda = value
        }
        // Σ = (1 − λ) S + λ · tr(S)/k · I.
        var shrunk = covariance
        let target = lambda * trace / Double(k)
        shrunk.values.withUnsafeMutableBufferPointer { s in
            for index in 0..<s.count { s[index] *= 1 - lambda }
            for index in 0..<k { s[index * k + index] += target }
        }
        guard let factor = shrunk.choleskyFactor() else {
            throw .invalidActivations(
                layer: nil,
                reason:
                    "gaussian: the shrunk covariance of class \(label) (\(n) samples in \(k) dimensions, "
                    + "shrinkage λ = \(lambda)) is not positive definite; fit on more samples or set shrinkage to a "
                    + "fixed λ > 0 (Ledoit–Wolf gives λ = 0 for 2 samples)")
        }
        var logDeterminant = 0.0
        for index in 0..<k { logDeterminant += 2 * log(factor.values[index * k + index]) }
        self.label = label
        self.sampleCount = n
        self.mean = mean
        self.shrinkage = lambda
        self.logDeterminant = logDeterminant
        self.inverseFactor = factor.lowerTriangularInverse()
    }

    /// The Ledoit–Wolf (2004) shrinkage towards μ·I, μ = tr(S)/k, with ‖A‖² = tr(AAᵀ)/k:
    /// d² = ‖S − μI‖² = ‖S‖²_F/k − μ², b̄² = n⁻² Σᵢ ‖zᵢzᵢᵀ − S‖² = (n⁻¹ Σᵢ ‖zᵢ‖⁴ − ‖S‖²_F) / (n k)
    /// (using Σᵢ zᵢᵀ S zᵢ = n ‖S‖²_F), λ = min(b̄², d²) / d²; 1 when d² = 0 (S is already μI).
    /// - Parameters:
    ///   - centred: the n × k centred samples zᵢ.
    ///   - covariance: S = Σᵢ zᵢzᵢᵀ / n.
    static func ledoitWolfShrinkage(centred: DoubleMatrix, covariance: DoubleMatrix) -> Double {
        let n = Double(centred.rows)
        let k = Double(centred.columns)
        let columns = centred.columns
        let squaredFrobenius = covariance.frobeniusProduct(with: covariance)
        let mu = covariance.trace / k
        let dispersion = squaredFrobenius / k - mu * mu
        let fourthMoments: Double = centred.values.withUnsafeBufferPointer { z in
            var sum = 0.0
            for row in 0..<centred.rows {
                var norm = 0.0
                for column in 0..<columns { norm += z[row * columns + column] * z[row * columns + column] }
                sum += norm * norm
            }
            return sum
        }
        let estimationError = max(0, (fourthMoments / n - squaredFrobenius) / (n * k))
        guard dispersion > 0 else { return 1 }
        return min(1, max(0, min(estimationError, dispersion) / dispersion))
    }
}
