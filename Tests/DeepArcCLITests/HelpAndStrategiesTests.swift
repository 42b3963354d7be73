import DeepArcTestKit
import ArgumentParser
import DeepArcCLI
import Foundation
import Testing

/// `--help` of the commands and `deeparc strategies`.
@Suite("deeparc help and strategies")
struct HelpAndStrategiesTests {
    static let commandOptions: [(String, [String])] = [
        ("similarity", ["--activations", "--metric", "--option", "--format", "--threads"]),
        (
            "partition",
            ["--similarity", "--partitioner", "--option", "--threshold", "--sweep", "--heatmap", "--format"]
        ),
        ("strategies", ["--format"]),
        ("train", ["--arch", "--dataset", "--epochs", "--batch-size", "--seed", "--limit", "--out", "--threads", "--format"]),
        ("evaluate", ["--model", "--dataset", "--split", "--format"]),
        ("run", ["--output", "--show-config", "--format"]),
        ("attack", ["--model", "--dataset", "--method", "--option", "--samples", "--out", "--format"]),
    ]

    @Test("each command's help text names its options", arguments: commandOptions)
    func helpText(command: String, options: [String]) throws {
        let type = try #require(DeepArcCommand.configuration.subcommands.first { $0._commandName == command })
        let help = DeepArcCommand.helpMessage(for: type)
        for option in options { #expect(help.contains(option), "\(command) help lacks \(option)") }
    }

    @Test("`deeparc COMMAND --help` prints the help and exits 0", arguments: commandOptions)
    func helpOnTheCommandLine(command: String, options: [String]) throws {
        let result = try CLI.run([command, "--help"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for option in options { #expect(result.stdout.contains(option), "\(command) --help lacks \(option)") }
    }

    @Test("the root help lists the commands")
    func rootHelp() throws {
        let help = DeepArcCommand.helpMessage()
        for command in ["run", "train", "evaluate", "similarity", "partition", "strategies"] { #expect(help.contains(command)) }
    }

    @Test("strategies --format json: every kind, partitioners with their documented defaults")
    func strategiesJSON() throws {
        let result = try CLI.run(["strategies", "--format", "json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(Set(object.keys) == ["similarity", "partitioner", "deviation", "compressor", "attack"])
        let partitioners = try #require(object["partitioner"] as? [[String: Any]])
        let byName = Dictionary(
            uniqueKeysWithValues: partitioners.compactMap { entry in
                (entry["identifier"] as? String).map { ($0, entry) }
            })
        let greedy = try #require(byName["greedy"])
        let greedyDefaults = try #require(greedy["defaultOptions"] as? [String: Any])
        #expect(greedyDefaults["criterion"] as? String == "mean")
        #expect(greedyDefaults["threshold"] as? Double == 0.99)
        #expect(!(greedy["summary"] as? String ?? "").isEmpty)
        let dp = try #require(byName["dp"])
        let dpDefaults = try #require(dp["defaultOptions"] as? [String: Any])
        #expect(dpDefaults["pairs"] as? String == "unordered")
        for kind in ["similarity", "partitioner", "deviation", "compressor", "attack"] {
            for entry in object[kind] as? [[String: Any]] ?? [] {
                #expect(Set(entry.keys) == ["identifier", "summary", "defaultOptions"])
            }
        }
    }

    @Test("strategies (text) names each kind and the partitioners")
    func strategiesText() throws {
        let result = try CLI.run(["strategies"])
        #expect(result.status == 0)
        for text in ["partitioners", "similarity metrics", "greedy", "dp", "criterion"] {
            #expect(result.stdout.contains(text), "missing \(text)")
        }
    }
}
