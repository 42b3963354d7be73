// MARK: - R(x): the spec's rounding of counts

/// `R(x)` of `specs/pruning.md` §2.1: round to the nearest integer, ties to even (Python `round`).
///
/// Callers pass binary64 values that are finite and bounded by a weight count, so the conversion to
/// `Int` cannot trap on model input; anything else is a programmer error.
/// - Parameter value: the real count, evaluated in the order the spec writes it.
/// - Returns: the rounded count.
func roundedCount(_ value: Double) -> Int {
    precondition(value.isFinite && abs(value) < 9.0e15, "count \(value) is not a bounded finite number")
    return Int(value.rounded(.toNearestOrEven))
}
