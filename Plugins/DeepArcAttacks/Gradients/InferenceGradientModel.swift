public import DeepArcNN
public import DeepArcTensor

/// Gradients of a model's *inference-mode* function with respect to its input, computed without
/// touching the model.
///
/// `Model.backward` needs a training-mode forward pass, and a training-mode pass is not the
/// function under attack: batch normalisation would normalise with the batch's statistics (and
/// update its running statistics), dropout would drop, and every sample's gradient would depend on
/// the rest of its batch. Saving and restoring the running statistics would repair the model
/// afterwards but still differentiate the wrong function.
///
/// So this type builds a **twin** of the model once: the same units, names, normalisation and
/// parameter values, except that
/// - each batch normalisation becomes the per-channel affine map it computes in inference mode,
///   y = a·x + b with a = γ / √(running variance + ε) and b = β − a · running mean, written as a
///   1×1 convolution (images) or a dense layer (features) whose weight is diag(a) and whose bias is b;
/// - each dropout becomes a dropout of rate 0 (the identity in both modes).
///
/// The twin's training-mode function is therefore the model's inference function, so a
/// training-mode forward and backward through the twin give exact inference-mode input gradients
/// (the model's input normalisation included), sample by sample. Every twin parameter is frozen,
/// so backward computes no weight gradients. The original model is only read while the twin is
/// built: its parameters, gradients, running statistics, trainability and cached training pass are
/// never written. Batch normalisation and dropout are the only layers whose behaviour depends on
/// the forward mode; every other layer is copied as it is.
///
/// The twin is a snapshot: build a new one after the model's parameters change.
///
/// ```swift
/// let gradients = try InferenceGradientModel(model)
/// let (logits, inputGradient) = try gradients.lossGradient(images, labels: labels)
/// ```
public final class InferenceGradientModel {
    private let twin: Model
    private var forwardBatch: Int?

    /// The per-sample input shape of the model.
    public var inputShape: [Int] { twin.inputShape }
    /// The number of classes the model predicts.
    public var classCount: Int { twin.classCount }

    /// Builds the twin of `model` (see the type's documentation).
    /// - Throws: ``AttackError/unsupportedModel(reason:)`` when the model's layers do not match its
    ///   description (a unit replaced by a layer of another structure).
    public init(_ model: Model) throws(AttackError) {
        let spec = model.spec
        var twinSpec = spec
        var shape = spec.inputShape
        do {
            for (index, unit) in spec.units.enumerated() {
                twinSpec.units[index].layer = try Self.twinSpec(of: unit.layer, input: shape)
                shape = try unit.layer.outputShape(forInput: shape)
            }
            twin = try Model(spec: twinSpec, seed: 0)
        } catch {
            throw .unsupportedModel(reason: "\(error)")
        }
        guard model.units.count == twin.units.count else {
            throw .unsupportedModel(reason: "the model has \(model.units.count) units but describes \(spec.units.count)")
        }
        for (index, (original, copy)) in zip(model.units, twin.units).enumerated() {
            try Self.copyParameters(from: original, to: copy, path: "unit \(index) (\(spec.units[index].name))")
        }
        for (_, parameter) in twin.namedParameters { parameter.isTrainable = false }
    }

    // MARK: - Gradients

    /// Runs the model (its inference function) on `images` and keeps what ``inputGradient(logitGradient:)``
    /// needs.
    /// - Parameter images: `[N] + inputShape`.
    /// - Returns: the logits `[N, classCount]`, equal to the model's inference-mode logits up to
    ///   floating-point rounding.
    /// - Throws: the model's `NNError` for images of the wrong shape.
    public func logits(_ images: Tensor) throws -> Tensor {
        forwardBatch = nil
        let logits = try twin.forward(images, mode: .training).output
        forwardBatch = images.batchCount
        return logits
    }

    /// Back-propagates a gradient at the logits of the last ``logits(_:)`` call to the input:
    /// ∂⟨g, logits(x)⟩/∂x, row by row. Can be called several times after one forward pass (one
    /// call per class direction, as DeepFool does).
    /// - Parameter logitGradient: g, shape `[N, classCount]` for the last forward's N.
    /// - Returns: the input gradient, shape `[N] + inputShape`.
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` without a forward pass or for a
    ///   gradient of the wrong shape; the model's errors.
    public func inputGradient(logitGradient: Tensor) throws -> Tensor {
        guard let batch = forwardBatch else {
            throw AttackError.invalidInput(attack: "gradients", reason: "inputGradient called before logits(_:)")
        }
        guard logitGradient.shape == [batch, classCount] else {
            throw AttackError.invalidInput(
                attack: "gradients",
                reason: "logit gradient of shape \(logitGradient.shape), expected [\(batch), \(classCount)]")
        }
        guard let gradient = try twin.backward(logitGradient, stopUnit: 0, needsInputGradient: true) else {
            throw AttackError.unsupportedModel(reason: "the model returned no input gradient")
        }
        return gradient
    }

    /// The logits and the gradient of each sample's own cross-entropy loss with respect to its input:
    /// row i of the gradient is ∂ CE(model(xᵢ), yᵢ) / ∂xᵢ (the loss is summed, not averaged, over
    /// the batch, so a row does not depend on the batch size).
    /// - Throws: the errors of ``logits(_:)`` and ``inputGradient(logitGradient:)``; an `NNError`
    ///   for labels that do not fit.
    public func lossGradient(_ images: Tensor, labels: [Int]) throws -> (logits: Tensor, gradient: Tensor) {
        let logits = try logits(images)
        var loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels).gradient
        loss.scale(by: Float(labels.count))
        return (logits, try inputGradient(logitGradient: loss))
    }

    // MARK: - Building the twin

    /// The twin's description of one layer whose per-sample input has shape `input`.
    private static func twinSpec(of spec: LayerSpec, input: [Int]) throws -> LayerSpec {
        switch spec {
        case .batchNorm(let channels, _, _):
            if input.count == 1 { return .dense(inputs: channels, outputs: channels, bias: true) }
            return .conv2D(inChannels: channels, outChannels: channels, kernel: 1, stride: 1, padding: 0, bias: true)
        case .dropout:
            return .dropout(rate: 0)
        case .sequential(let layers):
            return .sequential(try chain(layers, input: input))
        case .residual(let body, let shortcut, let postActivation):
            return .residual(
                body: try chain(body, input: input), shortcut: try chain(shortcut, input: input),
                postActivation: postActivation)
        default:
            return spec
        }
    }

    private static func chain(_ layers: [LayerSpec], input: [Int]) throws -> [LayerSpec] {
        var shape = input
        var result: [LayerSpec] = []
        for layer in layers {
            result.append(try twinSpec(of: layer, input: shape))
            shape = try layer.outputShape(forInput: shape)
        }
        return result
    }

    /// Copies parameter values from a layer of the model into the matching layer of the twin,
    /// folding batch normalisation into its affine form.
    private static func copyParameters(from original: any Layer, to copy: any Layer, path: String) throws(AttackError) {
        func mismatch() -> AttackError {
            .unsupportedModel(reason: "\(path): layer \(type(of: original)) does not match its twin")
        }
        if let norm = original as? BatchNorm {
            let (scale, shift) = foldedAffine(norm)
            let channels = norm.channels
            let diagonal = Tensor(shape: [channels, channels]) { values in
                for index in 0..<values.count { values[index] = 0 }
                for channel in 0..<channels { values[channel * channels + channel] = scale[channel] }
            }
            let bias = Tensor(shape: [channels]) { values in
                for channel in 0..<channels { values[channel] = shift[channel] }
            }
            if let dense = copy as? Dense, let denseBias = dense.bias {
                dense.weight.value = diagonal
                denseBias.value = bias
            } else if let conv = copy as? Conv2D, let convBias = conv.bias {
                do {
                    conv.weight.value = try diagonal.reshaped(to: [channels, channels, 1, 1])
                } catch {
                    throw mismatch()
                }
                convBias.value = bias
            } else {
                throw mismatch()
            }
        } else if let sequence = original as? Sequential {
            guard let twin = copy as? Sequential, twin.layers.count == sequence.layers.count else { throw mismatch() }
            for (index, (child, twinChild)) in zip(sequence.layers, twin.layers).enumerated() {
                try copyParameters(from: child, to: twinChild, path: "\(path).\(index)")
            }
        } else if let block = original as? ResidualBlock {
            guard let twin = copy as? ResidualBlock else { throw mismatch() }
            try copyParameters(from: block.body, to: twin.body, path: "\(path).body")
            try copyParameters(from: block.shortcut, to: twin.shortcut, path: "\(path).shortcut")
        } else {
            let source = original.namedParameters
            let target = copy.namedParameters
            guard source.count == target.count else { throw mismatch() }
            for ((name, parameter), (twinName, twinParameter)) in zip(source, target) {
                guard name == twinName, parameter.value.shape == twinParameter.value.shape else { throw mismatch() }
                twinParameter.value = parameter.value
            }
        }
    }

    /// The inference-mode map of a batch normalisation as per-channel scale and shift, computed as
    /// the layer computes it (in `Double`, rounded once to `Float`).
    private static func foldedAffine(_ norm: BatchNorm) -> (scale: [Float], shift: [Float]) {
        let gamma = norm.weight.value.scalars
        let beta = norm.bias.value.scalars
        let mean = norm.runningMean.value.scalars
        let variance = norm.runningVariance.value.scalars
        let epsilon = Double(norm.epsilon)
        var scale = [Float](repeating: 0, count: norm.channels)
        var shift = [Float](repeating: 0, count: norm.channels)
        for channel in 0..<min(norm.channels, gamma.count, beta.count, mean.count, variance.count) {
            let a = Double(gamma[channel]) / (Double(variance[channel]) + epsilon).squareRoot()
            scale[channel] = Float(a)
            shift[channel] = Float(Double(beta[channel]) - a * Double(mean[channel]))
        }
        return (scale, shift)
    }
}
