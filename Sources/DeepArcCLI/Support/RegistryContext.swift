public import DeepArc

/// The strategy registry the commands look strategies up in, bound per task.
///
/// Commands never read a global: they read ``registry``, a task-local value. A program that adds
/// its own strategies binds its registry around the command (the swift-metrics override pattern):
///
/// ```swift
/// let registry = try RegistryContext.defaultRegistry.installing(AcmePack.self)
/// await RegistryContext.$registry.withValue(registry) {
///     await DeepArcCommand.main()
/// }
/// ```
public enum RegistryContext {
    /// The registry in effect for the current task: ``defaultRegistry`` unless a caller bound another.
    @TaskLocal public static var registry: StrategyRegistry = defaultRegistry

    /// The strategies the `deeparc` tool ships with.
    ///
    /// For now the partitioner packs (`greedy`, `dp`); the umbrella's `StrategyRegistry.builtIn`
    /// replaces this once it exists.
    public static var defaultRegistry: StrategyRegistry {
        var registry = StrategyRegistry()
        do {
            try registry.install(GreedyStrategies.self)
            try registry.install(DPStrategies.self)
        } catch {
            // The built-in packs use fixed, distinct identifiers: failing here is a programming error.
            preconditionFailure("the built-in strategies failed to register: \(error)")
        }
        return registry
    }
}
