/// Exact order statistics of a large multiset of non-negative `Float` values, in two streaming passes
/// and O(2¹⁶) memory: the bit patterns of non-negative floats sort like the floats, so a histogram of
/// the top 16 bits finds each wanted value's bucket and a second histogram of the low 16 bits inside
/// that bucket finds the value itself. Used for the RBF bandwidth's median, which must be exact but
/// must not need the m² squared distances in memory at once.
struct RadixSelection {
    /// The wanted ranks (0-based, in ascending order of value).
    let ranks: [Int]
    private var high = [Int](repeating: 0, count: 1 << 16)
    private var buckets: [UInt32] = []  // per rank: its high 16 bits
    private var offsets: [Int] = []  // per rank: its rank within the bucket
    private var targets: [UInt32] = []  // distinct buckets
    private var low: [[Int]] = []  // per target: histogram of the low 16 bits

    /// Starts a selection of `ranks`.
    init(ranks: [Int]) {
        self.ranks = ranks
    }

    /// First pass: counts `values` (all ≥ +0).
    mutating func countHigh(_ values: UnsafeBufferPointer<Float>) {
        high.withUnsafeMutableBufferPointer { histogram in
            for value in values { histogram[Int(value.bitPattern >> 16)] += 1 }
        }
    }

    /// Ends the first pass.
    /// - Precondition: every rank is below the number of values counted (a programmer error).
    mutating func finishHigh() {
        buckets = []
        offsets = []
        for rank in ranks {
            var before = 0
            var bucket = 0
            while bucket < high.count, before + high[bucket] <= rank {
                before += high[bucket]
                bucket += 1
            }
            precondition(bucket < high.count, "rank \(rank) is beyond the \(before) values counted")
            buckets.append(UInt32(bucket))
            offsets.append(rank - before)
        }
        targets = Array(Set(buckets)).sorted()
        low = Array(repeating: [Int](repeating: 0, count: 1 << 16), count: targets.count)
    }

    /// Second pass: counts the same `values` again.
    mutating func countLow(_ values: UnsafeBufferPointer<Float>) {
        for (index, target) in targets.enumerated() {
            low[index].withUnsafeMutableBufferPointer { histogram in
                for value in values where value.bitPattern >> 16 == target {
                    histogram[Int(value.bitPattern & 0xFFFF)] += 1
                }
            }
        }
    }

    /// The values at ``ranks``, after both passes.
    func values() -> [Float] {
        zip(buckets, offsets).map { bucket, offset in
            guard let index = targets.firstIndex(of: bucket) else { preconditionFailure("finishHigh() not called") }
            var before = 0
            var bits = 0
            while bits < (1 << 16) - 1, before + low[index][bits] <= offset {
                before += low[index][bits]
                bits += 1
            }
            return Float(bitPattern: bucket << 16 | UInt32(bits))
        }
    }

    /// The ranks, among the strictly-upper-triangle entries u of a symmetric m × m matrix with zero
    /// diagonal, whose values give the median of all m·m entries: sorted, those are m zeros followed by
    /// each u twice. Returns the ranks into u (nil for a diagonal zero) to average.
    static func medianRanks(size m: Int) -> [Int?] {
        let count = m * m
        let wanted = count % 2 == 1 ? [count / 2] : [count / 2 - 1, count / 2]
        return wanted.map { $0 < m ? nil : ($0 - m) / 2 }
    }
}
