import DeepArcCore

/// Validation of attack options, each failure a `DeepArcError.invalidOption` naming the option.
enum OptionCheck {
    /// A finite number with `lower < value ≤ upper` (`lower ≤ value` when `closedBelow`).
    static func number(
        _ value: Double, _ option: String, of strategy: String, above lower: Double, atMost upper: Double = .infinity,
        closedBelow: Bool = false
    ) throws(DeepArcError) {
        let aboveLower = closedBelow ? value >= lower : value > lower
        guard value.isFinite, aboveLower, value <= upper else {
            let low = closedBelow ? "\(lower) ≤ \(option)" : "\(lower) < \(option)"
            let rule = upper.isFinite ? "\(low) ≤ \(upper)" : "\(low) (finite)"
            throw .invalidOption(strategy: strategy, option: option, reason: "must satisfy \(rule); got \(value)")
        }
    }

    /// An integer in `range`.
    static func integer(_ value: Int, _ option: String, of strategy: String, in range: ClosedRange<Int>)
        throws(DeepArcError)
    {
        guard range.contains(value) else {
            throw .invalidOption(
                strategy: strategy, option: option,
                reason: "must satisfy \(range.lowerBound) ≤ \(option) ≤ \(range.upperBound); got \(value)")
        }
    }
}
