import DeepArc

/// The strategy registry the commands look strategies up in, bound per task.
///
/// Commands never read a global: they read ``registry``, a task-local value (the swift-metrics
/// override pattern). A program that adds its own strategies calls
/// ``DeepArcCommand/main(arguments:registry:)``, which binds its registry around the command.
enum RegistryContext {
    /// The registry in effect for the current task: the built-in strategies unless a caller bound another.
    @TaskLocal static var registry: StrategyRegistry = .builtIn
}
