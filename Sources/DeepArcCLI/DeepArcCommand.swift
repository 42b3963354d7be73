public import ArgumentParser
public import DeepArc
import Foundation

/// The `deeparc` command: DeepArc's tasks from the command line.
///
/// A program that adds its own strategies calls ``main(arguments:)`` after installing them.
public struct DeepArcCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "deeparc",
        abstract: "Recover, shrink and repair the semantic architecture of trained neural networks (DeepArc).",
        version: "0.1.0",
        subcommands: [
            Run.self, Train.self, Evaluate.self, Modularize.self, Similarity.self, PartitionCommand.self,
            Strategies.self, Restructure.self, PrunePlan.self, Compress.self, Attack.self, Enhance.self, Repair.self,
            Benchmark.self,
        ]
    )

    public init() {}

    /// Runs the command with `registry` in place of the built-in strategies: a third party's
    /// executable installs its own pack and calls this.
    ///
    /// ```swift
    /// await DeepArcCommand.main(registry: try .builtIn.installing(AcmePack.self))
    /// ```
    public static func main(arguments: [String]? = nil, registry: StrategyRegistry) async {
        await RegistryContext.$registry.withValue(registry) {
            await main(arguments: arguments)
        }
    }

    /// Parses `arguments` (default: the process's), runs the command, and exits: 0 on success,
    /// otherwise a one-line `error: …` on stderr and a non-zero status (usage errors print usage).
    public static func main(arguments: [String]? = nil) async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // Usage errors, --help and --version: argument-parser prints and picks the status.
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            // Help and version requests surface here from argument-parser's own commands.
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(1)
        }
    }
}
