import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc strategies`: every registered strategy, by kind, with its summary and default options.
    struct Strategies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the registered strategies by kind, with their summaries and default options.",
            discussion: """
                Options are given to the commands as --option key=value (or in a configuration file); \
                every option has the default shown here. JSON: {"similarity": [...], "partitioner": [...], \
                "deviation": [...], "compressor": [...], "attack": [...]}, each entry {"identifier", "summary", "defaultOptions"}.
                """)

        @OptionGroup var common: CommonOptions

        func run() async throws {
            common.apply()
            let registry = RegistryContext.registry
            switch common.format {
            case .json:
                var listing: [String: [StrategyListing]] = [:]
                for kind in StrategyKind.allCases {
                    listing[kind.rawValue] = registry.descriptions.filter { $0.kind == kind }.map {
                        StrategyListing(
                            identifier: $0.identifier, summary: $0.summary, defaultOptions: $0.defaultOptions)
                    }
                }
                try JSONOutput.print(listing)
            case .text:
                print(try Self.text(registry))
            }
        }

        /// One block per kind: identifiers aligned, the summary, then the default options as JSON.
        static func text(_ registry: StrategyRegistry) throws -> String {
            var lines: [String] = []
            let width = (registry.descriptions.map(\.identifier.count).max() ?? 0) + 2
            for kind in StrategyKind.allCases {
                if !lines.isEmpty { lines.append("") }
                lines.append("\(kind.description)s (\(kind.rawValue)):")
                let descriptions = registry.descriptions.filter { $0.kind == kind }
                if descriptions.isEmpty { lines.append("  (none registered)") }
                for description in descriptions {
                    let name = description.identifier.padding(toLength: width, withPad: " ", startingAt: 0)
                    lines.append("  \(name)\(description.summary)")
                    let options = try description.defaultOptions.jsonString()
                    let indent = String(repeating: " ", count: width + 2)
                    lines.append("\(indent)options: \(options == "{}" ? "none" : options)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// One strategy in the JSON of `deeparc strategies`.
struct StrategyListing: Codable {
    var identifier: String
    var summary: String
    var defaultOptions: ConfigValue
}
