/// What ``CriticalModuleLocator`` found: the deviation of D′ at every module's output, how much it
/// grew in each module, and the modules ranked by that growth (spec `readaption.md`, "Locating the
/// critical module").
public struct CriticalModuleRanking: Sendable, Codable, Equatable {
    /// One module's deviation.
    public struct Entry: Sendable, Codable, Equatable {
        /// The module's index among the semantic architecture's modules (0-based).
        public var module: Int
        /// The model units the module holds.
        public var units: [Int]
        /// The unit whose output is the module's representation (its last unit).
        public var outputUnit: Int
        /// d_k: the deviation of D′ at the module's output.
        public var deviation: Double
        /// d_k − d_{k−1} (for the first module, d_k − d_0 with d_0 the deviation at the input).
        public var increase: Double

        /// Creates an entry.
        public init(module: Int, units: [Int], outputUnit: Int, deviation: Double, increase: Double) {
            self.module = module
            self.units = units
            self.outputUnit = outputUnit
            self.deviation = deviation
            self.increase = increase
        }
    }

    /// The deviation measure's identifier.
    public var measure: String
    /// d_0: the deviation at the input (0 for a paired measure).
    public var inputDeviation: Double
    /// Every module, in module order.
    public var modules: [Entry]
    /// Module indices, largest increase first (ties: lower module index first).
    public var ranking: [Int]
    /// The modules to retrain: the first `top` of ``ranking``.
    public var critical: [Int]

    /// Creates a ranking from the per-module entries: sorts by increase and keeps the first `top`.
    public init(measure: String, inputDeviation: Double, modules: [Entry], top: Int) {
        self.measure = measure
        self.inputDeviation = inputDeviation
        self.modules = modules
        self.ranking = modules.sorted { a, b in
            a.increase != b.increase ? a.increase > b.increase : a.module < b.module
        }.map(\.module)
        self.critical = Array(ranking.prefix(max(0, top)))
    }

    /// The entries in rank order (largest increase first).
    public var rankedEntries: [Entry] {
        ranking.compactMap { index in modules.first { $0.module == index } }
    }
}
