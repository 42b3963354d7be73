import Dispatch

/// Runs independent pieces of element-wise work on all cores.
///
/// Only pure Swift loops go through here; BLAS calls stay on the calling thread, where OpenBLAS
/// parallelises them itself (nesting the two would oversubscribe the cores).
enum Parallel {
    /// Calls `body(i)` for every `i` in `0..<count`, concurrently when `count > 1`.
    /// Each call must write only memory that no other call touches.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 {
            body(0)
            return
        }
        // `concurrentPerform` wants a `@Sendable` closure. The pieces of work handed to this function
        // write disjoint memory through pointers and return before `forEach` does, which is the
        // contract callers sign; that is what makes sharing `body` across threads sound here.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
        }
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
