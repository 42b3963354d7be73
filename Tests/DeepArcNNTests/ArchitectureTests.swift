import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Architectures")
struct ArchitectureTests {
    /// resnet20 on 1-channel input, counted by hand from the layer shapes:
    /// stem 3·3·1·16 + BN 2·16 = 176; stage 1: 3 × (2 · 3·3·16·16 + 2 · 2·16) = 14 016;
    /// stage 2: (3·3·16·32 + 3·3·32·32 + 4·32 + 1·1·16·32 + 2·32) + 2 × (2 · 3·3·32·32 + 4·32) = 51 648;
    /// stage 3: (3·3·32·64 + 3·3·64·64 + 4·64 + 32·64 + 2·64) + 2 × (2 · 3·3·64·64 + 4·64) = 205 696;
    /// head 64·10 + 10 = 650.
    @Test func resnet20UnitsAndParameters() throws {
        let spec = try Architectures.make("resnet20", inputShape: [1, 28, 28], classCount: 10)
        #expect(spec.units.count == 11)  // stem + 9 blocks + head
        #expect(spec.units.first?.name == "stem")
        #expect(spec.units.last?.name == "head")
        let model = try Model(spec: spec, seed: 1)
        #expect(model.parameterCount == 176 + 14_016 + 51_648 + 205_696 + 650)
        #expect(try spec.unitOutputShapes()[1] == [16, 28, 28])
        #expect(try spec.unitOutputShapes()[4] == [32, 14, 14])
        #expect(try spec.unitOutputShapes()[7] == [64, 7, 7])
    }

    @Test(arguments: [(20, 9), (56, 27), (110, 54)])
    func resnetBlockCounts(depth: Int, blocks: Int) throws {
        let spec = try Architectures.make("resnet\(depth)", inputShape: [3, 32, 32], classCount: 10)
        #expect(spec.units.count == blocks + 2)
    }

    @Test func mlpWidthsAndParameters() throws {
        let spec = try Architectures.make("mlp-32-16", inputShape: [1, 28, 28], classCount: 10)
        #expect(spec.units.count == 3)
        let model = try Model(spec: spec, seed: 1)
        #expect(model.parameterCount == (784 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10))
    }

    /// VGG-11 with BN: 8 convs (64, 128, 256, 256, 512, 512, 512, 512) + head.
    @Test func vgg11Parameters() throws {
        let spec = try Architectures.make("vgg11", inputShape: [3, 32, 32], classCount: 10)
        #expect(spec.units.count == 9)
        let channels = [3, 64, 128, 256, 256, 512, 512, 512, 512]
        var expected = 0
        for index in 1..<channels.count {
            expected += 9 * channels[index - 1] * channels[index] + 2 * channels[index]
        }
        expected += 512 * 10 + 10
        #expect(try Model(spec: spec, seed: 0).parameterCount == expected)
        // 28×28 inputs: pools stop once the map is below 2×2, and the model still builds.
        let small = try Architectures.make("vgg16", inputShape: [1, 28, 28], classCount: 10)
        #expect(try small.unitOutputShapes().last == [10])
    }

    /// WRN-16-2: n = 2 blocks per stage, widths 32, 64, 128.
    @Test func wideResNetShapes() throws {
        let spec = try Architectures.make("wrn-16-2", inputShape: [3, 32, 32], classCount: 10)
        #expect(spec.units.count == 1 + 6 + 1)
        #expect(try spec.unitOutputShapes()[6] == [128, 8, 8])
    }

    @Test(arguments: ["resnet21", "vgg13", "wrn-15-2", "mlp-0", "alexnet", "mlp-a"])
    func unknownNamesThrow(name: String) {
        #expect(throws: NNError.self) {
            try Architectures.make(name, inputShape: [3, 32, 32], classCount: 10)
        }
    }

    @Test func unknownNameListsAvailable() {
        do {
            _ = try Architectures.make("alexnet", inputShape: [3, 32, 32], classCount: 10)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("alexnet"))
            #expect(error.description.contains("resnetN"))
        }
    }
}
