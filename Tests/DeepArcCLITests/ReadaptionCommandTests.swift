import DeepArcTestKit
import DeepArc
import Foundation
import Testing

/// `deeparc enhance` and `deeparc repair` end to end on the built executable, on a tiny resnet8
/// trained once by `deeparc train`.
@Suite("deeparc enhance and repair", .serialized)
struct ReadaptionCommandTests {
    static let images = "synthetic:images,classes=4,samples=256,test-samples=128,channels=1,size=12,seed=3"

    /// A trained checkpoint in a scratch folder kept for the whole run (the process's temporary files).
    static let trained: Result<String, any Error> = Result {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("resnet8.safetensors")
        let result = try CLI.run(
            ["train", "--arch", "resnet8", "--dataset", images, "--epochs", "2", "--batch-size", "32", "--out", path])
        guard result.status == 0 else { throw TrainingFailed(stderr: result.stderr) }
        return path
    }

    static func checkpoint() throws -> String { try trained.get() }

    struct TrainingFailed: Error { var stderr: String }

    /// The number of trainable scalars in `units` of the checkpoint, counted from its parameters.
    static func trainableCount(of path: String, units: Set<Int>? = nil) throws -> Int {
        let (model, _) = try Checkpoint.load(from: path)
        return model.namedParameters.filter { entry in
            guard entry.parameter.receivesUpdates else { return false }
            guard let units else { return true }
            let index = entry.name.split(separator: ".").dropFirst().first.flatMap { Int($0) }
            return index.map(units.contains) ?? false
        }
        .reduce(0) { $0 + $1.parameter.value.count }
    }

    static func accuracy(_ object: [String: Any]?, _ key: String) -> Double? { object?[key] as? Double }

    static func expectAccuracies(_ object: Any?, sourceLocation: SourceLocation = #_sourceLocation) {
        let accuracies = object as? [String: Any]
        for key in ["new", "original", "test"] {
            let value = accuracy(accuracies, key)
            #expect(value.map { (0...1).contains($0) } == true, "\(key): \(String(describing: value))",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: - enhance

    @Test func enhanceReportsModularAndFullSideBySide() throws {
        let model = try Self.checkpoint()
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let modularPath = scratch.path("modular.safetensors")
        let fullPath = scratch.path("full.safetensors")
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "64", "--epochs", "1",
            "--batch-size", "32", "--out-modular", modularPath, "--out-full", fullPath, "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try result.jsonObject()
        #expect(report["task"] as? String == "enhancement")
        #expect(report["measure"] as? String == "explicit")
        #expect(report["sampleCounts"] as? [String: Int] == ["original": 64, "new": 64, "test": 128])
        let modular = try #require(report["modular"] as? [String: Any])
        let full = try #require(report["full"] as? [String: Any])
        let modularCount = try #require(modular["trainedParameterCount"] as? Int)
        let fullCount = try #require(full["trainedParameterCount"] as? Int)
        #expect(fullCount == (try Self.trainableCount(of: model)))
        let trainedUnits = try #require(modular["trainedUnits"] as? [Int])
        #expect(modularCount == (try Self.trainableCount(of: model, units: Set(trainedUnits))))
        #expect(modularCount > 0 && modularCount < fullCount)
        Self.expectAccuracies(report["accuracyBefore"])
        Self.expectAccuracies(modular["accuracyAfter"])
        Self.expectAccuracies(full["accuracyAfter"])
        #expect((modular["seconds"] as? Double).map { $0 > 0 } == true)
        #expect((full["seconds"] as? Double).map { $0 > 0 } == true)
        // The located module is the top of the ranking.
        let ranking = try #require(report["ranking"] as? [String: Any])
        #expect((ranking["critical"] as? [Int])?.count == 1)

        // The written checkpoints are the retrained models: evaluating them reproduces the report.
        for (path, side) in [(modularPath, modular), (fullPath, full)] {
            let evaluated = try CLI.run(["evaluate", "--model", path, "--dataset", Self.images, "--format", "json"])
            #expect(evaluated.status == 0, "stderr: \(evaluated.stderr)")
            let after = side["accuracyAfter"] as? [String: Any]
            #expect(try evaluated.jsonObject()["accuracy"] as? Double == Self.accuracy(after, "test"))
        }
        let before = try CLI.run(["evaluate", "--model", model, "--dataset", Self.images, "--format", "json"])
        #expect(try before.jsonObject()["accuracy"] as? Double == Self.accuracy(report["accuracyBefore"] as? [String: Any], "test"))
    }

    @Test func theOptimizerAndLearningRateReachBothRuns() throws {
        let model = try Self.checkpoint()
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "32", "--epochs", "1",
            "--optimizer", "adamw", "--lr", "0.002", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let options = try #require(try result.jsonObject()["options"] as? [String: Any])
        #expect(options["optimizer"] as? String == "adamw")
        #expect((options["learningRate"] as? Double).map { abs($0 - 0.002) < 1e-9 } == true)
    }

    /// --threshold reaches the modularization: th = 1 keeps every compared unit (all but the
    /// classifier) a module of its own, a threshold below every CKA value merges them into one.
    @Test(arguments: [("1", false), ("0.0001", true)])
    func theThresholdShapesTheModules(threshold: String, merged: Bool) throws {
        let model = try Self.checkpoint()
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "32", "--epochs", "1",
            "--threshold", threshold, "--no-baseline", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try result.jsonObject()
        #expect((report["modularizationSeconds"] as? Double).map { $0 > 0 } == true)
        let ranking = try #require(report["ranking"] as? [String: Any])
        let modules = try #require(ranking["modules"] as? [[String: Any]]).compactMap { $0["units"] as? [Int] }
        let compared = Array(0..<(try Checkpoint.load(from: model).0.unitCount - 1))
        #expect(modules == (merged ? [compared] : compared.map { [$0] }))
    }

    /// The shipped configuration of Table III's VGG rows (greedy, `link` criterion, th = 0.95)
    /// reaches enhance's modularization: its modules are those of `deeparc modularize` on the same
    /// samples, and they follow the link rule on that command's similarity matrix (a module continues
    /// exactly while the next adjacent similarity is at least 0.95).
    @Test func theShippedModulesConfigurationShapesTheModules() throws {
        let model = try Self.checkpoint()
        let config = CLI.packageRoot.appendingPathComponent("Examples/configs/modules-link-0.95.yaml").path
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "32", "--epochs", "1",
            "--config", config, "--target-accuracy", "0.99", "--target-checks", "2", "--no-baseline",
            "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try result.jsonObject()
        let ranking = try #require(report["ranking"] as? [String: Any])
        let modules = try #require(ranking["modules"] as? [[String: Any]]).compactMap { $0["units"] as? [Int] }

        let modularized = try CLI.run([
            "modularize", "--model", model, "--dataset", Self.images, "--split", "train", "--samples", "32",
            "--config", config, "--format", "json",
        ])
        let architecture = try #require(try modularized.jsonObject()["architecture"] as? [String: Any])
        let similarity = try #require(architecture["similarity"] as? [[Double]])
        let expected = try #require(architecture["modules"] as? [[String: Any]]).compactMap { $0["layers"] as? [Int] }
        #expect(modules == expected)
        for (index, module) in modules.enumerated() {
            for unit in module.dropLast() { #expect(similarity[unit][unit + 1] >= 0.95, "link \(unit)") }
            if index + 1 < modules.count, let last = module.last {
                #expect(similarity[last][last + 1] < 0.95, "boundary after \(last)")
            }
        }

        let run = try #require((report["modular"] as? [String: Any])?["run"] as? [String: Any])
        let evaluations = try #require((run["epochs"] as? [[String: Any]])?.first?["evaluations"] as? [Double])
        #expect((1...2).contains(evaluations.count), "two checks in the epoch, fewer if the first reached 0.99")
    }

    @Test func enhanceReadsTheFileOfDeeparcAttack() throws {
        let model = try Self.checkpoint()
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let adversarial = scratch.path("adv.npz")
        let attack = try CLI.run([
            "attack", "--model", model, "--dataset", Self.images, "--method", "fgsm", "--split", "train",
            "--samples", "48", "--out", adversarial,
        ])
        #expect(attack.status == 0, "stderr: \(attack.stderr)")
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "48", "--adversarial", adversarial,
            "--units", "3-4", "--epochs", "1", "--batch-size", "32", "--no-baseline", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try result.jsonObject()
        #expect(report["sampleCounts"] as? [String: Int] == ["original": 48, "new": 48, "test": 128])
        #expect(report["ranking"] == nil)
        #expect(report["full"] == nil)
        let modular = try #require(report["modular"] as? [String: Any])
        #expect(modular["trainedUnits"] as? [Int] == [3, 4])
        #expect(modular["trainedParameterCount"] as? Int == (try Self.trainableCount(of: model, units: [3, 4])))

        // The file holds the adversarial samples the text form reads too.
        let text = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "48", "--adversarial", adversarial,
            "--units", "4", "--epochs", "1", "--no-baseline",
        ])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.contains("modular") && text.stdout.contains("skipped"))
    }

    /// Adversarial files that do not fit D (64 samples of shape [1, 12, 12]).
    @Test(arguments: [
        ([4, 1, 10, 10], [0, 1, 2, 3], 4, ["x has shape [4, 1, 10, 10]", "[1, 12, 12]"]),
        ([4, 1, 12, 12], [0, 1, 2, 99], 4, ["source index 99", "64 samples"]),
        ([4, 1, 12, 12], [0, 1, 2], 4, ["source has shape [3]", "[4]"]),
        ([4, 1, 12, 12], [0, 1, 2, 3], 3, ["y has shape [3]", "[4]"]),
    ])
    func mismatchedAdversarialFilesFail(shape: [Int], sources: [Int], labelCount: Int, fragments: [String]) throws {
        let model = try Self.checkpoint()
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let path = scratch.path("bad.npz")
        let x = Tensor(zeros: shape)
        try NPZArchive(entries: [
            .init(name: "x", array: NPYArray(tensor: x)),
            .init(name: "y", array: try NPYArray(integers: Array(repeating: 0, count: labelCount))),
            .init(name: "source", array: try NPYArray(integers: sources)),
        ]).write(to: path)
        let out = scratch.path("modular.safetensors")
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "64", "--adversarial", path,
            "--out-modular", out, "--epochs", "1",
        ])
        CLI.expectFailure(result, mentioning: ["bad.npz"] + fragments)
        #expect(scratch.contents() == ["bad.npz"])
    }

    @Test func aFileOfTheTestSplitIsRejectedByItsLabels() throws {
        let model = try Self.checkpoint()
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        // Labels of the test split's first samples, against which the training split's differ somewhere.
        let (train, test) = try {
            let source = try DatasetSource(parsing: Self.images, dataDirectory: nil)
            return (try source.load(split: .train, limit: 32), try source.load(split: .test, limit: 32))
        }()
        let mismatch = try #require(train.labels.indices.first { train.labels[$0] != test.labels[$0] })
        let path = scratch.path("adv-test.npz")
        let attack = try CLI.run([
            "attack", "--model", model, "--dataset", Self.images, "--method", "fgsm", "--split", "test",
            "--samples", "32", "--out", path,
        ])
        #expect(attack.status == 0, "stderr: \(attack.stderr)")
        let result = try CLI.run([
            "enhance", "--model", model, "--dataset", Self.images, "--samples", "32", "--adversarial", path,
        ])
        CLI.expectFailure(result, mentioning: ["adv-test.npz", "sample \(mismatch) has label \(test.labels[mismatch])"])
    }

    // MARK: - repair

    @Test func repairProducesOneReportPerMutant() throws {
        let model = try Self.checkpoint()
        let result = try CLI.run([
            "repair", "--model", model, "--dataset", Self.images, "--samples", "128", "--drop", "0.3", "--mutants", "1",
            "--epochs", "1", "--batch-size", "32", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(object["targetDrop"] as? Double == 0.3)
        let mutants = try #require(object["mutants"] as? [[String: Any]])
        #expect(mutants.count == 1)
        let entry = try #require(mutants.first)
        #expect(entry["seed"] as? Int == 1)
        let mutant = try #require(entry["mutant"] as? [String: Any])
        let original = try #require(mutant["originalAccuracy"] as? Double)
        let accuracy = try #require(mutant["accuracy"] as? Double)
        // Within ± 2 points of 70 % of the original accuracy, and the drop is relative to it.
        #expect(abs(accuracy - 0.7 * original) <= 0.02 + 1e-9)
        let drop = try #require(entry["accuracyDrop"] as? Double)
        #expect(abs(drop - (1 - accuracy / original)) < 1e-9)
        #expect((mutant["fraction"] as? Double).map { $0 > 0 && $0 < 1 } == true)

        let report = try #require(entry["report"] as? [String: Any])
        #expect(report["task"] as? String == "repair")
        #expect(report["measure"] as? String == "gaussian")
        // D′ is exactly the samples of D the mutant gets wrong.
        let wrong = Int(((1 - accuracy) * 128).rounded())
        #expect(report["sampleCounts"] as? [String: Int] == ["original": 128, "new": wrong, "test": 128])
        let before = report["accuracyBefore"] as? [String: Any]
        #expect(Self.accuracy(before, "new") == 0)
        #expect(Self.accuracy(before, "original") == accuracy)
        #expect(report["accuracyBeforeTable"] as? Double == accuracy)
        let modular = try #require(report["modular"] as? [String: Any])
        let full = try #require(report["full"] as? [String: Any])
        let modularCount = try #require(modular["trainedParameterCount"] as? Int)
        let fullCount = try #require(full["trainedParameterCount"] as? Int)
        #expect(modularCount > 0 && modularCount < fullCount)
        Self.expectAccuracies(modular["accuracyAfter"])
        Self.expectAccuracies(full["accuracyAfter"])
    }

    // MARK: - Errors

    @Test(arguments: [
        (["enhance", "--measure", "nope"], ["nope", "explicit", "gaussian"]),
        (["enhance", "--attack", "nope"], ["nope", "fgsm", "pgd"]),
        (["enhance", "--alpha", "0", "--beta", "0"], ["--alpha", "--beta", "α = β = 0"]),
        (["enhance", "--adversarial", "a.npz", "--attack", "pgd"], ["--adversarial", "--attack"]),
        (["enhance", "--units", "2-x"], ["--units", "2-x"]),
        (["enhance", "--units", "3-9"], ["--units", "unit 9", "0..<5"]),
        (["repair", "--drop", "1.5"], ["--drop", "(0, 1)", "1.5"]),
        (["repair", "--drop", "0"], ["--drop", "(0, 1)"]),
        (["repair", "--measure", "nope"], ["nope", "gaussian"]),
        (["repair", "--target-accuracy", "0.9", "--target-measure", "best"], ["--target-measure", "evaluated", "best"]),
        (["enhance", "--target-accuracy", "1.5"], ["--target-accuracy", "(0, 1]", "1.5"]),
        (["enhance", "--optimizer", "rmsprop"], ["--optimizer", "rmsprop", "sgd", "adamw"]),
        (["enhance", "--threshold", "1.5"], ["--threshold", "(0, 1]", "1.5"]),
        (["enhance", "--target-accuracy", "0.9", "--target-checks", "0"], ["--target-checks", "at least 1"]),
        (
            ["repair", "--target-accuracy", "0.9", "--target-measure", "training", "--target-checks", "2"],
            ["--target-checks", "evaluated"]
        ),
        (["repair", "--units", "1-2", "--threshold", "0.9"], ["--units", "--threshold"]),
    ])
    func badSettingsFailWithOneLine(arguments: [String], fragments: [String]) throws {
        let model = try Self.checkpoint()
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let out = arguments[0] == "enhance" ? ["--out-modular", scratch.path("m.safetensors")] : []
        let result = try CLI.run(
            arguments + ["--model", model, "--dataset", Self.images, "--samples", "16", "--epochs", "1"] + out)
        CLI.expectFailure(result, mentioning: fragments)
        #expect(scratch.contents().isEmpty)
    }
}
