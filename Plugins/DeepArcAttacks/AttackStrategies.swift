public import DeepArcCore

/// The strategies of this target: the adversarial attacks ``FGSM`` (`fgsm`), ``PGD`` (`pgd`),
/// ``DeepFool`` (`deepfool`) and ``CarliniWagner`` (`cw`).
public enum AttackStrategies: StrategyPack {
    /// Registers ``FGSM``, ``PGD``, ``DeepFool`` and ``CarliniWagner``.
    /// - Throws: `DeepArcError.duplicateStrategy(kind:name:)` when a name is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(FGSM.self)
        try registry.register(PGD.self)
        try registry.register(DeepFool.self)
        try registry.register(CarliniWagner.self)
    }
}
