import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc benchmark`: timings that the side-by-side comparisons with PyTorch and NumPy read.
    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the engine's hot paths (for Benchmarks/compare).",
            subcommands: [TrainStep.self, Capture.self, SimilarityTiming.self])
    }
}

/// Options shared by the model benchmarks.
struct ModelBenchmarkOptions: ParsableArguments {
    @Option(help: "Architecture (e.g. resnet20, vgg11, mlp).")
    var arch: String = "resnet20"

    @Option(help: "Samples per step.")
    var batchSize: Int = 128

    @Option(help: "Timed steps.")
    var steps: Int = 20

    @Option(help: "Untimed warm-up steps.")
    var warmup: Int = 3

    @Option(help: "Input shape as C,H,W.")
    var input: String = "1,28,28"

    @Option(help: "Number of classes.")
    var classes: Int = 10

    func validate() throws {
        guard batchSize >= 1, steps >= 1, warmup >= 0, classes >= 1 else {
            throw ValidationError("--batch-size, --steps and --classes must be at least 1, --warmup at least 0")
        }
        _ = try inputShape()
    }

    func inputShape() throws -> [Int] {
        let parts = input.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--input must be positive integers separated by commas, got '\(input)'")
        }
        return parts.compactMap { $0 }
    }

    func makeBatch() throws -> (Model, Tensor, [Int]) {
        let shape = try inputShape()
        let model = try Model(spec: Architectures.make(arch, inputShape: shape, classCount: classes), seed: 1)
        var generator = SeededGenerator(seed: 2)
        let images = Tensor.randomUniform(shape: [batchSize] + shape, in: 0...1, using: &generator)
        let labels = (0..<batchSize).map { $0 % classes }
        return (model, images, labels)
    }
}

/// The JSON result of a model benchmark.
struct ModelBenchmarkResult: Codable {
    var benchmark: String
    var architecture: String
    var batchSize: Int
    var steps: Int
    var samplesPerSecond: Double
    var secondsPerStep: Double
    var sgemmShare: Double
    var sgemmGFLOPS: Double
    var blasCore: String
    /// What ran the matrix products: `DeepArc AVX-512` or `OpenBLAS <core>` (see ``GEMMKernel``).
    var gemmKernel: String
    var threads: Int

    var text: String {
        String(
            format: "%@ %@ batch %d: %.1f samples/s (%.2f ms/step), %.0f%% of the time in sgemm at %.0f GFLOP/s [%@, %d threads]",
            benchmark, architecture, batchSize, samplesPerSecond, secondsPerStep * 1000, sgemmShare * 100, sgemmGFLOPS,
            gemmKernel, threads)
    }

    static func measure(
        _ name: String, options: ModelBenchmarkOptions, common: CommonOptions, step: () throws -> Void
    ) throws -> ModelBenchmarkResult {
        for _ in 0..<options.warmup { try step() }
        BLASProfile.reset()
        BLASProfile.setEnabled(true)
        let start = ContinuousClock.now
        for _ in 0..<options.steps { try step() }
        let elapsed = ContinuousClock.now - start
        BLASProfile.setEnabled(false)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let blas = BLASProfile.totals
        return ModelBenchmarkResult(
            benchmark: name, architecture: options.arch, batchSize: options.batchSize, steps: options.steps,
            samplesPerSecond: Double(options.batchSize * options.steps) / seconds,
            secondsPerStep: seconds / Double(options.steps), sgemmShare: blas.seconds / seconds,
            sgemmGFLOPS: blas.seconds > 0 ? 2 * Double(blas.multiplyAdds) / blas.seconds / 1e9 : 0,
            blasCore: BLAS.coreName, gemmKernel: GEMMKernel.inUse, threads: BLAS.threadCount)
    }

    func report(_ format: OutputFormat) throws {
        switch format {
        case .json: try JSONOutput.print(self)
        case .text: print(text)
        }
    }
}

extension DeepArcCommand.Benchmark {
    /// One training step: forward, softmax cross-entropy, backward, SGD with momentum.
    struct TrainStep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "Time training steps (forward, loss, backward, SGD update).")

        @OptionGroup var common: CommonOptions
        @OptionGroup var options: ModelBenchmarkOptions

        func run() async throws {
            common.apply()
            let (model, images, labels) = try options.makeBatch()
            let trainer = ModelTrainer(model: model, optimizer: try SGD(learningRate: 0.01, momentum: 0.9))
            let result = try ModelBenchmarkResult.measure("train", options: options, common: common) {
                try trainer.step(images: images, labels: labels)
            }
            try result.report(common.format)
        }
    }

    /// Inference capturing every unit's output (what modularization does).
    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time inference forward passes that capture every unit's output.")

        @OptionGroup var common: CommonOptions
        @OptionGroup var options: ModelBenchmarkOptions

        func run() async throws {
            common.apply()
            let (model, images, _) = try options.makeBatch()
            let units = Set(0..<model.unitCount)
            let result = try ModelBenchmarkResult.measure("capture", options: options, common: common) {
                _ = try model.forward(images, mode: .inference, capturing: units)
            }
            try result.report(common.format)
        }
    }
}
