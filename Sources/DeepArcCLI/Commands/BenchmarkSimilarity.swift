import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand.Benchmark {
    /// The full similarity matrix of random activations, next to the cost of its Grams alone.
    struct SimilarityTiming: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "similarity",
            abstract: "Time a full similarity matrix on random activations, and its Grams alone (m × m sgemm per layer).")

        @OptionGroup var common: CommonOptions

        @Option(help: "The similarity metric.")
        var metric: String = "cka.linear"

        @Option(help: "Number of layers n.")
        var layers: Int = 20

        @Option(help: "Number of samples m.")
        var samples: Int = 2000

        @Option(help: "Features per layer d.")
        var features: Int = 4096

        func validate() throws {
            guard layers >= 2, samples >= 4, features >= 1 else {
                throw ValidationError("need --layers ≥ 2, --samples ≥ 4 and --features ≥ 1")
            }
        }

        struct Result: Codable {
            var metric: String
            var layers: Int
            var samples: Int
            var features: Int
            var seconds: Double
            var gramSeconds: Double
            var gflops: Double
            var ratioToGrams: Double
            var blasCore: String
            var gemmKernel: String
            var threads: Int
        }

        func run() async throws {
            common.apply()
            let strategy = try RegistryContext.registry.similarityMetrics.make(metric)
            var generator = SeededGenerator(seed: 7)
            // Correlated layers, like a real network's: each is the previous plus noise.
            var activations: [Tensor] = []
            var current = Tensor.randomNormal(shape: [samples, features], using: &generator)
            for _ in 0..<layers {
                activations.append(current)
                try current.add(Tensor.randomNormal(shape: [samples, features], standardDeviation: 0.3, using: &generator))
            }
            let gramStart = ContinuousClock.now
            for layer in activations { _ = try Tensor.matmul(layer, layer, transposeB: true) }
            let gramSeconds = Self.seconds(since: gramStart)
            let start = ContinuousClock.now
            let matrix = try strategy.similarityMatrix(of: activations)
            let seconds = Self.seconds(since: start)
            guard matrix.count == layers else { throw CLIError("the metric returned a \(matrix.count)-layer matrix") }
            let gramFlops = 2 * Double(layers) * Double(samples) * Double(samples) * Double(features)
            let result = Result(
                metric: metric, layers: layers, samples: samples, features: features, seconds: seconds,
                gramSeconds: gramSeconds, gflops: gramFlops / gramSeconds / 1e9, ratioToGrams: seconds / gramSeconds,
                blasCore: BLAS.coreName, gemmKernel: GEMMKernel.inUse, threads: BLAS.threadCount)
            switch common.format {
            case .json: try JSONOutput.print(result)
            case .text:
                print(
                    String(
                        format: "%@ %d layers × %d samples × %d features: %.2f s; Grams alone %.2f s (%.0f GFLOP/s); ratio %.2f [%@, %d threads]",
                        metric, layers, samples, features, seconds, gramSeconds, result.gflops, result.ratioToGrams,
                        result.gemmKernel, result.threads))
            }
        }

        static func seconds(since start: ContinuousClock.Instant) -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }
}
