/// The serialisable description of a whole ``Model``: what a checkpoint's metadata stores so that
/// the file alone rebuilds its model.
public struct ModelSpec: Codable, Sendable, Equatable {
    /// One unit: a name (`stem`, `stage2.block1`, `head`) and its layer description.
    public struct Unit: Codable, Sendable, Equatable {
        /// A human-readable name, unique within the model.
        public var name: String
        /// The layer (usually a `.sequential` or `.residual`) the unit runs.
        public var layer: LayerSpec

        /// Creates a unit description.
        public init(name: String, layer: LayerSpec) {
            self.name = name
            self.layer = layer
        }
    }

    /// Per-channel input normalisation applied before the first unit: x ↦ (x − mean) / std.
    public struct Normalization: Codable, Sendable, Equatable {
        /// Per-channel means (one value per input channel).
        public var mean: [Float]
        /// Per-channel standard deviations (positive).
        public var standardDeviation: [Float]

        /// Creates a normalisation.
        public init(mean: [Float], standardDeviation: [Float]) {
            self.mean = mean
            self.standardDeviation = standardDeviation
        }
    }

    /// The architecture's name as a builder knows it (`resnet20`, `vgg11`, `mlp-256-128`), or a
    /// free label for hand-built and restructured models.
    public var architecture: String
    /// The per-sample input shape: `[channels, height, width]` or `[features]`.
    public var inputShape: [Int]
    /// The number of classes the head predicts.
    public var classCount: Int
    /// Input normalisation, if the model was trained with one.
    public var normalization: Normalization?
    /// The units in order.
    public var units: [Unit]

    /// Creates a model description.
    public init(
        architecture: String, inputShape: [Int], classCount: Int, normalization: Normalization? = nil, units: [Unit]
    ) {
        self.architecture = architecture
        self.inputShape = inputShape
        self.classCount = classCount
        self.normalization = normalization
        self.units = units
    }

    /// The per-sample output shape of every unit, checking that each unit accepts its input.
    /// - Throws: ``NNError/invalidUnit(_:)`` naming the first unit whose input shape does not fit.
    public func unitOutputShapes() throws(NNError) -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        for (index, unit) in units.enumerated() {
            do {
                shape = try unit.layer.outputShape(forInput: shape)
            } catch {
                throw .invalidUnit("unit \(index) (\(unit.name)) does not accept input of shape \(shape): \(error)")
            }
            shapes.append(shape)
        }
        return shapes
    }

    /// Checks the description is buildable: a non-empty unit list, unique names, shapes that chain,
    /// a final output of `[classCount]`, and a normalisation matching the channel count.
    /// - Throws: ``NNError/invalidUnit(_:)`` saying what is wrong.
    public func validate() throws(NNError) {
        guard !units.isEmpty else { throw .invalidUnit("the model has no units") }
        guard classCount >= 1 else { throw .invalidUnit("class count \(classCount) must be at least 1") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidUnit("input shape \(inputShape) must have positive dimensions")
        }
        var seen = Set<String>()
        for unit in units where !seen.insert(unit.name).inserted {
            throw .invalidUnit("unit name '\(unit.name)' is used twice")
        }
        let shapes = try unitOutputShapes()
        if let last = shapes.last, last != [classCount] {
            throw .invalidUnit("the last unit outputs shape \(last), but the model predicts \(classCount) classes")
        }
        if let normalization {
            let channels = inputShape[0]
            guard normalization.mean.count == channels, normalization.standardDeviation.count == channels else {
                throw .invalidUnit("normalisation has \(normalization.mean.count) means and "
                    + "\(normalization.standardDeviation.count) deviations for \(channels) input channels")
            }
            guard normalization.standardDeviation.allSatisfy({ $0 > 0 && $0.isFinite }),
                normalization.mean.allSatisfy(\.isFinite)
            else {
                throw .invalidUnit("normalisation needs finite means and positive finite deviations")
            }
        }
    }
}
