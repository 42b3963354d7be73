/// Every strategy that ships with DeepArc, as one pack.
public enum BuiltInStrategies: StrategyPack {
    /// Registers the CKA metrics, the greedy and DP partitioners, the deviation measures, the pruners
    /// and the adversarial attacks.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(LinearCKA.self)
        try registry.register(DebiasedCKA.self)
        try registry.register(MinibatchCKA.self)
        try registry.register(RBFCKA.self)
        try registry.register(GramCosine.self)
        try GreedyStrategies.register(into: &registry)
        try DPStrategies.register(into: &registry)
        try DeviationStrategies.register(into: &registry)
        try PruningStrategies.register(into: &registry)
        try AttackStrategies.register(into: &registry)
    }
}

extension StrategyRegistry {
    /// A registry holding ``BuiltInStrategies``.
    ///
    /// Installing the built-in pack cannot fail (its identifiers are distinct and valid, which the
    /// tests check), so a failure here is a programmer error.
    public static var builtIn: StrategyRegistry {
        do {
            return try StrategyRegistry().installing(BuiltInStrategies.self)
        } catch {
            preconditionFailure("the built-in strategies failed to register: \(error)")
        }
    }
}
