import DeepArcTestKit
import DeepArc
import Foundation
import Testing

/// `deeparc prune-plan` (and a short `deeparc compress` run) end to end on the built executable.
@Suite("deeparc prune-plan")
struct PrunePlanCommandTests {
    /// A 2×1×2×2 "conv" and a 3×4 "fc" with distinct magnitudes (sorted by hand in ``globalByHand()``).
    static let conv: [Float] = [0.1, -0.5, 0.9, 0.3, -0.05, 0.7, 0.2, -0.8]
    static let fc: [Float] = [0.15, -0.25, 0.35, 0.45, -0.55, 0.65, 0.04, 0.01, -0.95, 0.6, 0.12, 0.33]

    /// Writes an .npz with the given arrays, in this order.
    static func writeNPZ(_ arrays: [(String, Tensor)], to path: String) throws {
        try NPZArchive(entries: arrays.map { NPZArchive.Entry(name: $0.0, array: NPYArray(tensor: $0.1)) }).write(
            to: path)
    }

    static func layers() throws -> [(String, Tensor)] {
        [
            ("conv", try Tensor(shape: [2, 1, 2, 2], scalars: conv)),
            ("fc", try Tensor(shape: [3, 4], scalars: fc)),
        ]
    }

    /// The `layers` array of the JSON result as (name, numel, kept, sparsity).
    static func planLayers(_ object: [String: Any]) throws -> [(String, Int, Int, Double)] {
        let layers = try #require(object["layers"] as? [[String: Any]])
        return try layers.map { layer in
            #expect(Set(layer.keys) == ["name", "numel", "kept", "sparsity"])
            return (
                try #require(layer["name"] as? String), try #require(layer["numel"] as? Int),
                try #require(layer["kept"] as? Int), try #require(layer["sparsity"] as? Double)
            )
        }
    }

    @Test("global at 0.3 on a hand-sorted archive: the six smallest |w| go, two from conv and four from fc")
    func globalByHand() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("w.npz")
        try Self.writeNPZ(try Self.layers(), to: path)
        let result = try CLI.run([
            "prune-plan", "--weights", path, "--method", "global", "--sparsity", "0.3", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(Set(object.keys) == ["method", "layers", "totalSparsity"])
        #expect(object["method"] as? String == "global")
        // P = R(0.3 · 20) = 6. Ascending |w|: 0.01 fc, 0.04 fc, 0.05 conv, 0.1 conv, 0.12 fc, 0.15 fc | 0.2 …
        let layers = try Self.planLayers(object)
        #expect(layers.map(\.0) == ["conv", "fc"])
        #expect(layers.map(\.1) == [8, 12])
        #expect(layers.map(\.2) == [6, 8])
        #expect(abs(layers[0].3 - 0.25) < 1e-12)
        #expect(abs(layers[1].3 - 1.0 / 3.0) < 1e-12)
        #expect(abs((object["totalSparsity"] as? Double ?? -1) - 0.3) < 1e-12)
        // The plugin's own counts agree.
        let tensors = try Self.layers().map { try PrunableTensor(name: $0.0, weights: $0.1) }
        let counts = try GlobalMagnitudeCompressor(options: .init()).pruneCounts(for: tensors, amount: 0.3)
        #expect(counts == [2, 4])
        #expect(layers.map(\.2) == zip(tensors, counts).map { $0.count - $1 })
    }

    @Test(
        "every method's plan equals the plugin's counts, in archive order",
        arguments: ["lamp", "global", "uniform-plus", "erk", "uniform"])
    func methodsMatchPlugins(method: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("w.npz")
        var generator = SeededGenerator(seed: 11)
        // Archive order deliberately not alphabetical: z_stem (4-D first), m_mid, a_head (classifier last).
        let arrays: [(String, Tensor)] = try [("z_stem", [4, 2, 3, 3]), ("m_mid", [6, 4, 3, 3]), ("a_head", [3, 24])]
            .map { name, shape in
                let count = shape.reduce(1, *)
                return (name, try Tensor(shape: shape, scalars: (0..<count).map { _ in Float(generator.nextNormal()) }))
            }
        try Self.writeNPZ(arrays, to: path)
        let result = try CLI.run([
            "prune-plan", "--weights", path, "--method", method, "--sparsity", "0.6", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let layers = try Self.planLayers(try result.jsonObject())
        #expect(layers.map(\.0) == ["z_stem", "m_mid", "a_head"])
        let tensors = try arrays.map { try PrunableTensor(name: $0.0, weights: $0.1) }
        let compressor = try StrategyRegistry.builtIn.compressors.make(method)
        let counts = try compressor.pruneCounts(for: tensors, amount: 0.6)
        #expect(layers.map(\.2) == zip(tensors, counts).map { $0.count - $1 })
        let kept = layers.reduce(0) { $0 + $1.2 }
        let total = layers.reduce(0) { $0 + $1.1 }
        #expect(abs((try result.jsonObject()["totalSparsity"] as? Double ?? -1) - (1 - Double(kept) / Double(total))) < 1e-12)
    }

    @Test("help of prune-plan and compress names the contract's options and exits 0")
    func help() throws {
        let expected: [(String, [String])] = [
            ("prune-plan", ["--weights", "--method", "--sparsity", "--option", "--format"]),
            (
                "compress",
                [
                    "--model", "--dataset", "--method", "--option", "--amount-per-round", "--max-rounds",
                    "--max-accuracy-drop", "--epochs-per-round", "--deeparc", "--compare", "--out", "intra-module",
                ]
            ),
        ]
        for (command, options) in expected {
            let result = try CLI.run([command, "--help"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            for option in options { #expect(result.stdout.contains(option), "\(command) --help lacks \(option)") }
        }
    }

    @Test("--option reaches the compressor: an ignored layer keeps every weight")
    func optionsPassThrough() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("w.npz")
        try Self.writeNPZ(try Self.layers(), to: path)
        let result = try CLI.run([
            "prune-plan", "--weights", path, "--method", "global", "--sparsity", "0.5", "--option", #"ignore=["fc"]"#,
            "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // Only conv takes part: R(0.5 · 8) = 4 of its weights go.
        #expect(try Self.planLayers(try result.jsonObject()).map(\.2) == [4, 12])
        let text = try CLI.run(["prune-plan", "--weights", path, "--method", "global", "--sparsity", "0.3"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("global: total sparsity 0.3000"))
    }

    @Test("bad input: one-line errors naming the file, layer, option or value")
    func errors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let good = directory.path("w.npz")
        try Self.writeNPZ(try Self.layers(), to: good)
        let nan = directory.path("nan.npz")
        var poisoned = Self.conv
        poisoned[3] = .nan
        try Self.writeNPZ([("conv", try Tensor(shape: [2, 1, 2, 2], scalars: poisoned))], to: nan)
        let infinite = directory.path("inf.npz")
        try Self.writeNPZ([("fc", try Tensor(shape: [2, 2], scalars: [1, -.infinity, 2, 3]))], to: infinite)
        let empty = directory.path("empty.npz")
        try Self.writeNPZ([("conv", try Tensor(shape: [2, 1, 2, 2], scalars: Self.conv)), ("gone", Tensor(zeros: [0, 3]))], to: empty)
        let none = directory.path("none.npz")
        try Self.writeNPZ([], to: none)

        let cases: [([String], [String])] = [
            (["--weights", nan, "--method", "global", "--sparsity", "0.5"], ["nan.npz", "conv", "weight 3 is not finite"]),
            (["--weights", infinite, "--method", "lamp", "--sparsity", "0.5"], ["inf.npz", "fc", "not finite"]),
            (["--weights", empty, "--method", "global", "--sparsity", "0.5"], ["empty.npz", "'gone'", "no weights"]),
            (["--weights", none, "--method", "global", "--sparsity", "0.5"], ["none.npz", "no arrays"]),
            (["--weights", good, "--method", "global", "--sparsity", "1"], ["--sparsity", "1.0"]),
            (["--weights", good, "--method", "global", "--sparsity=-0.1"], ["--sparsity", "-0.1"]),
            (["--weights", good, "--method", "global", "--sparsity", "nan"], ["--sparsity", "nan"]),
            // 4-D first layer stays dense; R(0.9 · 20) = 18 > the 12 weights of fc.
            (["--weights", good, "--method", "uniform-plus", "--sparsity", "0.9"], ["uniform-plus", "unreachable"]),
            (["--weights", good, "--method", "nope", "--sparsity", "0.5"], ["unknown compressor 'nope'", "lamp"]),
            (["--weights", good, "--method", "lamp", "--sparsity", "0.5", "--option", "tie=exact"], ["lamp", "tie", "unknown option"]),
            (["--weights", good, "--method", "lamp", "--sparsity", "0.5", "--option", "ignore=[\"x\"]"], ["'x'", "conv, fc"]),
            (["--weights", directory.path("missing.npz"), "--method", "global", "--sparsity", "0.5"], ["missing.npz"]),
        ]
        for (arguments, fragments) in cases {
            let result = try CLI.run(["prune-plan"] + arguments)
            CLI.expectFailure(result, mentioning: fragments)
        }
    }
}

/// `deeparc compress` end to end: a few rounds on a tiny MLP.
@Suite("deeparc compress")
struct CompressCommandTests {
    static let blobs = "synthetic:blobs,classes=3,samples=300,test-samples=150,features=6,separation=6,seed=2"

    @Test("compress writes a pruned checkpoint that evaluates to the reported accuracy; bad input writes nothing")
    func compressEndToEnd() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = scratch.path("mlp.safetensors")
        let train = try CLI.run([
            "train", "--arch", "mlp-16", "--dataset", Self.blobs, "--epochs", "5", "--batch-size", "32", "--out",
            checkpoint,
        ])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let pruned = scratch.path("pruned.safetensors")
        let result = try CLI.run([
            "compress", "--model", checkpoint, "--dataset", Self.blobs, "--method", "global", "--max-rounds", "2",
            "--max-accuracy-drop", "1", "--out", pruned, "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try result.jsonObject()
        #expect(report["method"] as? String == "global")
        #expect(report["stopReason"] as? String == "max-rounds")
        #expect(report["completedRounds"] as? Int == 2)
        // mlp-16 on 6 features, 3 classes: 96 + 48 = 144 prunable weights → R(28.8) = 29 → 115 → R(23) = 23 → 92.
        let final = try #require(report["final"] as? [String: Any])
        #expect(final["keptWeights"] as? Int == 92)
        let accuracy = try #require(report["accuracy"] as? Double)
        let evaluate = try CLI.run(["evaluate", "--model", pruned, "--dataset", Self.blobs, "--format", "json"])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(try evaluate.jsonObject()["accuracy"] as? Double == accuracy)

        // --target-density 0.7: R(0.7 · 144) = 101 kept; 144 → 115, then only 1 − 101/115 of the rest goes.
        let targeted = try CLI.run([
            "compress", "--model", checkpoint, "--dataset", Self.blobs, "--method", "global", "--target-density",
            "0.7", "--max-accuracy-drop", "1", "--finetune-samples", "100", "--out", scratch.path("target.safetensors"),
            "--format", "json",
        ])
        #expect(targeted.status == 0, "stderr: \(targeted.stderr)")
        let targetedReport = try targeted.jsonObject()
        #expect(targetedReport["stopReason"] as? String == "target-density")
        #expect((targetedReport["rounds"] as? [[String: Any]])?.compactMap { $0["keptCount"] as? Int } == [115, 101])

        let failures: [([String], [String])] = [
            (["--method", "global", "--max-rounds", "0"], ["--max-rounds"]),
            (["--method", "global", "--amount-per-round", "1"], ["--amount-per-round"]),
            (["--method", "global", "--target-density", "0"], ["--target-density"]),
            (["--method", "global", "--finetune-samples", "0"], ["--finetune-samples"]),
            (["--method", "global", "--deeparc", "--threshold", "1.5"], ["--threshold"]),
            (["--method", "global", "--deeparc", "--config", "/nonexistent/pipeline.yaml"], ["/nonexistent/pipeline.yaml"]),
            (["--method", "nope"], ["unknown compressor 'nope'"]),
            (["--method", "global", "--method", "lamp"], ["--compare"]),
            // Tensor rules name units by index, which the removal renumbers.
            (["--method", "global", "--deeparc", "--option", #"ignore=["units.1.weight"]"#], ["--option ignore", "--deeparc"]),
            (["--method", "global", "--compare", "--option", #"maxSparsity={"units.0.weight": 0.5}"#], ["--option maxSparsity", "--compare"]),
        ]
        for (arguments, fragments) in failures {
            let out = scratch.path("bad.safetensors")
            let failed = try CLI.run(
                ["compress", "--model", checkpoint, "--dataset", Self.blobs, "--out", out] + arguments)
            CLI.expectFailure(failed, mentioning: fragments)
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
