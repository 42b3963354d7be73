// MARK: - Keys that can be ranked by bit pattern

/// A non-negative, finite floating-point ranking key (a magnitude |w| or a LAMP score).
///
/// For non-negative IEEE-754 values (with `-0.0` never occurring) the bit pattern, read as an
/// unsigned integer, increases with the value, and every pattern between two finite non-negative
/// values is itself a finite non-negative value. ``RankedSelection`` binary-searches these patterns
/// to find a cut value without sorting the concatenation of all layers.
protocol RankKey: Comparable {
    /// The value's bit pattern, widened to 64 bits.
    var rankBits: UInt64 { get }
    /// The value with the given bit pattern.
    init(rankBits: UInt64)
}

extension Float: RankKey {
    var rankBits: UInt64 { UInt64(bitPattern) }
    init(rankBits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: rankBits)) }
}

extension Double: RankKey {
    var rankBits: UInt64 { bitPattern }
    init(rankBits: UInt64) { self.init(bitPattern: rankBits) }
}
