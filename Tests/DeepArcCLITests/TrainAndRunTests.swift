import DeepArc
import DeepArcTestKit
import Foundation
import Testing

@Suite("train, evaluate, modularize and run end to end", .serialized)
struct TrainAndRunTests {
    static let blobs = "synthetic:blobs,classes=3,samples=300,test-samples=150,features=6,separation=6,seed=2"
    static let images = "synthetic:images,classes=4,samples=256,test-samples=128,channels=1,size=12,seed=3"

    @Test func trainWritesACheckpointThatEvaluatesToTheReportedAccuracy() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let checkpoint = scratch.path("mlp.safetensors")
        let train = try CLI.run([
            "train", "--arch", "mlp-16", "--dataset", Self.blobs, "--epochs", "5", "--batch-size", "32", "--out",
            checkpoint, "--format", "json",
        ])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let summary = try train.jsonObject()
        let accuracy = try #require(summary["accuracy"] as? Double)
        #expect(accuracy > 0.9, "well-separated blobs should be learnt")
        #expect((summary["samplesPerSecond"] as? Double ?? 0) > 0)
        #expect((summary["parameters"] as? Int) == (6 * 16 + 16) + (16 * 3 + 3))
        #expect(scratch.contents() == ["mlp.safetensors"])

        let evaluate = try CLI.run(["evaluate", "--model", checkpoint, "--dataset", Self.blobs, "--format", "json"])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let evaluation = try evaluate.jsonObject()
        #expect(evaluation["accuracy"] as? Double == accuracy)
        #expect(evaluation["samples"] as? Int == 150)
        #expect(evaluation["loss"] is Double)
    }

    @Test func gemmOptionChoosesTheMatrixProductKernelAndRejectsUnknownNames() throws {
        try #require(CLI.executable != nil, "the deeparc executable was not built")
        let base = ["benchmark", "train", "--arch", "mlp", "--batch-size", "16", "--steps", "2", "--warmup", "0"]
        func kernel(_ choice: String) throws -> String? {
            let result = try CLI.run(base + ["--gemm", choice, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try result.jsonObject()["gemmKernel"] as? String
        }
        #expect(try kernel("openblas")?.hasPrefix("OpenBLAS ") == true)
        let forced = try kernel("avx512")
        #expect(GEMMKernel.avx512Available ? forced == "DeepArc AVX-512" : forced?.hasPrefix("OpenBLAS ") == true)
        // A usage error, reported by the argument parser like --threads 0: exit 64 with the usage.
        let bad = try CLI.run(base + ["--gemm", "mkl"])
        #expect(bad.status == 64)
        #expect(bad.stdout.isEmpty)
        for fragment in ["--gemm must be one of automatic, avx512, openblas", "'mkl'"] {
            #expect(bad.stderr.contains(fragment), "\(bad.stderr)")
        }
    }

    @Test func trainRejectsBadInputWithoutWritingAFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let out = scratch.path("model.safetensors")
        let unknown = try CLI.run(["train", "--arch", "alexnet", "--dataset", Self.blobs, "--out", out])
        #expect(unknown.status != 0)
        #expect(unknown.errorLines.last?.hasPrefix("error: ") == true)
        #expect(unknown.stderr.contains("alexnet"))
        let badData = try CLI.run(["train", "--arch", "resnet20", "--dataset", Self.blobs, "--out", out])
        #expect(badData.status != 0)
        #expect(badData.stderr.contains("resnet20"))
        let epochs = try CLI.run(["train", "--arch", "mlp", "--dataset", Self.blobs, "--epochs", "0", "--out", out])
        #expect(epochs.status != 0)
        #expect(epochs.stderr.contains("--epochs"))
        let missing = try CLI.run(["evaluate", "--model", scratch.path("none.safetensors"), "--dataset", Self.blobs])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("none.safetensors"))
        #expect(scratch.contents().isEmpty)
    }

    @Test func runExecutesAConfigurationAndReusesTheCachedModel() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let config = scratch.path("pipeline.yaml")
        let output = scratch.path("out")
        try """
        model: {arch: resnet8}
        data: {dataset: "\(Self.images)", samples: 64, evaluationSamples: 128}
        training: {epochs: 1, batchSize: 32}
        partitioner: {name: greedy, options: {threshold: 0.5, criterion: link}}
        output: \(output)
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let first = try CLI.run(["run", config, "--format", "json"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let report = try first.jsonObject()
        let model = try #require(report["model"] as? [String: Any])
        #expect(model["source"] as? String == "trained")
        #expect(model["units"] as? Int == 5)
        let modularization = try #require(report["modularization"] as? [String: Any])
        #expect(modularization["unitIndices"] as? [Int] == [0, 1, 2, 3])
        let removal = try #require(report["layerRemoval"] as? [String: Any])
        #expect((removal["rows"] as? [Any])?.isEmpty == false)
        let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(files == ["architecture.json", "heatmap.svg", "layer-removal.json", "report.json", "resnet8.safetensors"])

        let second = try CLI.run(["run", config, "--format", "json"])
        #expect(second.status == 0, "stderr: \(second.stderr)")
        let reused = try #require(try second.jsonObject()["model"] as? [String: Any])
        #expect(reused["source"] as? String == "cache")
        #expect(reused["accuracy"] as? Double == model["accuracy"] as? Double)

        let checkpoint = output + "/resnet8.safetensors"
        let heatmap = scratch.path("modules.svg")
        let modularize = try CLI.run([
            "modularize", "--model", checkpoint, "--dataset", Self.images, "--samples", "64", "--threshold", "0.5",
            "--heatmap", heatmap, "--format", "json",
        ])
        #expect(modularize.status == 0, "stderr: \(modularize.stderr)")
        #expect(try modularize.jsonObject()["unitNames"] as? [String] == ["stem", "stage1.block1", "stage2.block1", "stage3.block1"])
        #expect(FileManager.default.fileExists(atPath: heatmap))
    }

    @Test func runRejectsABadConfigurationNamingTheKey() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let config = scratch.path("bad.yaml")
        try "similarty: {name: cka.linear}\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try CLI.run(["run", config])
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1)
        #expect(result.stderr.contains("similarty"))
        #expect(result.stderr.contains("bad.yaml"))
        let unknownMetric = scratch.path("metric.yaml")
        try "similarity: {name: cka.cubic}\noutput: \(scratch.path("out"))\ndata: {dataset: \"\(Self.images)\"}\nmodel: {arch: resnet8}\ntraining: {epochs: 1}\n"
            .write(toFile: unknownMetric, atomically: true, encoding: .utf8)
        let metric = try CLI.run(["run", unknownMetric])
        #expect(metric.status != 0)
        #expect(metric.stderr.contains("cka.cubic"))
        #expect(metric.stderr.contains("cka.linear"))
    }
}
