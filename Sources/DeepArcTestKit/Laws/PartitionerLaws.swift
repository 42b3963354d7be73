public import DeepArcCore
import DeepArcTensor
public import Testing

/// Checks that a `Partitioner` obeys the laws documented on the protocol, recording every broken
/// law as a Swift Testing issue at the caller's location.
///
/// Laws checked on every matrix and threshold:
/// - `cover`: the partition covers exactly the matrix's layers (consecutive modules by construction of
///   `Partition`).
/// - `determinism`: partitioning twice, and with a fresh instance built from the same options, gives
///   the same partition; `Partitioner/partition(_:)` equals `partition(_:threshold:)` at the options'
///   threshold.
/// - `nan-link`: when `S[k][k+1]` is NaN, layers k and k+1 are in different modules.
/// - `threshold`: 0, negative values, values above 1, NaN and infinity throw
///   `DeepArcError/invalidOption(strategy:option:reason:)` for option `threshold`; 1 is accepted.
///
/// ```swift
/// @Test func lawsHold() throws {
///     checkPartitionerLaws(try MyPartitioner(options: .init()))
/// }
/// ```
/// - Parameters:
///   - partitioner: the partitioner under test.
///   - matrices: the matrices to try; by default a fixed, seeded set: sizes 1 to 30, random and
///     block-structured, with NaN links, NaN off-adjacent entries and degenerate (all-NaN) layers.
///   - thresholds: the thresholds to try (default 0.5, 0.9, 0.99 and 1).
///   - sourceLocation: where to report broken laws (the caller's location by default).
/// - Returns: the violations found (empty when every law holds).
@discardableResult
public func checkPartitionerLaws(
    _ partitioner: some Partitioner,
    matrices: [SimilarityMatrix]? = nil,
    thresholds: [Double] = [0.5, 0.9, 0.99, 1],
    sourceLocation: SourceLocation = #_sourceLocation
) -> [LawViolation] {
    let identifier = type(of: partitioner).identifier
    var recorder = LawRecorder(strategy: identifier, sourceLocation: sourceLocation)
    let matrices = matrices ?? PartitionerLawMatrices.standard()

    // A fresh instance built from the same options.
    let twin: (any Partitioner)?
    do {
        twin = try type(of: partitioner).init(options: partitioner.options)
    } catch {
        recorder.fail("determinism", "init(options:) rejects the options of an existing instance: \(error)")
        twin = nil
    }

    for (matrixIndex, matrix) in matrices.enumerated() {
        let n = matrix.count
        for threshold in thresholds {
            let place = "matrix \(matrixIndex) (n = \(n)), threshold \(threshold)"
            let partition: Partition
            do {
                partition = try partitioner.partition(matrix, threshold: threshold)
            } catch {
                recorder.fail("cover", "\(place): threw \(error)")
                continue
            }
            if partition.layerCount != n {
                recorder.fail("cover", "\(place): the partition covers \(partition.layerCount) layers, not \(n)")
            }
            if let again = try? partitioner.partition(matrix, threshold: threshold), again != partition {
                recorder.fail("determinism", "\(place): \(partition) then \(again)")
            }
            if let twin, let other = try? twin.partition(matrix, threshold: threshold), other != partition {
                recorder.fail(
                    "determinism", "\(place): a fresh instance with the same options gives \(other), not \(partition)")
            }
            for k in 0..<max(0, n - 1) where matrix[k, k + 1].isNaN && partition.sameModule(k, k + 1) {
                recorder.fail(
                    "nan-link", "\(place): S[\(k)][\(k + 1)] is NaN but both layers are in one module: \(partition)")
            }
        }
        if let byOptions = try? partitioner.partition(matrix),
            let explicit = try? partitioner.partition(matrix, threshold: partitioner.threshold),
            byOptions != explicit
        {
            recorder.fail(
                "determinism",
                "matrix \(matrixIndex): partition(_:) gives \(byOptions) but partition(_:threshold:) at the options' threshold gives \(explicit)"
            )
        }
    }

    // Threshold validation.
    guard let probe = matrices.first else { return recorder.violations }
    for bad in [0, -0.5, 1.000_001, 2, Double.nan, .infinity] {
        do {
            let partition = try partitioner.partition(probe, threshold: bad)
            recorder.fail("threshold", "threshold \(bad) was accepted (gave \(partition))")
        } catch let error as DeepArcError {
            if case .invalidOption(_, let option, _) = error, option == "threshold" { continue }
            recorder.fail("threshold", "threshold \(bad) threw \(error), not an invalid-option error for 'threshold'")
        } catch {
            recorder.fail("threshold", "threshold \(bad) threw \(error), not a DeepArcError")
        }
    }
    do {
        _ = try partitioner.partition(probe, threshold: 1)
    } catch {
        recorder.fail("threshold", "threshold 1 was rejected: \(error)")
    }
    return recorder.violations
}

/// The default matrices of ``checkPartitionerLaws(_:matrices:thresholds:sourceLocation:)``.
public enum PartitionerLawMatrices {
    /// A fixed, seeded set of matrices: sizes 1 to 30, random and block-structured, with NaN links,
    /// NaN off-adjacent entries and degenerate layers.
    public static func standard(seed: UInt64 = 0xDEE9_A7C0) -> [SimilarityMatrix] {
        var generator = SeededGenerator(seed: seed)
        var matrices: [SimilarityMatrix] = [
            RandomMatrices.matrix(rows: [[1]]),
            RandomMatrices.matrix(rows: [[1, .nan], [.nan, 1]]),
            RandomMatrices.matrix(rows: [[1, 1], [1, 1]]),
        ]
        for n in [2, 5, 12, 30] {
            matrices.append(RandomMatrices.symmetric(count: n, in: 0.9...1, using: &generator))
            matrices.append(RandomMatrices.symmetric(count: n, in: 0.95...1, nanProbability: 0.2, using: &generator))
        }
        matrices.append(
            RandomMatrices.symmetric(count: 9, in: 0.98...1, degenerateLayers: [0, 4, 8], using: &generator))
        matrices.append(RandomMatrices.blocks(sizes: [1, 4, 2, 6, 1, 3], using: &generator))
        // Block structure with every link inside the blocks NaN: nothing may merge across a NaN link.
        let blocky = RandomMatrices.blocks(sizes: [3, 3, 3], using: &generator)
        var rows = blocky.rows
        for k in [0, 4, 7] {
            rows[k][k + 1] = .nan
            rows[k + 1][k] = .nan
        }
        matrices.append(RandomMatrices.matrix(rows: rows))
        return matrices
    }
}
