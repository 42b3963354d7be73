// MARK: - Shape, size and cost arithmetic

extension LayerSpec {
    /// The per-sample output shape (no batch dimension) of this layer for a per-sample input shape.
    ///
    /// Dense layers take `[inputs]`; convolutions and pools take `[channels, height, width]` with
    /// Ho = (H + 2·padding − kernel) / stride + 1 (pools have no padding); batch normalisation takes
    /// `[channels]` or `[channels, height, width]`; `globalAvgPool` maps `[C, H, W]` to `[C]`.
    ///
    /// ```swift
    /// let spec = LayerSpec.conv2D(inChannels: 3, outChannels: 16, kernel: 3, stride: 2, padding: 1, bias: false)
    /// try spec.outputShape(forInput: [3, 32, 32])   // [16, 16, 16]
    /// ```
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit,
    ///   ``NNError/invalidConfiguration(layer:reason:)`` for impossible hyperparameters (a zero
    ///   stride, a window larger than the padded input, …). Layers inside containers are named by
    ///   their path, e.g. `body.1: conv2D(16→16, kernel 3, stride 1, padding 1)`.
    public func outputShape(forInput shape: [Int]) throws(NNError) -> [Int] {
        try analyse(input: shape, path: "").shape
    }

    /// The number of scalar parameters this layer owns (running statistics excluded, matching
    /// ``Layer/parameterCount``) when applied to a per-sample input of `shape`.
    /// - Throws: the errors of ``outputShape(forInput:)``.
    public func parameterCount(forInput shape: [Int]) throws(NNError) -> Int {
        try analyse(input: shape, path: "").parameters
    }

    /// The multiply–accumulate operations of one sample's forward pass in inference mode.
    ///
    /// Dense: inputs·outputs. Convolution: outChannels·Ho·Wo·inChannels·kernel². Batch
    /// normalisation: one per element (its folded form y = a·x + b). Bias additions, activations,
    /// pooling, flattening and dropout count 0. Containers sum their children.
    /// - Throws: the errors of ``outputShape(forInput:)``.
    public func multiplyAccumulates(forInput shape: [Int]) throws(NNError) -> Int {
        try analyse(input: shape, path: "").multiplyAccumulates
    }

    /// A short human-readable name for error messages, e.g. `dense(784→10)`.
    var diagnosticName: String {
        switch self {
        case .dense(let inputs, let outputs, _):
            return "dense(\(inputs)→\(outputs))"
        case .conv2D(let inChannels, let outChannels, let kernel, let stride, let padding, _):
            return "conv2D(\(inChannels)→\(outChannels), kernel \(kernel), stride \(stride), padding \(padding))"
        case .batchNorm(let channels, _, _):
            return "batchNorm(\(channels))"
        case .relu:
            return "relu"
        case .maxPool(let size, let stride):
            return "maxPool(size \(size), stride \(stride))"
        case .avgPool(let size, let stride):
            return "avgPool(size \(size), stride \(stride))"
        case .globalAvgPool:
            return "globalAvgPool"
        case .flatten:
            return "flatten"
        case .dropout(let rate):
            return "dropout(\(rate))"
        case .sequential(let layers):
            return "sequential(\(layers.count) layers)"
        case .residual(let body, let shortcut, _):
            let side = shortcut.isEmpty ? "identity" : "\(shortcut.count) layers"
            return "residual(body \(body.count) layers, shortcut \(side))"
        }
    }

    // MARK: - Implementation

    private struct Analysis {
        var shape: [Int]
        var parameters: Int
        var multiplyAccumulates: Int
    }

    private func analyse(input: [Int], path: String) throws(NNError) -> Analysis {
        let name = path.isEmpty ? diagnosticName : "\(path): \(diagnosticName)"
        func invalid(_ reason: String) -> NNError { .invalidConfiguration(layer: name, reason: reason) }
        func mismatch(_ expected: String) -> NNError { .shapeMismatch(layer: name, expected: expected, actual: input) }
        func product(_ factors: Int...) throws(NNError) -> Int { try productOf(factors) }
        func productOf(_ factors: [Int]) throws(NNError) -> Int {
            var result = 1
            for factor in factors {
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw invalid("size arithmetic overflows Int") }
                result = next
            }
            return result
        }
        func sum(_ a: Int, _ b: Int) throws(NNError) -> Int {
            let (total, overflow) = a.addingReportingOverflow(b)
            guard !overflow else { throw invalid("size arithmetic overflows Int") }
            return total
        }
        guard input.allSatisfy({ $0 > 0 }) else { throw mismatch("positive dimensions") }
        let elements = try productOf(input)

        switch self {
        case .dense(let inputs, let outputs, let bias):
            guard inputs > 0, outputs > 0 else { throw invalid("inputs and outputs must be positive") }
            guard input == [inputs] else { throw mismatch("[\(inputs)]") }
            let weights = try product(inputs, outputs)
            return Analysis(
                shape: [outputs], parameters: try sum(weights, bias ? outputs : 0), multiplyAccumulates: weights)

        case .conv2D(let inChannels, let outChannels, let kernel, let stride, let padding, let bias):
            guard inChannels > 0, outChannels > 0 else { throw invalid("channel counts must be positive") }
            guard kernel > 0 else { throw invalid("kernel must be positive, got \(kernel)") }
            guard stride > 0 else { throw invalid("stride must be positive, got \(stride)") }
            guard padding >= 0 else { throw invalid("padding must not be negative, got \(padding)") }
            guard input.count == 3, input[0] == inChannels else { throw mismatch("[\(inChannels), H, W]") }
            let height = try windowCount(extent: input[1], window: kernel, stride: stride, padding: padding, name: name)
            let width = try windowCount(extent: input[2], window: kernel, stride: stride, padding: padding, name: name)
            let weights = try product(outChannels, inChannels, kernel, kernel)
            return Analysis(
                shape: [outChannels, height, width],
                parameters: try sum(weights, bias ? outChannels : 0),
                multiplyAccumulates: try product(weights, height, width))

        case .batchNorm(let channels, let momentum, let epsilon):
            guard channels > 0 else { throw invalid("channels must be positive, got \(channels)") }
            guard momentum >= 0, momentum <= 1 else { throw invalid("momentum must be in [0, 1], got \(momentum)") }
            guard epsilon > 0, epsilon.isFinite else { throw invalid("epsilon must be positive, got \(epsilon)") }
            guard input.count == 1 || input.count == 3, input[0] == channels else {
                throw mismatch("[\(channels)] or [\(channels), H, W]")
            }
            return Analysis(shape: input, parameters: try product(2, channels), multiplyAccumulates: elements)

        case .relu:
            return Analysis(shape: input, parameters: 0, multiplyAccumulates: 0)

        case .flatten:
            return Analysis(shape: [elements], parameters: 0, multiplyAccumulates: 0)

        case .dropout(let rate):
            guard rate >= 0, rate < 1 else { throw invalid("rate must be in [0, 1), got \(rate)") }
            return Analysis(shape: input, parameters: 0, multiplyAccumulates: 0)

        case .maxPool(let size, let stride), .avgPool(let size, let stride):
            guard size > 0 else { throw invalid("size must be positive, got \(size)") }
            guard stride > 0 else { throw invalid("stride must be positive, got \(stride)") }
            guard input.count == 3 else { throw mismatch("[C, H, W]") }
            let height = try windowCount(extent: input[1], window: size, stride: stride, padding: 0, name: name)
            let width = try windowCount(extent: input[2], window: size, stride: stride, padding: 0, name: name)
            return Analysis(shape: [input[0], height, width], parameters: 0, multiplyAccumulates: 0)

        case .globalAvgPool:
            guard input.count == 3 else { throw mismatch("[C, H, W]") }
            return Analysis(shape: [input[0]], parameters: 0, multiplyAccumulates: 0)

        case .sequential(let layers):
            return try Self.chain(layers, input: input, path: path, prefix: "")

        case .residual(let body, let shortcut, _):
            let main = try Self.chain(body, input: input, path: path, prefix: "body.")
            let side = try Self.chain(shortcut, input: input, path: path, prefix: "shortcut.")
            guard main.shape == side.shape else {
                throw invalid("body output shape \(main.shape) differs from shortcut output shape \(side.shape)")
            }
            return Analysis(
                shape: main.shape, parameters: try sum(main.parameters, side.parameters),
                multiplyAccumulates: try sum(main.multiplyAccumulates, side.multiplyAccumulates))
        }
    }

    /// Runs `layers` one after another; child `i` is named `path.prefix i`.
    private static func chain(_ layers: [LayerSpec], input: [Int], path: String, prefix: String) throws(NNError)
        -> Analysis
    {
        var result = Analysis(shape: input, parameters: 0, multiplyAccumulates: 0)
        for (index, layer) in layers.enumerated() {
            let childPath = (path.isEmpty ? "" : path + ".") + prefix + "\(index)"
            let child = try layer.analyse(input: result.shape, path: childPath)
            let (parameters, overflowP) = result.parameters.addingReportingOverflow(child.parameters)
            let (macs, overflowM) = result.multiplyAccumulates.addingReportingOverflow(child.multiplyAccumulates)
            guard !overflowP, !overflowM else {
                throw .invalidConfiguration(layer: childPath, reason: "size arithmetic overflows Int")
            }
            result = Analysis(shape: child.shape, parameters: parameters, multiplyAccumulates: macs)
        }
        return result
    }

    /// The number of window positions along one axis: (extent + 2·padding − window) / stride + 1.
    private func windowCount(extent: Int, window: Int, stride: Int, padding: Int, name: String) throws(NNError) -> Int {
        let (doubled, overflowD) = padding.multipliedReportingOverflow(by: 2)
        let (padded, overflowP) = extent.addingReportingOverflow(doubled)
        guard !overflowD, !overflowP else {
            throw .invalidConfiguration(layer: name, reason: "padding \(padding) is too large")
        }
        guard padded >= window else {
            throw .invalidConfiguration(
                layer: name,
                reason: "window \(window) is larger than the \(padding > 0 ? "padded " : "")input extent \(padded)")
        }
        return (padded - window) / stride + 1
    }
}
