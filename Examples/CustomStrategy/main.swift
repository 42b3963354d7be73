// The `deeparc` tool with one more strategy: the built-in pack plus AcmePack.
//
//     swift run CustomStrategy run Examples/configs/custom-strategy.yaml
//
// Every command of `deeparc` works here, and every configuration may now name `acme.cosine`.
import DeepArc
import DeepArcCLI
import Foundation

let registry: StrategyRegistry
do {
    registry = try StrategyRegistry.builtIn.installing(AcmePack.self)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
await DeepArcCommand.main(registry: registry)
