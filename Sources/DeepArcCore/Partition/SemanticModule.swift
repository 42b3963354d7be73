/// One module of a ``SemanticArchitecture``: a run of consecutive layers and how alike they are.
public struct SemanticModule: Sendable, Equatable {
    /// The module's position among the architecture's modules (0-based).
    public let index: Int
    /// The layers the module holds.
    public let layers: ClosedRange<Int>
    /// The paper's simmod (Eq. 3): the mean of the adjacent similarities `S[k][k+1]` for
    /// `a ≤ k < b` inside the module `[a…b]`; 0 for a single-layer module; NaN when one of those
    /// similarities is NaN.
    public let simmod: Double

    /// Creates a module description; ``SemanticArchitecture`` builds these.
    public init(index: Int, layers: ClosedRange<Int>, simmod: Double) {
        self.index = index
        self.layers = layers
        self.simmod = simmod
    }

    /// Whether the module holds more than one layer.
    public var isMultiLayer: Bool { layers.count > 1 }

    /// The module's first layer: the layer kept as the module's interface when intra-module layers
    /// are removed.
    public var interfaceLayer: Int { layers.lowerBound }

    /// The layers after the first (empty for a single-layer module).
    public var intraModuleLayers: ClosedRange<Int>? {
        isMultiLayer ? (layers.lowerBound + 1)...layers.upperBound : nil
    }

    /// The simmod of layers `[a…b]` of `matrix` (paper Eq. 3): the mean of `S[k][k+1]` for `a ≤ k < b`,
    /// 0 when `a == b`, NaN when one of those entries is NaN.
    /// - Precondition: `0 ≤ a ≤ b < matrix.count`.
    public static func simmod(of layers: ClosedRange<Int>, in matrix: SimilarityMatrix) -> Double {
        precondition(layers.lowerBound >= 0 && layers.upperBound < matrix.count, "layers \(layers) outside the matrix")
        guard layers.count > 1 else { return 0 }
        var sum = 0.0
        for k in layers.lowerBound..<layers.upperBound {
            sum += matrix[k, k + 1]
        }
        return sum / Double(layers.count - 1)
    }
}
