public import DeepArcNN

/// What a restructuring did and what it cost or saved: the removed or repeated units, the sewing
/// adapters with their L2 loss before and after training, parameters and multiply–accumulates
/// before and after, and accuracy before and after on an evaluation set.
public struct RestructuringReport: Codable, Sendable, Equatable {
    /// The size of a model.
    public struct Cost: Codable, Sendable, Equatable {
        /// The number of units.
        public var units: Int
        /// Scalar parameters (running statistics excluded).
        public var parameters: Int
        /// Multiply–accumulates of one sample's inference forward pass (``LayerSpec/multiplyAccumulates(forInput:)``
        /// summed over the units; input normalisation not counted).
        public var multiplyAccumulates: Int

        /// Creates a cost record.
        public init(units: Int, parameters: Int, multiplyAccumulates: Int) {
            self.units = units
            self.parameters = parameters
            self.multiplyAccumulates = multiplyAccumulates
        }

        /// The cost of the model `spec` describes.
        /// - Throws: ``NNError`` when the units do not chain.
        public init(of spec: ModelSpec) throws(NNError) {
            var shape = spec.inputShape
            var parameters = 0
            var operations = 0
            for (index, unit) in spec.units.enumerated() {
                let (newParameters, overflowP) = parameters.addingReportingOverflow(
                    try unit.layer.parameterCount(forInput: shape))
                let (newOperations, overflowM) = operations.addingReportingOverflow(
                    try unit.layer.multiplyAccumulates(forInput: shape))
                guard !overflowP, !overflowM else {
                    throw .invalidUnit("unit \(index) (\(unit.name)): the model's size overflows Int")
                }
                parameters = newParameters
                operations = newOperations
                shape = try unit.layer.outputShape(forInput: shape)
            }
            self.init(units: spec.units.count, parameters: parameters, multiplyAccumulates: operations)
        }
    }

    /// A removed unit and its role in the semantic architecture.
    public struct RemovedUnit: Codable, Sendable, Equatable {
        /// Its index in the original model.
        public var index: Int
        /// Its name.
        public var name: String
        /// `interface` (a module's first unit), `intra-module`, or `not compared` (a unit the
        /// modularization did not cover, such as the head).
        public var role: String
    }

    /// A sewing adapter spliced in place of a removed span.
    public struct Adapter: Codable, Sendable, Equatable {
        /// The unit name, `sew.<first>-<last>` with the span's unit indices in the original model.
        public var name: String
        /// Its position in the new model.
        public var position: Int
        /// The first and last removed unit it replaces (original indices).
        public var replaces: [Int]
        /// The names of the units it replaces.
        public var replacedNames: [String]
        /// The per-sample input shape.
        public var inputShape: [Int]
        /// The per-sample output shape.
        public var outputShape: [Int]
        /// The adapter's layer.
        public var layer: LayerSpec
        /// Its scalar parameters.
        public var parameters: Int
        /// How many samples it was trained and measured on.
        public var samples: Int
        /// Sewing epochs.
        public var epochs: Int
        /// Optimizer steps taken.
        public var steps: Int
        /// Mean squared error to the removed span's output with the initial weights (inference mode).
        public var lossBefore: Double
        /// Mean squared error after training (inference mode, batch-normalisation statistics of the samples).
        public var lossAfter: Double
        /// The mean square of the target (the span's output): the loss of predicting 0, for scale.
        public var targetMeanSquare: Double
    }

    /// Accuracy and loss before and after.
    public struct Evaluation: Codable, Sendable, Equatable {
        /// Evaluation samples.
        public var samples: Int
        /// The original model's accuracy.
        public var accuracyBefore: Double
        /// The original model's mean cross-entropy.
        public var lossBefore: Double
        /// The restructured model's accuracy (after sewing, before fine-tuning), when fine-tuning ran.
        public var accuracyBeforeFineTuning: Double?
        /// Its loss then.
        public var lossBeforeFineTuning: Double?
        /// The final restructured model's accuracy.
        public var accuracyAfter: Double
        /// The final restructured model's mean cross-entropy.
        public var lossAfter: Double
    }

    /// The operation: `remove-intra-module`, `remove-units` or `duplicate-intra-module`.
    public var operation: String
    /// The removed units, ascending.
    public var removedUnits: [RemovedUnit]
    /// The repeated units' indices in the original model, in the order they were chosen.
    public var duplicatedUnits: [Int]
    /// The repeated units' names.
    public var duplicatedNames: [String]
    /// Units Algorithm 2's order offered for duplication that change the shape (skipped).
    public var skippedUnits: [Int]
    /// The adapters spliced in, in model order.
    public var adapters: [Adapter]
    /// The new model's unit names, in order.
    public var unitNames: [String]
    /// The original model's size.
    public var before: Cost
    /// The restructured model's size.
    public var after: Cost
    /// Accuracy before and after, when an evaluation set was given.
    public var evaluation: Evaluation?
    /// One report per fine-tuning epoch (empty without fine-tuning).
    public var fineTuning: [TrainingLoop.EpochReport]
    /// Wall time of the whole restructuring.
    public var seconds: Double
}
