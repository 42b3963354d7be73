import DeepArcTensor

/// Runs independent pieces of element-wise work on the engine's worker team (``ParallelLoop``).
///
/// Only pure Swift loops go through here; BLAS calls stay on the calling thread, where the GEMM
/// splits them over the same team itself (a nested call would run on one thread).
enum Parallel {
    /// Calls `body(i)` for every `i` in `0..<count`, concurrently when `count > 1`.
    /// Each call must write only memory that no other call touches.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        // Each piece writes disjoint memory through pointers and returns before `forEach` does;
        // ParallelLoop runs zero or one piece on the calling thread itself.
        ParallelLoop.forEach(iterations: count, body)
    }

    /// Splits `0..<total` into contiguous ranges of at most `grain` elements (at least one range
    /// when `total > 0`). The split depends only on `total` and `grain`, never on the core count,
    /// so reductions over the pieces are bitwise reproducible on every machine.
    static func ranges(_ total: Int, grain: Int) -> [Range<Int>] {
        guard total > 0 else { return [] }
        let step = max(1, grain)
        return stride(from: 0, to: total, by: step).map { $0..<min(total, $0 + step) }
    }
}
