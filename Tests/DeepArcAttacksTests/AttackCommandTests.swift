import DeepArcAttacks
import DeepArcNN
import DeepArcTensor
import Foundation
import DeepArcTestKit
import Testing

/// `deeparc attack`, end to end on the built executable.
@Suite("deeparc attack")
struct AttackCommandTests {
    /// A trained checkpoint and a 12-sample `.npz` data set in `scratch`.
    static func prepare(_ scratch: TemporaryDirectory) throws -> (model: String, data: String, images: Tensor, labels: [Int]) {
        let model = try Fixtures.trainedCNN()
        let modelPath = scratch.path("model.safetensors")
        try Checkpoint.save(model, to: modelPath)
        let (images, labels) = Fixtures.quadrantImages(count: 12, seed: 61)
        let dataPath = scratch.path("data.npz")
        try ArrayFiles.write(
            [("x", .float32(images.scalars, shape: images.shape)), ("y", .int64(labels))], to: dataPath)
        return (modelPath, dataPath, images, labels)
    }

    @Test("writes x, y and source for the first N samples and reports the attack as JSON")
    func endToEnd() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let (modelPath, dataPath, images, labels) = try Self.prepare(scratch)
        let out = scratch.path("adv.npz")
        let result = try Deeparc.runner.run([
            "attack", "--model", modelPath, "--dataset", "npz:\(dataPath)", "--method", "fgsm", "--option",
            "epsilon=0.05", "--samples", "10", "--out", out, "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try result.jsonObject()
        #expect(json["method"] as? String == "fgsm")
        #expect(json["samples"] as? Int == 10)
        #expect(json["out"] as? String == out)
        for key in ["initiallyCorrect", "successRate", "meanLinf", "meanL2", "seconds"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let initiallyCorrect = try #require(json["initiallyCorrect"] as? Int)
        let successes = try #require(json["successes"] as? Int)
        let rate = try #require(json["successRate"] as? Double)
        #expect(abs(rate - Double(successes) / Double(initiallyCorrect)) < 1e-12)
        #expect(try #require(json["meanLinf"] as? Double) <= 0.05)

        let arrays = try ArrayFiles.read(out)
        #expect(arrays.map(\.name) == ["x", "y", "source"])
        let x = arrays[0].array
        let y = arrays[1].array
        let source = arrays[2].array
        #expect(x.descr == "<f4" && x.shape == [10, 1, 8, 8])
        #expect(y.descr == "<i8" && y.integers == Array(labels.prefix(10)))
        #expect(source.descr == "<i8" && source.integers == Array(0..<10))

        // The same attack in process, on the checkpoint the command read.
        let (loaded, _) = try Checkpoint.load(from: modelPath)
        var generator = SeededGenerator(seed: 1)
        let expected = try FGSM(options: .init(epsilon: 0.05)).perturb(
            try images.slice(batch: 0..<10), labels: Array(labels.prefix(10)), model: loaded, generator: &generator)
        let written = x.floats
        let differing = zip(written, expected.scalars).filter { abs($0 - $1) > 1e-6 }.count
        #expect(differing == 0)
        for (index, value) in written.enumerated() {
            #expect(value >= 0 && value <= 1)
            #expect(abs(Double(value) - Double(images.scalars[index])) <= 0.05)
        }
        #expect(scratch.contents() == ["adv.npz", "data.npz", "model.safetensors"])
    }

    @Test("text output, and more samples than the split holds")
    func textOutput() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let (modelPath, dataPath, _, _) = try Self.prepare(scratch)
        let out = scratch.path("adv.npz")
        let result = try Deeparc.runner.run([
            "attack", "--model", modelPath, "--dataset", "npz:\(dataPath)", "--method", "deepfool", "--samples", "50",
            "--out", out,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("deepfool: 12 samples"))
        #expect(try ArrayFiles.read(out).first?.array.shape == [12, 1, 8, 8])
    }

    static let failures: [(arguments: [String], fragments: [String])] = [
        (["--method", "nope"], ["unknown adversarial attack 'nope'", "cw, deepfool, fgsm, pgd"]),
        (["--method", "pgd", "--samples", "0"], ["--samples", "at least 1"]),
        (["--method", "pgd", "--option", "steps=0"], ["pgd", "steps"]),
        (["--method", "fgsm", "--out-dir-missing"], ["does not exist"]),
        (["--method", "fgsm", "--bad-data"], ["sample 0 holds 2", "[0, 1]"]),
    ]

    @Test("bad input fails with one error line and writes nothing", arguments: failures)
    func failure(arguments: [String], fragments: [String]) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let (modelPath, dataPath, images, labels) = try Self.prepare(scratch)
        var data = dataPath
        var out = scratch.path("adv.npz")
        var extra = arguments
        if let index = extra.firstIndex(of: "--out-dir-missing") {
            extra.remove(at: index)
            out = scratch.path("missing/adv.npz")
        }
        if let index = extra.firstIndex(of: "--bad-data") {
            extra.remove(at: index)
            data = scratch.path("bright.npz")
            let scaled = images.scalars.map { $0 * 2 + 1 }  // values in [1, 3]
            try ArrayFiles.write([("x", .float32(scaled, shape: images.shape)), ("y", .int64(labels))], to: data)
        }
        let before = scratch.contents()
        let result = try Deeparc.runner.run(
            ["attack", "--model", modelPath, "--dataset", "npz:\(data)", "--out", out] + extra)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.lowercased().hasPrefix("error: ") }
        #expect(errors.count == 1, "stderr: \(result.stderr)")
        for fragment in fragments {
            #expect(result.stderr.contains(fragment), "'\(fragment)' missing from: \(result.stderr)")
        }
        #expect(scratch.contents() == before)
    }
}
