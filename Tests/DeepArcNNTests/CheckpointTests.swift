import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

@Suite("Checkpoints")
struct CheckpointTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "deeparc-checkpoint-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func model() throws -> Model {
        try Model(spec: Architectures.make("resnet8", inputShape: [1, 8, 8], classCount: 3), seed: 11)
    }

    func input() -> Tensor {
        var generator = SeededGenerator(seed: 5)
        return Tensor.randomUniform(shape: [2, 1, 8, 8], in: 0...1, using: &generator)
    }

    @Test func roundTripRebuildsTheSameModel() throws {
        let original = try model()
        try original.setNormalization(.init(mean: [0.3], standardDeviation: [0.5]))
        // Train one step so running statistics differ from their initial values.
        let trainer = ModelTrainer(model: original, optimizer: try SGD(learningRate: 0.1))
        try trainer.step(images: input(), labels: [0, 2])
        let weight = original.prunableParameters[1].parameter
        var mask = Tensor(repeating: 1, shape: weight.value.shape)
        mask.withUnsafeMutableBufferPointer { $0[0] = 0; $0[5] = 0 }
        try weight.setMask(mask)

        let path = directory + "/model.safetensors"
        try Checkpoint.save(original, to: path, metadata: ["dataset": "synthetic"])
        let (loaded, metadata) = try Checkpoint.load(from: path)
        #expect(metadata["dataset"] == "synthetic")
        #expect(loaded.spec == original.spec)
        #expect(try loaded(input()) == original(input()))
        for (a, b) in zip(loaded.namedParameters, original.namedParameters) {
            #expect(a.name == b.name)
            #expect(a.parameter.value == b.parameter.value)
            #expect(a.parameter.mask == b.parameter.mask)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files == ["model.safetensors"])
    }

    /// Writes an archive built from a valid checkpoint after `edit`, and expects load to fail
    /// with a message containing `expected`.
    func expectLoadFailure(_ expected: String, edit: (inout SafeTensorsArchive) throws -> Void) throws {
        let path = directory + "/bad.safetensors"
        try Checkpoint.save(try model(), to: path)
        var archive = try SafeTensorsArchive(contentsOf: path)
        try edit(&archive)
        try archive.write(to: path)
        do {
            _ = try Checkpoint.load(from: path)
            Issue.record("expected the load to fail with '\(expected)'")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.contains("bad.safetensors"))
        }
    }

    @Test func missingTensorIsNamed() throws {
        try expectLoadFailure("'units.4.1.bias' is missing") { _ = $0.removeTensor(named: "units.4.1.bias") }
    }

    @Test func wrongShapeIsNamed() throws {
        try expectLoadFailure("'units.4.1.weight' has shape [3, 2]") {
            try $0.setTensor(Tensor(zeros: [3, 2]), named: "units.4.1.weight")
        }
    }

    @Test func extraTensorIsNamed() throws {
        try expectLoadFailure("'units.9.weight' does not belong") { try $0.append(Tensor(zeros: [1]), named: "units.9.weight") }
    }

    @Test func nonFiniteValuesAreRejected() throws {
        try expectLoadFailure("NaN") {
            var value = try #require($0["units.0.0.weight"])
            value.withUnsafeMutableBufferPointer { $0[3] = .nan }
            try $0.setTensor(value, named: "units.0.0.weight")
        }
    }

    @Test func missingDescriptionIsNotACheckpoint() throws {
        try expectLoadFailure("not a DeepArc checkpoint") { $0.metadata[Checkpoint.modelKey] = nil }
    }

    @Test func undecodableDescriptionIsReported() throws {
        try expectLoadFailure("cannot be decoded") { $0.metadata[Checkpoint.modelKey] = "{\"architecture\": 3}" }
    }

    /// A description claiming a 100 000 × 100 000 dense layer must fail before allocating 40 GB.
    @Test func lyingDescriptionDoesNotAllocate() throws {
        let huge = ModelSpec(
            architecture: "huge", inputShape: [100_000], classCount: 100_000,
            units: [.init(name: "head", layer: .dense(inputs: 100_000, outputs: 100_000, bias: true))])
        let json = String(decoding: try JSONEncoder().encode(huge), as: UTF8.self)
        try expectLoadFailure("needs 10000100000 parameters") { $0.metadata[Checkpoint.modelKey] = json }
    }

    @Test func truncatedFileIsReported() throws {
        let path = directory + "/truncated.safetensors"
        try Checkpoint.save(try model(), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: NNError.self) { try Checkpoint.load(from: path) }
    }

    @Test func saveIntoMissingDirectoryLeavesNothing() throws {
        let path = directory + "/missing/model.safetensors"
        #expect(throws: NNError.self) { try Checkpoint.save(try model(), to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func parametersLoadIntoAMatchingModelOnly() throws {
        let path = directory + "/model.safetensors"
        let source = try model()
        try Checkpoint.save(source, to: path)
        let target = try Model(spec: source.spec, seed: 99)
        try Checkpoint.loadParameters(from: path, into: target)
        #expect(try target(input()) == source(input()))
        let other = try Model(spec: Architectures.make("resnet14", inputShape: [1, 8, 8], classCount: 3), seed: 1)
        #expect(throws: NNError.self) { try Checkpoint.loadParameters(from: path, into: other) }
    }
}
