/// Builders for the architectures DeepArc studies, as ``ModelSpec``s.
///
/// Names:
/// - `mlp` or `mlp-W1-W2-…` — flatten, then dense + ReLU units of the given widths (default 256-128),
///   then a dense head.
/// - `vgg11`, `vgg16`, `vgg19` — VGG with batch normalisation (Simonyan & Zisserman, configurations
///   A, D, E); each conv + BN + ReLU (with the max-pool that follows it) is one unit; a max-pool is
///   skipped once the feature map is smaller than 2×2, so 28×28 inputs work; head: global average
///   pool + dense.
/// - `resnetN` with N = 6n + 2 (`resnet20`, `resnet56`, `resnet110`, …) — He et al.'s CIFAR ResNet:
///   a 3×3/16 stem, three stages of n basic blocks with 16, 32, 64 channels (stride 2 entering
///   stages 2 and 3, with a 1×1 conv + BN projection shortcut where the shape changes); each block
///   is one unit; head: global average pool + dense.
/// - `wrn-D-K` with D = 6n + 4 — Zagoruyko & Komodakis' wide ResNet (pre-activation blocks, widths
///   16, 16K, 32K, 64K); each block is one unit; head: BN + ReLU + global average pool + dense.
///
/// Every builder accepts any input channel count and size (`inputShape` is `[C, H, W]`, or
/// `[features]` / `[C, H, W]` for `mlp`).
public enum Architectures {
    /// The architecture name patterns the builders accept, for error messages and help.
    public static let known = ["mlp", "mlp-W1-W2-…", "vgg11", "vgg16", "vgg19", "resnetN (N = 6n+2)", "wrn-D-K (D = 6n+4)"]

    /// The description of architecture `name` for inputs of `inputShape` and `classCount` classes.
    /// - Throws: ``NNError/unknownArchitecture(_:available:)`` for a name no builder knows, and
    ///   ``NNError/invalidUnit(_:)`` when the input is too small for the architecture.
    public static func make(_ name: String, inputShape: [Int], classCount: Int) throws(NNError) -> ModelSpec {
        let lowered = name.lowercased()
        let spec: ModelSpec
        if lowered == "mlp" {
            spec = try mlp(widths: [256, 128], inputShape: inputShape, classCount: classCount, name: lowered)
        } else if lowered.hasPrefix("mlp-") {
            let widths = lowered.dropFirst(4).split(separator: "-").map { Int($0) }
            guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) > 0 }) else { throw unknown(name) }
            spec = try mlp(widths: widths.compactMap { $0 }, inputShape: inputShape, classCount: classCount, name: lowered)
        } else if let configuration = vggConfigurations[lowered] {
            spec = try vgg(configuration, inputShape: inputShape, classCount: classCount, name: lowered)
        } else if lowered.hasPrefix("resnet"), let depth = Int(lowered.dropFirst(6)) {
            guard depth >= 8, (depth - 2) % 6 == 0 else { throw unknown(name) }
            spec = try resnet(blocksPerStage: (depth - 2) / 6, inputShape: inputShape, classCount: classCount, name: lowered)
        } else if lowered.hasPrefix("wrn-") {
            let parts = lowered.dropFirst(4).split(separator: "-").map { Int($0) }
            guard parts.count == 2, let depth = parts[0], let widen = parts[1], depth >= 10, (depth - 4) % 6 == 0,
                widen >= 1
            else { throw unknown(name) }
            spec = try wideResNet(
                blocksPerStage: (depth - 4) / 6, widen: widen, inputShape: inputShape, classCount: classCount,
                name: lowered)
        } else {
            throw unknown(name)
        }
        try spec.validate()
        return spec
    }

    private static func unknown(_ name: String) -> NNError {
        .unknownArchitecture(name, available: known)
    }

    private static func imageShape(_ inputShape: [Int], for name: String) throws(NNError) -> (Int, Int, Int) {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidUnit("\(name) needs an image input [channels, height, width], got \(inputShape)")
        }
        return (inputShape[0], inputShape[1], inputShape[2])
    }

    private static func convBNReLU(_ input: Int, _ output: Int, stride: Int = 1) -> [LayerSpec] {
        [
            .conv2D(inChannels: input, outChannels: output, kernel: 3, stride: stride, padding: 1, bias: false),
            .batchNorm(channels: output, momentum: 0.1, epsilon: 1e-5),
            .relu,
        ]
    }

    // MARK: - MLP

    static func mlp(widths: [Int], inputShape: [Int], classCount: Int, name: String) throws(NNError) -> ModelSpec {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidUnit("mlp needs a non-empty input shape, got \(inputShape)")
        }
        var units: [ModelSpec.Unit] = []
        var features = inputShape.reduce(1, *)
        for (index, width) in widths.enumerated() {
            var layers: [LayerSpec] = index == 0 && inputShape.count > 1 ? [.flatten] : []
            layers += [.dense(inputs: features, outputs: width, bias: true), .relu]
            units.append(.init(name: "dense\(index + 1)", layer: .sequential(layers)))
            features = width
        }
        let headLayers: [LayerSpec] =
            (widths.isEmpty && inputShape.count > 1 ? [.flatten] : []) + [.dense(inputs: features, outputs: classCount, bias: true)]
        units.append(.init(name: "head", layer: .sequential(headLayers)))
        return ModelSpec(architecture: name, inputShape: inputShape, classCount: classCount, units: units)
    }

    // MARK: - VGG

    /// Channel counts, with 0 marking a max-pool.
    static let vggConfigurations: [String: [Int]] = [
        "vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        "vgg19": [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    ]

    static func vgg(_ configuration: [Int], inputShape: [Int], classCount: Int, name: String) throws(NNError)
        -> ModelSpec
    {
        var (channels, height, width) = try imageShape(inputShape, for: name)
        var units: [ModelSpec.Unit] = []
        var convIndex = 0
        for entry in configuration {
            if entry == 0 {
                // Attach the pool to the preceding conv unit, if the map is still large enough.
                guard height >= 2, width >= 2, let last = units.popLast(), case .sequential(let layers) = last.layer
                else { continue }
                units.append(.init(name: last.name, layer: .sequential(layers + [.maxPool(size: 2, stride: 2)])))
                height /= 2
                width /= 2
            } else {
                convIndex += 1
                units.append(.init(name: "conv\(convIndex)", layer: .sequential(convBNReLU(channels, entry))))
                channels = entry
            }
        }
        units.append(
            .init(
                name: "head",
                layer: .sequential([.globalAvgPool, .dense(inputs: channels, outputs: classCount, bias: true)])))
        return ModelSpec(architecture: name, inputShape: inputShape, classCount: classCount, units: units)
    }

    // MARK: - ResNet (CIFAR style)

    static func resnet(blocksPerStage: Int, inputShape: [Int], classCount: Int, name: String) throws(NNError)
        -> ModelSpec
    {
        let (inputChannels, _, _) = try imageShape(inputShape, for: name)
        var units: [ModelSpec.Unit] = [.init(name: "stem", layer: .sequential(convBNReLU(inputChannels, 16)))]
        var channels = 16
        for (stage, width) in [16, 32, 64].enumerated() {
            for block in 0..<blocksPerStage {
                let stride = stage > 0 && block == 0 ? 2 : 1
                let body: [LayerSpec] = [
                    .conv2D(inChannels: channels, outChannels: width, kernel: 3, stride: stride, padding: 1, bias: false),
                    .batchNorm(channels: width, momentum: 0.1, epsilon: 1e-5),
                    .relu,
                    .conv2D(inChannels: width, outChannels: width, kernel: 3, stride: 1, padding: 1, bias: false),
                    .batchNorm(channels: width, momentum: 0.1, epsilon: 1e-5),
                ]
                let shortcut: [LayerSpec] =
                    stride != 1 || channels != width
                    ? [
                        .conv2D(inChannels: channels, outChannels: width, kernel: 1, stride: stride, padding: 0, bias: false),
                        .batchNorm(channels: width, momentum: 0.1, epsilon: 1e-5),
                    ] : []
                units.append(
                    .init(
                        name: "stage\(stage + 1).block\(block + 1)",
                        layer: .residual(body: body, shortcut: shortcut, postActivation: true)))
                channels = width
            }
        }
        units.append(
            .init(name: "head", layer: .sequential([.globalAvgPool, .dense(inputs: 64, outputs: classCount, bias: true)])))
        return ModelSpec(architecture: name, inputShape: inputShape, classCount: classCount, units: units)
    }

    // MARK: - Wide ResNet

    static func wideResNet(blocksPerStage: Int, widen: Int, inputShape: [Int], classCount: Int, name: String)
        throws(NNError) -> ModelSpec
    {
        let (inputChannels, _, _) = try imageShape(inputShape, for: name)
        var units: [ModelSpec.Unit] = [
            .init(
                name: "stem",
                layer: .sequential([
                    .conv2D(inChannels: inputChannels, outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false)
                ]))
        ]
        var channels = 16
        for (stage, base) in [16, 32, 64].enumerated() {
            let width = base * widen
            for block in 0..<blocksPerStage {
                let stride = stage > 0 && block == 0 ? 2 : 1
                let body: [LayerSpec] = [
                    .batchNorm(channels: channels, momentum: 0.1, epsilon: 1e-5),
                    .relu,
                    .conv2D(inChannels: channels, outChannels: width, kernel: 3, stride: stride, padding: 1, bias: false),
                    .batchNorm(channels: width, momentum: 0.1, epsilon: 1e-5),
                    .relu,
                    .conv2D(inChannels: width, outChannels: width, kernel: 3, stride: 1, padding: 1, bias: false),
                ]
                let shortcut: [LayerSpec] =
                    stride != 1 || channels != width
                    ? [.conv2D(inChannels: channels, outChannels: width, kernel: 1, stride: stride, padding: 0, bias: false)]
                    : []
                units.append(
                    .init(
                        name: "stage\(stage + 1).block\(block + 1)",
                        layer: .residual(body: body, shortcut: shortcut, postActivation: false)))
                channels = width
            }
        }
        units.append(
            .init(
                name: "head",
                layer: .sequential([
                    .batchNorm(channels: channels, momentum: 0.1, epsilon: 1e-5), .relu, .globalAvgPool,
                    .dense(inputs: channels, outputs: classCount, bias: true),
                ])))
        return ModelSpec(architecture: name, inputShape: inputShape, classCount: classCount, units: units)
    }
}
