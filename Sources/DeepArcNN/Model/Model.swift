public import DeepArcTensor

/// A network as an ordered list of **units** — the "layers" DeepArc talks about: a stem, a
/// residual block, a dense layer, the classifier head.
///
/// Units are what get captured, compared, removed, duplicated and frozen. The model can run
/// forward capturing any set of unit outputs, run backward with extra gradients injected at unit
/// outputs, start a forward pass at any unit (to reuse cached outputs of a frozen prefix), and
/// skip all backward work before the first unit that needs it.
///
/// ```swift
/// let model = try Model(spec: Architectures.make("resnet20", inputShape: [1, 28, 28], classCount: 10), seed: 1)
/// let (logits, captured) = try model.forward(batch, mode: .inference, capturing: [3, 4])
/// ```
public final class Model {
    /// The description the model was built from (kept in sync by every structural change).
    public internal(set) var spec: ModelSpec
    /// The units' layers, in order.
    public internal(set) var units: [any Layer]

    /// Builds a freshly initialised model from a description.
    /// - Throws: ``NNError`` when the description is invalid (see ``ModelSpec/validate()``).
    public init(spec: ModelSpec, seed: UInt64) throws(NNError) {
        try spec.validate()
        var generator = SeededGenerator(seed: seed)
        var units: [any Layer] = []
        for unit in spec.units {
            units.append(try unit.layer.makeLayer(generator: &generator))
        }
        self.spec = spec
        self.units = units
    }

    /// The number of units.
    public var unitCount: Int { units.count }

    /// The units' names, in order.
    public var unitNames: [String] { spec.units.map(\.name) }

    /// The per-sample input shape.
    public var inputShape: [Int] { spec.inputShape }

    /// The number of classes.
    public var classCount: Int { spec.classCount }

    // MARK: - Parameters

    /// Every parameter with its checkpoint name `units.<index>.<name>`, in model order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        units.enumerated().flatMap { index, layer in
            layer.namedParameters.map { (name: "units.\(index).\($0.name)", parameter: $0.parameter) }
        }
    }

    /// The number of scalar parameters (running statistics excluded).
    public var parameterCount: Int { units.reduce(0) { $0 + $1.parameterCount } }

    /// The number of scalar parameters an optimizer would update (trainable, running statistics excluded).
    public var trainableParameterCount: Int {
        units.flatMap(\.parameters).filter(\.receivesUpdates).reduce(0) { $0 + $1.value.count }
    }

    /// The prunable weights (convolution kernels and dense matrices) in model order, classifier last.
    public var prunableParameters: [(name: String, parameter: Parameter)] {
        namedParameters.filter { $0.parameter.kind == .weight }
    }

    /// Makes the units in `range` trainable and freezes every other unit's parameters
    /// (running statistics stay untrainable). `nil` makes every unit trainable.
    /// - Throws: ``NNError/invalidUnit(_:)`` when the range leaves the model.
    public func setTrainableUnits(_ range: ClosedRange<Int>?) throws(NNError) {
        if let range, range.lowerBound < 0 || range.upperBound >= unitCount {
            throw .invalidUnit("unit range \(range) is outside the model's units 0...\(unitCount - 1)")
        }
        for (index, layer) in units.enumerated() {
            let trainable = range?.contains(index) ?? true
            for parameter in layer.parameters where parameter.kind != .runningStatistic {
                parameter.isTrainable = trainable
            }
        }
    }

    /// Sets every parameter's gradient to zero.
    public func zeroGradients() {
        for layer in units {
            for parameter in layer.parameters where parameter.receivesUpdates { parameter.zeroGradient() }
        }
    }

    /// The index of the first unit that owns a trainable parameter, if any.
    public var firstTrainableUnit: Int? {
        units.firstIndex { $0.parameters.contains(where: \.receivesUpdates) }
    }

    // MARK: - Forward

    /// Runs the model on a batch `[N, inputShape…]`.
    /// - Parameters:
    ///   - capturing: indices of units whose outputs to return.
    ///   - startUnit: the first unit to run; `input` is then the output of unit `startUnit − 1`
    ///     (normalisation is only applied when starting at unit 0).
    ///   - endUnit: the last unit to run (default the last); the result is that unit's output.
    /// - Returns: the last unit's output and the captured unit outputs.
    /// - Throws: ``NNError`` naming the unit whose input does not fit.
    public func forward(
        _ input: Tensor, mode: ForwardMode, capturing: Set<Int> = [], startUnit: Int = 0, endUnit: Int? = nil
    ) throws(NNError) -> (output: Tensor, captured: [Int: Tensor]) {
        let end = endUnit ?? (unitCount - 1)
        guard startUnit >= 0, startUnit <= end, end < unitCount else {
            throw .invalidUnit("cannot run units \(startUnit)...\(end) of a model with \(unitCount) units")
        }
        var current = startUnit == 0 ? try normalizedInput(input) : input
        var captured: [Int: Tensor] = [:]
        for index in startUnit...end {
            do {
                current = try units[index].forward(current, mode: mode)
            } catch let error as NNError {
                throw .invalidUnit("unit \(index) (\(spec.units[index].name)): \(error)")
            } catch {
                throw .invalidUnit("unit \(index) (\(spec.units[index].name)): \(error)")
            }
            if capturing.contains(index) { captured[index] = current }
        }
        return (current, captured)
    }

    /// Runs the whole model and returns its output (logits).
    public func callAsFunction(_ input: Tensor, mode: ForwardMode = .inference) throws(NNError) -> Tensor {
        try forward(input, mode: mode).output
    }

    /// `input` (`[N] + inputShape`) after the model's input normalisation: what unit 0 receives.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for input of the wrong shape.
    public func normalizedInput(_ input: Tensor) throws(NNError) -> Tensor {
        let expected = [input.batchCount] + inputShape
        guard input.shape == expected else {
            throw .shapeMismatch(layer: "model input", expected: "[N] + \(inputShape)", actual: input.shape)
        }
        guard let normalization = spec.normalization else { return input }
        let channels = inputShape[0]
        let plane = inputShape.dropFirst().reduce(1, *)
        var output = input
        output.withUnsafeMutableBufferPointer { values in
            for sample in 0..<input.batchCount {
                for channel in 0..<channels {
                    let scale = 1 / normalization.standardDeviation[channel]
                    let shift = -normalization.mean[channel] * scale
                    let start = (sample * channels + channel) * plane
                    for offset in start..<(start + plane) { values[offset] = values[offset] * scale + shift }
                }
            }
        }
        return output
    }

    // MARK: - Backward

    /// Back-propagates through the last training-mode forward pass.
    ///
    /// - Parameters:
    ///   - outputGradient: ∂loss/∂output of the last unit that ran forward (`endUnit`).
    ///   - injecting: extra gradients added at unit outputs (unit index → ∂loss/∂output), e.g. a
    ///     deviation term of a loss at a module's output.
    ///   - endUnit: the unit whose output `outputGradient` refers to (default the last unit).
    ///   - stopUnit: the first unit to run backward through; by default the first unit with a
    ///     trainable parameter, so nothing before it runs backward at all.
    ///   - needsInputGradient: return ∂loss/∂input (forces backward through every unit down to
    ///     `stopUnit`, and through the input normalisation when `stopUnit` is 0).
    /// - Returns: ∂loss/∂(input of `stopUnit`) when `needsInputGradient`, else `nil`.
    public func backward(
        _ outputGradient: Tensor, injecting: [Int: Tensor] = [:], endUnit: Int? = nil, stopUnit: Int? = nil,
        needsInputGradient: Bool = false
    ) throws(NNError) -> Tensor? {
        let end = endUnit ?? (unitCount - 1)
        let stop: Int
        if let stopUnit {
            stop = stopUnit
        } else if needsInputGradient {
            stop = 0
        } else {
            let candidates = [firstTrainableUnit, injecting.keys.min()].compactMap { $0 }
            guard let first = candidates.min() else { return nil }
            stop = first
        }
        guard stop >= 0, end < unitCount else {
            throw .invalidUnit("cannot run backward through units \(stop)...\(end) of \(unitCount)")
        }
        guard stop <= end else { return nil }
        if let outside = injecting.keys.first(where: { $0 < stop || $0 > end }) {
            throw .invalidUnit("gradient injected at unit \(outside), outside the backward range \(stop)...\(end)")
        }
        var gradient = outputGradient
        var inputGradientResult: Tensor?
        for index in stride(from: end, through: stop, by: -1) {
            let name = "unit \(index) (\(spec.units[index].name))"
            if let extra = injecting[index] {
                do {
                    try gradient.add(extra)
                } catch {
                    throw .tensor(layer: name, error)
                }
            }
            let needsInput = index > stop || needsInputGradient
            let result: Tensor?
            do {
                result = try units[index].backward(gradient, needsInputGradient: needsInput)
            } catch let error as NNError {
                throw .invalidUnit("\(name) backward: \(error)")
            } catch {
                throw .invalidUnit("\(name) backward: \(error)")
            }
            if index > stop {
                guard let result else { throw .invalidUnit("\(name) returned no input gradient") }
                gradient = result
            } else {
                inputGradientResult = result
            }
        }
        guard needsInputGradient, var inputGradient = inputGradientResult else { return nil }
        if stop == 0, let normalization = spec.normalization {
            let channels = inputShape[0]
            let plane = inputShape.dropFirst().reduce(1, *)
            let batch = inputGradient.batchCount
            inputGradient.withUnsafeMutableBufferPointer { values in
                for sample in 0..<batch {
                    for channel in 0..<channels {
                        let scale = 1 / normalization.standardDeviation[channel]
                        let start = (sample * channels + channel) * plane
                        for offset in start..<(start + plane) { values[offset] *= scale }
                    }
                }
            }
        }
        return inputGradient
    }
}
