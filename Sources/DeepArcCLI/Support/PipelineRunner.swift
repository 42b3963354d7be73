import DeepArc
import Foundation

/// Runs a ``PipelineConfiguration`` the way `deeparc run` does: get the model (load a checkpoint,
/// reuse a cached one, or train), then run the configured tasks, writing results to the output
/// directory.
struct PipelineRunner {
    let configuration: PipelineConfiguration
    let registry: StrategyRegistry
    let progress: ProgressReporter

    /// Everything a run produced.
    struct Report: Codable {
        var model: ModelReport
        var modularization: ModularizationResult?
        var layerRemoval: LayerRemovalStudy.Result?
        var outputDirectory: String
        var files: [String]
        var seconds: Double
    }

    /// The model the tasks ran on.
    struct ModelReport: Codable {
        var architecture: String
        var checkpoint: String
        var source: String
        var parameters: Int
        var units: Int
        var accuracy: Double
        var evaluationSamples: Int
        var training: TrainingSummary?
    }

    func run() throws -> Report {
        let started = Date()
        try FileManager.default.createDirectory(atPath: configuration.output, withIntermediateDirectories: true)
        // Build every strategy first, so a misspelt name or option fails before any training.
        _ = try registry.similarityMetrics.make(configuration.similarity)
        _ = try registry.partitioners.make(configuration.partitioner)
        _ = try registry.compressors.make(configuration.compressor)
        _ = try registry.deviationMeasures.make(configuration.deviation)
        let source = try DatasetSource(parsing: configuration.data.dataset, dataDirectory: configuration.data.dataDir)
        progress.line("loading \(source) …")
        let test = try source.load(split: .test, limit: nil)
        let (model, modelReport) = try obtainModel(source: source, test: test)
        var report = Report(
            model: modelReport, modularization: nil, layerRemoval: nil, outputDirectory: configuration.output, files: [],
            seconds: 0)

        let samples = try test.images.slice(batch: 0..<min(configuration.data.samples, test.count))
        let evaluation = test.prefix(configuration.data.evaluationSamples)
        var modularization: ModularizationResult?
        for task in configuration.tasks {
            switch task {
            case .modularize:
                let result = try modularize(model, samples: samples)
                modularization = result
                report.modularization = result
                report.files.append(try write(result, named: "architecture.json"))
                let heatmap = configuration.output + "/heatmap.svg"
                try HeatmapOutput.write(result, title: "\(model.spec.architecture) on \(source)", to: heatmap)
                report.files.append(heatmap)
            case .layerRemoval:
                let result = try modularization ?? modularize(model, samples: samples)
                modularization = result
                progress.line("layer-removal study on \(evaluation.count) test samples …")
                let recalibration = try source.load(split: .train, limit: 4000).images
                let study = try LayerRemovalStudy(seed: configuration.training.seed, recalibrationSamples: recalibration).run(
                    model: model, modularization: result, images: evaluation.images, labels: evaluation.labels)
                report.layerRemoval = study
                report.files.append(try write(study, named: "layer-removal.json"))
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        report.files.append(configuration.output + "/report.json")
        _ = try write(report, named: "report.json")
        return report
    }

    // MARK: - Steps

    private func modularize(_ model: Model, samples: Tensor) throws -> ModularizationResult {
        let metric = try registry.similarityMetrics.make(configuration.similarity)
        let partitioner = try registry.partitioners.make(configuration.partitioner)
        progress.line(
            "modularizing: \(configuration.similarity.name) on \(samples.batchCount) samples, "
                + "\(configuration.partitioner.name) at threshold \(partitioner.threshold) …")
        return try Modularizer(similarity: metric, partitioner: partitioner).modularize(model, samples: samples)
    }

    private func obtainModel(source: DatasetSource, test: Dataset) throws -> (Model, ModelReport) {
        let evaluation = test.prefix(configuration.data.evaluationSamples)
        func report(_ model: Model, path: String, origin: String, training: TrainingSummary?) throws -> ModelReport {
            let accuracy = try ModelTrainer.evaluate(model: model, images: evaluation.images, labels: evaluation.labels)
            return ModelReport(
                architecture: model.spec.architecture, checkpoint: path, source: origin,
                parameters: model.parameterCount, units: model.unitCount, accuracy: accuracy.accuracy,
                evaluationSamples: evaluation.count, training: training)
        }
        if let checkpoint = configuration.model.checkpoint {
            let (model, _) = try Checkpoint.load(from: checkpoint)
            return (model, try report(model, path: checkpoint, origin: "checkpoint", training: nil))
        }
        let arch = configuration.model.arch ?? "resnet20"
        var training = configuration.training
        if training.augmentation == nil {
            training.augmentation = TrainingSession.defaultAugmentation(
                arch: arch, sampleShape: test.sampleShape, cropPadding: nil, flip: nil)
        }
        let cache = configuration.model.cache ?? "\(configuration.output)/\(arch).safetensors"
        if FileManager.default.fileExists(atPath: cache) {
            let (model, metadata) = try Checkpoint.load(from: cache)
            let recipe = String(decoding: try JSONEncoder.sorted.encode(training), as: UTF8.self)
            let sameTraining = metadata["deeparc.source"] == source.description && metadata["deeparc.training"] == recipe
            if model.spec.architecture == arch.lowercased(), model.inputShape == test.sampleShape, sameTraining {
                progress.line("reusing the cached \(arch) at \(cache)")
                return (model, try report(model, path: cache, origin: "cache", training: nil))
            }
            progress.line("the cached model at \(cache) is not a \(arch) trained this way on \(source); training a new one")
        }
        var train = try source.load(split: .train, limit: configuration.training.samples)
        if let samples = configuration.training.samples { train = train.prefix(samples) }
        progress.line("training \(arch) on \(train.count) samples for \(training.epochs) epochs → \(cache)")
        let model = try TrainingSession.makeModel(arch: arch, for: train, seed: training.seed)
        let summary = try TrainingSession.train(
            model, arch: arch, train: train, test: evaluation, configuration: training, out: cache, progress: progress,
            source: source.description)
        return (model, try report(model, path: cache, origin: "trained", training: summary))
    }

    private func write(_ value: some Encodable, named name: String) throws -> String {
        let path = configuration.output + "/" + name
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        try FileIO.writeAtomically(try encoder.encode(value), to: path)
        return path
    }
}
