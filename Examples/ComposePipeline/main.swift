// Composing a DeepArc pipeline in code: train a small ResNet, recover its semantic architecture with
// concrete strategy types, sweep the threshold, and run the paper's Finding 1 (layer removal).
//
//     swift run ComposePipeline                      # synthetic gratings, about a minute
//     swift run ComposePipeline --dataset fashion-mnist --train-samples 6000 --epochs 2
//
// Options: --dataset NAME (any name `deeparc` accepts), --arch A (default resnet14),
// --train-samples N, --test-samples N, --samples M (similarity samples), --epochs E, --seed S,
// --threshold TH. Only the public API of the DeepArc umbrella module is used.
import DeepArc
import Foundation

// MARK: - Settings

/// What to run; every field has a small default so that the example finishes in about a minute.
struct Settings {
    var dataset = "synthetic:images,classes=4,samples=1024,test-samples=400,size=16,seed=1"
    var arch = "resnet14"
    var trainSamples = 1024
    var testSamples = 400
    var samples = 300
    var epochs = 3
    var seed: UInt64 = 1
    var threshold = 0.95

    /// Reads `--key value` pairs; `--quick` is accepted and keeps the defaults.
    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--quick" { continue }
            guard let value = rest.popFirst() else { throw ExampleError("\(flag) needs a value") }
            func number<T: LosslessStringConvertible>(_: T.Type) throws -> T {
                guard let parsed = T(value) else { throw ExampleError("\(flag): '\(value)' is not a number") }
                return parsed
            }
            switch flag {
            case "--dataset": dataset = value
            case "--arch": arch = value
            case "--train-samples": trainSamples = try number(Int.self)
            case "--test-samples": testSamples = try number(Int.self)
            case "--samples": samples = try number(Int.self)
            case "--epochs": epochs = try number(Int.self)
            case "--seed": seed = try number(UInt64.self)
            case "--threshold": threshold = try number(Double.self)
            default: throw ExampleError("unknown option \(flag)")
            }
        }
        guard trainSamples > 0, testSamples > 0, samples > 0 else {
            throw ExampleError("--train-samples, --test-samples and --samples must be positive")
        }
    }
}

/// An error of this example, printed as `error: …`.
struct ExampleError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The pipeline

func run(_ settings: Settings) throws {
    // 1. Data: any data set name the command-line tool accepts.
    let source = try DatasetSource(parsing: settings.dataset)
    let train = try source.load(split: .train, limit: settings.trainSamples)
    let test = try source.load(split: .test, limit: settings.testSamples)
    print("data: \(source), \(train.count) training and \(test.count) test samples of shape \(train.sampleShape)")

    // 2. A model of units, with the training set's per-channel normalisation built in.
    let spec = try Architectures.make(settings.arch, inputShape: train.sampleShape, classCount: train.classCount)
    let model = try Model(spec: spec, seed: settings.seed)
    if train.sampleShape.count == 3 {
        let statistics = train.normalizationStatistics()
        try model.setNormalization(
            .init(mean: statistics.mean, standardDeviation: statistics.std.map { max($0, 1e-6) }))
    }
    print(
        "model: \(settings.arch), \(model.unitCount) units (\(model.unitNames.joined(separator: ", "))), "
            + "\(model.parameterCount) parameters")

    // 3. Train briefly with the same loop `deeparc train` uses.
    var training = TrainingConfiguration()
    training.epochs = settings.epochs
    training.batchSize = 64
    training.learningRate = 0.05
    training.seed = settings.seed
    let loop = try TrainingLoop(configuration: training)
    _ = try loop.train(
        model, on: train, evaluatingOn: test,
        onEpoch: { report in
            print(
                String(
                    format: "epoch %d: loss %.3f, train %.1f%%, test %.1f%%, %.0f samples/s", report.epoch,
                    report.trainLoss, report.trainAccuracy * 100, (report.testAccuracy ?? 0) * 100,
                    report.samplesPerSecond))
        })

    // 4. Modularize with concrete strategy types: linear CKA and the exact Eq. 4 partitioner.
    let similarity = try LinearCKA()
    let partitioner = try DPPartitioner(options: .init(threshold: settings.threshold))
    let modularizer = Modularizer(similarity: similarity, partitioner: partitioner)
    let samples = try test.images.slice(batch: 0..<min(settings.samples, test.count))
    let result = try modularizer.modularize(model, samples: samples)
    let architecture = result.architecture
    print(
        String(
            format: "\nsemantic architecture (%@ + %@, th = %.2f, %d samples): %d modules, modularity Y = %.2f",
            result.similarityMetric, result.partitioner, architecture.threshold, result.sampleCount,
            architecture.moduleCount, architecture.modularity))
    for module in architecture.modules {
        let names = module.layers.map { result.unitNames[$0] }.joined(separator: ", ")
        let simmod = module.isMultiLayer ? String(format: "  simmod %.4f", module.simmod) : ""
        print("  module \(module.index): [\(names)]\(simmod)")
    }
    print(
        "  adjacent similarities: "
            + (0..<(architecture.matrix.count - 1)).map { String(format: "%.3f", architecture.matrix[$0, $0 + 1]) }
            .joined(separator: " "))

    // 5. The threshold sweep (paper Fig. 11) for both partitioners on the same matrix.
    let greedy = try GreedyPartitioner(options: .init(criterion: .link))
    let exact = try ThresholdSweep(matrix: architecture.matrix, partitioner: partitioner)
    let linked = try ThresholdSweep(matrix: architecture.matrix, partitioner: greedy)
    print("\nthreshold   dp: modules  Y      greedy(link): modules  Y")
    for (row, other) in zip(exact.rows, linked.rows) {
        print(
            String(
                format: "%.2f        %2d           %.2f   %2d                     %.2f", row.threshold, row.moduleCount,
                row.modularity, other.moduleCount, other.modularity))
    }

    // 6. Finding 1: remove intra-module units versus interface units, without retraining.
    let study = try LayerRemovalStudy(seed: settings.seed).run(
        model: model, modularization: result, images: test.images, labels: test.labels)
    print("\nlayer removal on \(study.evaluationSamples) test samples (no retraining):")
    for row in study.rows {
        let removed = row.removedNames.isEmpty ? "—" : row.removedNames.joined(separator: ", ")
        let kind = row.kind.padding(toLength: 13, withPad: " ", startingAt: 0)
        print(String(format: "  %@accuracy %5.1f%%  removed: %@", kind, row.accuracy * 100, removed))
    }
    if !study.skippedIntraModuleUnits.isEmpty {
        print("  (not removable without a sewing adapter: units \(study.skippedIntraModuleUnits))")
    }
}

// MARK: - Main

do {
    try run(try Settings(arguments: Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
