import DeepArcTestKit
import DeepArc
import Foundation
import Testing

/// `deeparc restructure` end to end on the built executable, on untrained checkpoints written here.
@Suite("deeparc restructure", .serialized)
struct RestructureCommandTests {
    static let images = "synthetic:images,classes=4,samples=64,test-samples=32,channels=1,size=8,seed=3"

    /// Saves a freshly initialised resnet14 for [1, 8, 8] inputs (units: stem, six blocks, head).
    static func resnetCheckpoint(in scratch: TemporaryDirectory) throws -> String {
        let path = scratch.path("resnet14.safetensors")
        let model = try Model(spec: Architectures.make("resnet14", inputShape: [1, 8, 8], classCount: 4), seed: 3)
        try Checkpoint.save(model, to: path)
        return path
    }

    func restructure(_ checkpoint: String, _ out: String, _ arguments: [String]) throws -> CommandResult {
        try CLI.run(
            ["restructure", "--model", checkpoint, "--dataset", Self.images, "--samples", "32", "--sew-samples", "64",
             "--out", out, "--format", "json"] + arguments)
    }

    @Test func removingADownsamplingBlockWritesASewnCheckpoint() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = try Self.resnetCheckpoint(in: scratch)
        let out = scratch.path("thin.safetensors")
        let result = try restructure(checkpoint, out, ["--remove-units", "3"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(object["checkpoint"] as? String == out)
        let report = try #require(object["report"] as? [String: Any])
        let adapters = try #require(report["adapters"] as? [[String: Any]])
        #expect(adapters.count == 1)
        #expect(adapters.first?["name"] as? String == "sew.3-3")
        #expect(adapters.first?["inputShape"] as? [Int] == [16, 8, 8])
        #expect(adapters.first?["outputShape"] as? [Int] == [32, 4, 4])
        let before = try #require(adapters.first?["lossBefore"] as? Double)
        let after = try #require(adapters.first?["lossAfter"] as? Double)
        #expect(after < before)

        let (model, metadata) = try Checkpoint.load(from: out)
        #expect(model.unitNames[3] == "sew.3-3")
        #expect(metadata["deeparc.restructuredFrom"] == checkpoint)
        let evaluation = try #require(report["evaluation"] as? [String: Any])
        let evaluate = try CLI.run(["evaluate", "--model", out, "--dataset", Self.images, "--format", "json"])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(try evaluate.jsonObject()["accuracy"] as? Double == evaluation["accuracyAfter"] as? Double)
        #expect(scratch.contents() == ["resnet14.safetensors", "thin.safetensors"])
    }

    @Test func removeIntraAllAndDuplicateFollowTheModules() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = try Self.resnetCheckpoint(in: scratch)
        // A tiny threshold joins every compared unit into one module [0…6]: units 1…6 are intra-module,
        // Algorithm 2's order is 6, 5, …, 1.
        let removed = try restructure(checkpoint, scratch.path("a.safetensors"), ["--threshold", "0.001", "--remove-intra", "all"])
        #expect(removed.status == 0, "stderr: \(removed.stderr)")
        let removal = try removed.jsonObject()
        #expect(removal["removalOrder"] as? [Int] == [6, 5, 4, 3, 2, 1])
        let report = try #require(removal["report"] as? [String: Any])
        let units = try #require(report["removedUnits"] as? [[String: Any]])
        #expect(units.compactMap { $0["index"] as? Int } == [1, 2, 3, 4, 5, 6])
        #expect((report["unitNames"] as? [String]) == ["stem", "sew.1-6", "head"])

        let duplicated = try restructure(checkpoint, scratch.path("d.safetensors"), ["--threshold", "0.001", "--duplicate", "2"])
        #expect(duplicated.status == 0, "stderr: \(duplicated.stderr)")
        let duplication = try #require(try duplicated.jsonObject()["report"] as? [String: Any])
        // 5 and 3 downsample, so the first two repeatable units are 6 and 4.
        #expect(duplication["duplicatedUnits"] as? [Int] == [6, 4])
        #expect(duplication["skippedUnits"] as? [Int] == [5, 3])
        let (model, _) = try Checkpoint.load(from: scratch.path("d.safetensors"))
        #expect(model.unitCount == 10)
    }

    @Test func aSavedArchitectureIsUsedAndCheckedAgainstTheModel() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = try Self.resnetCheckpoint(in: scratch)
        let modularized = try CLI.run([
            "modularize", "--model", checkpoint, "--dataset", Self.images, "--samples", "32", "--threshold", "0.001",
            "--format", "json",
        ])
        #expect(modularized.status == 0, "stderr: \(modularized.stderr)")
        let architecture = scratch.path("architecture.json")
        try Data(modularized.stdout.utf8).write(to: URL(fileURLWithPath: architecture))
        // The saved one-module architecture gives the removal of the threshold run above, without
        // --threshold here.
        let removed = try restructure(
            checkpoint, scratch.path("a.safetensors"), ["--architecture", architecture, "--remove-intra", "all"])
        #expect(removed.status == 0, "stderr: \(removed.stderr)")
        let report = try #require(try removed.jsonObject()["report"] as? [String: Any])
        let units = try #require(report["removedUnits"] as? [[String: Any]])
        #expect(units.compactMap { $0["index"] as? Int } == [1, 2, 3, 4, 5, 6])

        // An architecture of another model (a resnet8 has units stem, three blocks, head).
        let other = scratch.path("resnet8.safetensors")
        try Checkpoint.save(
            try Model(spec: Architectures.make("resnet8", inputShape: [1, 8, 8], classCount: 4), seed: 3), to: other)
        let otherModularized = try CLI.run([
            "modularize", "--model", other, "--dataset", Self.images, "--samples", "32", "--format", "json",
        ])
        #expect(otherModularized.status == 0, "stderr: \(otherModularized.stderr)")
        let wrong = scratch.path("resnet8-architecture.json")
        try Data(otherModularized.stdout.utf8).write(to: URL(fileURLWithPath: wrong))
        let garbage = scratch.path("garbage.json")
        try Data("{\"modules\": 3}".utf8).write(to: URL(fileURLWithPath: garbage))
        for (file, fragments) in [
            (wrong, [wrong, "another model"]), (garbage, [garbage, "not a modularization"]),
            (scratch.path("missing.json"), [scratch.path("missing.json")]),
        ] {
            let out = scratch.path("bad.safetensors")
            let failed = try restructure(checkpoint, out, ["--architecture", file, "--remove-intra", "all"])
            CLI.expectFailure(failed, mentioning: fragments)
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test(arguments: [
        (["--remove-intra", "all", "--remove-units", "3"], ["--remove-intra", "--remove-units", "together"]),
        (["--remove-units", "9"], ["unit 9", "out of range"]),
        (["--remove-units", "7"], ["unit 7", "head"]),
        (["--remove-units", "3,x"], ["--remove-units", "3,x"]),
        ([], ["nothing to do"]),
        (["--remove-intra", "0"], ["--remove-intra"]),
        (["--threshold", "0.001", "--duplicate", "9"], ["duplicate 9", "only 4"]),
    ])
    func badRequestsFailWithOneLineAndNoFile(arguments: [String], fragments: [String]) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = try Self.resnetCheckpoint(in: scratch)
        let result = try restructure(checkpoint, scratch.path("x.safetensors"), arguments)
        CLI.expectFailure(result, mentioning: fragments)
        #expect(scratch.contents() == ["resnet14.safetensors"])
    }

    @Test func aRemovalThatCannotBeSewnFails() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        // Unit 0 pads a 4×4 input to 6×6: no strided 1×1 convolution can stand in for it.
        let spec = ModelSpec(
            architecture: "padder", inputShape: [1, 4, 4], classCount: 2,
            units: [
                .init(name: "pad", layer: .conv2D(inChannels: 1, outChannels: 2, kernel: 1, stride: 1, padding: 1, bias: true)),
                .init(name: "body", layer: .sequential([.conv2D(inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, bias: true), .relu])),
                .init(name: "head", layer: .sequential([.globalAvgPool, .dense(inputs: 2, outputs: 2, bias: true)])),
            ])
        let checkpoint = scratch.path("padder.safetensors")
        try Checkpoint.save(try Model(spec: spec, seed: 1), to: checkpoint)
        let result = try CLI.run([
            "restructure", "--model", checkpoint, "--dataset", "synthetic:images,classes=2,samples=16,channels=1,size=4",
            "--samples", "16", "--remove-units", "0", "--out", scratch.path("x.safetensors"),
        ])
        CLI.expectFailure(result, mentioning: ["unit 0 (pad)", "cannot be sewn"])
        #expect(scratch.contents() == ["padder.safetensors"])
    }
}
