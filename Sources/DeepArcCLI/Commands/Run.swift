import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc run [CONFIG]`: the main job.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a DeepArc pipeline from a YAML/JSON configuration (default: the embedded Fashion-MNIST pipeline).",
            discussion: """
                Without CONFIG: train (or reuse the cached) ResNet on Fashion-MNIST, modularize it, and show the \
                paper's Finding 1 — removing intra-module units keeps accuracy, removing interface units destroys \
                it. Results go to the configuration's output directory (default runs/deeparc). \
                See Examples/configs/ for configurations.
                """)

        @OptionGroup var common: CommonOptions

        @Argument(help: "A pipeline configuration (.yaml, .yml or .json).")
        var config: String?

        @Option(help: "Write results to this directory instead of the configuration's `output`.")
        var output: String?

        @Flag(help: "Print the configuration that would run (the default one without CONFIG) and stop.")
        var showConfig = false

        func run() async throws {
            common.apply()
            var configuration =
                try config.map { try ConfigurationLoader.load(path: $0) }
                ?? ConfigurationLoader.decode(DefaultPipeline.yaml, source: "the embedded default")
            if let output { configuration.output = output }
            if showConfig {
                print(config == nil ? DefaultPipeline.yaml : try String(contentsOfFile: config ?? "", encoding: .utf8))
                return
            }
            let report = try PipelineRunner(
                configuration: configuration, registry: RegistryContext.registry, progress: ProgressReporter()
            ).run()
            switch common.format {
            case .json: try JSONOutput.print(report)
            case .text: print(RunReportText.render(report))
            }
        }
    }
}
