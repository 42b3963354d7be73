import Foundation
import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Restructuring errors and the adapter's stride")
struct ErrorTests {
    @Test(arguments: [
        ([8, 8], [4, 4], 2), ([7, 7], [4, 4], 2), ([8, 8], [8, 8], 1), ([8, 8], [1, 1], 8), ([8, 8], [3, 3], 3),
        ([32, 16], [16, 8], 2),
    ])
    func strideMapsTheFeatureMap(input: [Int], output: [Int], stride: Int) throws {
        #expect(SewingAdapter.stride(from: input, to: output) == stride)
        // The definition: ⌊(n − 1)/s⌋ + 1 = k on each axis.
        for (n, k) in zip(input, output) { #expect((n - 1) / stride + 1 == k) }
    }

    @Test func strideIsNilWhenNoneFits() {
        #expect(SewingAdapter.stride(from: [4, 4], to: [8, 8]) == nil)
        #expect(SewingAdapter.stride(from: [8, 8], to: [4, 8]) == nil)
        #expect(SewingAdapter.stride(from: [8], to: [4, 4]) == nil)
    }

    @Test func nonNegativeEndingsAreRecognised() {
        #expect(SewingAdapter.endsNonNegative(.relu))
        #expect(SewingAdapter.endsNonNegative(.sequential([.dense(inputs: 2, outputs: 2, bias: true), .relu])))
        #expect(SewingAdapter.endsNonNegative(.sequential([.relu, .maxPool(size: 2, stride: 2)])))
        #expect(SewingAdapter.endsNonNegative(.residual(body: [], shortcut: [], postActivation: true)))
        #expect(!SewingAdapter.endsNonNegative(.residual(body: [.relu], shortcut: [], postActivation: false)))
        #expect(!SewingAdapter.endsNonNegative(.sequential([.relu, .dense(inputs: 2, outputs: 2, bias: true)])))
        #expect(!SewingAdapter.endsNonNegative(.sequential([.flatten])))
    }

    @Test func badRequestsThrowNamedErrors() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let restructurer = Restructurer()
        func plan(_ operation: RestructuringOperation) throws -> RestructuringPlan {
            try restructurer.plan(model, modularization: modularization, operation: operation)
        }
        #expect(throws: RestructuringError.unitOutOfRange(unit: 8, unitCount: 8)) { try plan(.removeUnits([1, 8])) }
        #expect(throws: RestructuringError.unitOutOfRange(unit: -1, unitCount: 8)) { try plan(.removeUnits([-1])) }
        #expect(throws: RestructuringError.removesHead(unit: 7, name: "head")) { try plan(.removeUnits([7])) }
        #expect(throws: RestructuringError.removesHead(unit: 7, name: "head")) {
            try plan(.removeUnits(Array(0...7)))
        }
        #expect(throws: RestructuringError.nothingToDo(reason: "no units given to remove")) { try plan(.removeUnits([])) }
        #expect(throws: RestructuringError.invalidOption(option: "units", reason: "unit 2 is listed twice")) {
            try plan(.removeUnits([2, 2]))
        }
        #expect(throws: RestructuringError.tooFewUnits(operation: "remove", requested: 5, available: 4)) {
            try plan(.removeIntraModule(count: 5))
        }
        #expect(throws: RestructuringError.self) { try plan(.removeIntraModule(count: 0)) }
        #expect(throws: RestructuringError.self) { try plan(.duplicateIntraModule(count: 0)) }

        let flat = try Fixture.modularization(
            of: model, modules: [[0], [1], [2], [3], [4], [5], [6]], adjacent: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        let error = #expect(throws: RestructuringError.self) {
            try restructurer.plan(model, modularization: flat, operation: .removeIntraModule(count: nil))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("no multi-layer module"))

        let other = try Model(spec: Architectures.make("resnet8", inputShape: [1, 8, 8], classCount: 4), seed: 1)
        let foreign = try Fixture.modularization(of: other, modules: [[0], [1, 2], [3]], adjacent: [0.5, 0.9, 0.5])
        #expect(throws: RestructuringError.self) {
            try restructurer.plan(model, modularization: foreign, operation: .removeUnits([2]))
        }
    }

    @Test func aSpanThatEnlargesTheFeatureMapCannotBeSewn() throws {
        // Unit 0 pads a 4×4 input to a 6×6 map; no strided 1×1 convolution can replace it.
        let spec = ModelSpec(
            architecture: "padder", inputShape: [1, 4, 4], classCount: 2,
            units: [
                .init(name: "pad", layer: .conv2D(inChannels: 1, outChannels: 2, kernel: 1, stride: 1, padding: 1, bias: true)),
                .init(name: "body", layer: .sequential([.conv2D(inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, bias: true), .relu])),
                .init(name: "head", layer: .sequential([.globalAvgPool, .dense(inputs: 2, outputs: 2, bias: true)])),
            ])
        let model = try Model(spec: spec, seed: 1)
        let modularization = try Fixture.modularization(of: model, modules: [[0], [1]], adjacent: [0.5])
        let error = #expect(throws: RestructuringError.self) {
            try Restructurer().plan(model, modularization: modularization, operation: .removeUnits([0]))
        }
        guard case .cannotSew(let units, _) = error else {
            Issue.record("expected cannotSew, got \(String(describing: error))")
            return
        }
        #expect(units == "unit 0 (pad)")
    }

    @Test func sewingWithoutSamplesOrFineTuningWithoutDataFails() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        #expect(throws: RestructuringError.self) {
            try Restructurer().restructure(model, modularization: modularization, operation: .removeUnits([3]))
        }
        let wrongShape = Tensor(zeros: [4, 1, 6, 6])
        #expect(throws: RestructuringError.self) {
            try Restructurer().restructure(
                model, modularization: modularization, operation: .removeUnits([3]), sewingSamples: wrongShape)
        }
        var options = RestructuringOptions()
        options.fineTuneEpochs = 1
        #expect(throws: RestructuringError.self) {
            try Restructurer(options: options).restructure(
                model, modularization: modularization, operation: .removeUnits([2]))
        }
        options = RestructuringOptions()
        options.sewBatchSize = 1
        #expect(throws: RestructuringError.invalidOption(option: "sewBatchSize", reason: "must be ≥ 2, got 1")) {
            try Restructurer(options: options).restructure(
                model, modularization: modularization, operation: .removeUnits([2]))
        }
    }

    @Test func optionsDecodePartiallyAndRejectUnknownKeys() throws {
        let options = try JSONDecoder().decode(RestructuringOptions.self, from: Data(#"{"sewEpochs": 3}"#.utf8))
        #expect(options.sewEpochs == 3)
        #expect(options.sewBatchSize == RestructuringOptions().sewBatchSize)
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(RestructuringOptions.self, from: Data(#"{"sewEpoch": 3}"#.utf8))
        }
    }
}
