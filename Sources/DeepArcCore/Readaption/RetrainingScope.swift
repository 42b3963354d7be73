/// Which units a retraining run trains and where its deviation term is measured.
///
/// Modular retraining trains the units of the chosen modules (each module's span, from its first
/// to its last unit) and measures the deviation at each chosen module's output (its last unit);
/// the full-retraining baseline (``fullModel``) trains every unit with the same deviation units.
///
/// ```swift
/// let scope = try RetrainingScope.modules(ranking.critical, of: modularization.moduleUnits)
/// ```
public struct RetrainingScope: Sendable, Codable, Equatable {
    /// The retrained modules' indices, ascending.
    public var modules: [Int]
    /// The units of each retrained module, in the order of ``modules``.
    public var moduleUnits: [[Int]]
    /// Whether every unit of the model trains (the full-retraining baseline).
    public var trainsEveryUnit: Bool

    /// Creates a scope from modules' units.
    /// - Parameters:
    ///   - modules: module indices (for reports and messages).
    ///   - moduleUnits: each module's units, ascending; the last is the module's output.
    ///   - trainsEveryUnit: train the whole model rather than the modules' units.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `modules` when no
    ///   module is given, counts differ, an index repeats, or a module has no units.
    public init(modules: [Int], moduleUnits: [[Int]], trainsEveryUnit: Bool = false) throws(DeepArcError) {
        guard !modules.isEmpty, modules.count == moduleUnits.count else {
            throw .invalidOption(
                strategy: "retraining", option: "modules",
                reason:
                    "need at least one module and one unit list per module; got \(modules.count) and \(moduleUnits.count)"
            )
        }
        guard Set(modules).count == modules.count else {
            throw .invalidOption(strategy: "retraining", option: "modules", reason: "module indices repeat: \(modules)")
        }
        if let empty = zip(modules, moduleUnits).first(where: { $0.1.isEmpty }) {
            throw .invalidOption(strategy: "retraining", option: "modules", reason: "module \(empty.0) has no units")
        }
        let order = modules.indices.sorted { modules[$0] < modules[$1] }
        self.modules = order.map { modules[$0] }
        self.moduleUnits = order.map { moduleUnits[$0] }
        self.trainsEveryUnit = trainsEveryUnit
    }

    /// The scope retraining modules `indices` of an architecture whose modules hold `allModuleUnits`.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `modules` for an
    ///   index outside the architecture's modules (or none, or a repeated one).
    public static func modules(_ indices: [Int], of allModuleUnits: [[Int]]) throws(DeepArcError) -> RetrainingScope {
        if let bad = indices.first(where: { $0 < 0 || $0 >= allModuleUnits.count }) {
            throw .invalidOption(
                strategy: "retraining", option: "modules",
                reason: "module \(bad) is outside the semantic architecture's \(allModuleUnits.count) modules "
                    + "(0..<\(allModuleUnits.count))")
        }
        return try RetrainingScope(modules: indices, moduleUnits: indices.map { allModuleUnits[$0] })
    }

    /// The scope retraining modules `indices` of a modularization.
    /// - Throws: as `modules(_:of:)` with module units.
    public static func modules(_ indices: [Int], of result: ModularizationResult) throws(DeepArcError)
        -> RetrainingScope
    {
        try modules(indices, of: result.moduleUnits)
    }

    /// The scope retraining a ranking's critical modules.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` when the ranking names no
    ///   critical module.
    public static func critical(_ ranking: CriticalModuleRanking) throws(DeepArcError) -> RetrainingScope {
        let units = ranking.critical.map { index in ranking.modules.first { $0.module == index }?.units ?? [] }
        return try RetrainingScope(modules: ranking.critical, moduleUnits: units)
    }

    /// The same modules and deviation units with every unit trainable (the baseline).
    public var fullModel: RetrainingScope {
        var copy = self
        copy.trainsEveryUnit = true
        return copy
    }

    /// The units whose outputs carry the deviation term: each module's last unit, ascending.
    public var deviationUnits: [Int] { Array(Set(moduleUnits.compactMap(\.last))).sorted() }

    /// The units that train in a model of `unitCount` units, ascending.
    public func trainableUnits(unitCount: Int) -> [Int] {
        if trainsEveryUnit { return Array(0..<unitCount) }
        var units = Set<Int>()
        for module in moduleUnits {
            guard let first = module.first, let last = module.last, first <= last else { continue }
            for unit in first...last where unit >= 0 && unit < unitCount { units.insert(unit) }
        }
        return units.sorted()
    }

    /// A readable description for messages: `module 2 (units 3…5)` or `modules 1, 4 (…)`.
    public var description: String {
        let parts = zip(modules, moduleUnits).map { ModuleLayout.describe(module: $0.0, units: $0.1) }
        return (trainsEveryUnit ? "full model, deviation at " : "") + parts.joined(separator: ", ")
    }
}
