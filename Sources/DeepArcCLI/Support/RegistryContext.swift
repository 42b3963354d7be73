import DeepArc

/// The strategy registry the commands use: the built-in one, or a third party's for the duration of
/// ``DeepArcCommand/main(arguments:registry:)``.
enum RegistryContext {
    @TaskLocal static var current: StrategyRegistry = .builtIn
}
