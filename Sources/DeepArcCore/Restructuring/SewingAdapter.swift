public import DeepArcNN

/// The layer that replaces a removed span whose input and output shapes differ: the paper's
/// "sewing" layer, one linear map trained to imitate the span.
///
/// - Images `[Cin, Hin, Win] → [Cout, Hout, Wout]`: a 1×1 convolution of stride s without bias,
///   then batch normalisation over Cout (or, without batch normalisation, a 1×1 convolution with a
///   bias). s is the smallest stride for which a 1×1 window gives exactly Hout × Wout, i.e.
///   ⌊(Hin − 1)/s⌋ + 1 = Hout and likewise for the width — the ratio for even sizes (32 → 16:
///   s = 2), and what a 3×3 stride-2 padding-1 convolution does for odd ones (7 → 4: s = 2).
/// - Flat `[Fin] → [Fout]`: a dense layer with a bias.
/// - Image → flat: flatten, then a dense layer with a bias.
///
/// With `relu`, the adapter ends in a ReLU. ``Restructurer`` asks for one when the removed span's
/// output is never negative (its last unit ends in a ReLU, see ``endsNonNegative(_:)``): the
/// target then is ≥ 0, and clipping the prediction at 0 can only bring it closer.
///
/// A span that enlarges the feature map, turns flat features into an image, or needs strides that
/// differ between height and width cannot be sewn.
public enum SewingAdapter {
    /// The stride of a 1×1, padding-0 convolution that maps `input` spatial sizes to `output` ones,
    /// or `nil` when none does.
    /// - Parameters:
    ///   - input: `[height, width]` in.
    ///   - output: `[height, width]` out.
    public static func stride(from input: [Int], to output: [Int]) -> Int? {
        guard input.count == output.count, !input.isEmpty,
            input.allSatisfy({ $0 > 0 }), output.allSatisfy({ $0 > 0 })
        else { return nil }
        // ⌊(n − 1)/s⌋ + 1 = k  ⇔  s·(k − 1) ≤ n − 1 < s·k  ⇔  ⌊(n − 1)/k⌋ + 1 ≤ s ≤ ⌊(n − 1)/(k − 1)⌋.
        var lowest = 1
        var highest = Int.max
        for (n, k) in zip(input, output) {
            guard k <= n else { return nil }
            lowest = max(lowest, (n - 1) / k + 1)
            if k > 1 { highest = min(highest, (n - 1) / (k - 1)) }
        }
        return lowest <= highest ? lowest : nil
    }

    /// The adapter's layer description for a span taking `input` to `output` (per-sample shapes).
    /// - Parameters:
    ///   - relu: end the adapter with a ReLU.
    ///   - batchNorm: for image adapters, a bias-free convolution followed by batch normalisation
    ///     (`true`) or a convolution with a bias (`false`).
    ///   - units: the removed units, for the error message (e.g. `units 7...9 (stage2.block1 … stage2.block3)`).
    /// - Throws: ``RestructuringError/cannotSew(units:reason:)`` when no adapter of this family fits.
    public static func layer(
        from input: [Int], to output: [Int], batchNorm: Bool = true, relu: Bool = false, units: String = "the span"
    ) throws(RestructuringError) -> LayerSpec {
        let base = try linearLayers(from: input, to: output, batchNorm: batchNorm, units: units)
        return .sequential(relu ? base + [.relu] : base)
    }

    /// Whether every output of a layer described by `spec` is ≥ 0 whatever its input: it ends in a
    /// ReLU (possibly followed by pooling, flattening or dropout), or is a residual block with a
    /// ReLU after the addition.
    public static func endsNonNegative(_ spec: LayerSpec) -> Bool {
        switch spec {
        case .relu:
            return true
        case .residual(_, _, let postActivation):
            return postActivation
        case .sequential(let layers):
            for layer in layers.reversed() {
                switch layer {
                case .maxPool, .avgPool, .globalAvgPool, .flatten, .dropout: continue
                default: return endsNonNegative(layer)
                }
            }
            return false
        default:
            return false
        }
    }

    private static func linearLayers(from input: [Int], to output: [Int], batchNorm: Bool, units: String)
        throws(RestructuringError) -> [LayerSpec]
    {
        guard input.allSatisfy({ $0 > 0 }), output.allSatisfy({ $0 > 0 }), !input.isEmpty, !output.isEmpty else {
            throw .cannotSew(units: units, reason: "shapes \(input) → \(output) must have positive dimensions")
        }
        switch (input.count, output.count) {
        case (3, 3):
            guard let stride = stride(from: Array(input.dropFirst()), to: Array(output.dropFirst())) else {
                throw .cannotSew(
                    units: units,
                    reason: "no 1×1 convolution stride maps the \(input[1])×\(input[2]) feature map of \(input) "
                        + "to the \(output[1])×\(output[2]) of \(output)")
            }
            let convolution = LayerSpec.conv2D(
                inChannels: input[0], outChannels: output[0], kernel: 1, stride: stride, padding: 0, bias: !batchNorm)
            return batchNorm
                ? [convolution, .batchNorm(channels: output[0], momentum: 0.1, epsilon: 1e-5)] : [convolution]
        case (1, 1):
            return [.dense(inputs: input[0], outputs: output[0], bias: true)]
        case (_, 1):
            let (features, overflow) = input.reduce((1, false)) { partial, dimension in
                let (product, overflowed) = partial.0.multipliedReportingOverflow(by: dimension)
                return (product, partial.1 || overflowed)
            }
            guard !overflow else { throw .cannotSew(units: units, reason: "input shape \(input) is too large") }
            return [.flatten, .dense(inputs: features, outputs: output[0], bias: true)]
        default:
            throw .cannotSew(units: units, reason: "no adapter maps shape \(input) to shape \(output)")
        }
    }
}
