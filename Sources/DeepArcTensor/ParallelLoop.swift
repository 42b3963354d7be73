internal import CDeepArcKernels

/// A parallel loop on the engine's persistent worker threads (the same team the AVX-512 GEMM
/// splits its products over), for kernels that work on raw buffers.
///
/// Workers spin briefly after each loop before sleeping, so back-to-back loops of a training step
/// do not each pay a thread wake-up (about 50–70 µs with Dispatch on this project's machines).
///
/// Laws:
/// - `forEach(iterations: n, threads: t, body)` calls `body(i)` exactly once for every i in 0..<n
///   and returns after the last call has returned.
/// - With `t = 1`, or when called from inside another loop (or while another thread's loop holds
///   the team), the calls run in order on the calling thread.
/// - Iterations may run concurrently, so they must write disjoint memory.
public enum ParallelLoop {
    /// Runs `body(i)` for `i` in `0..<iterations` on up to `threads` threads (default: the count set
    /// with ``BLAS/setThreadCount(_:)``), each thread taking the next unclaimed index.
    public static func forEach(iterations: Int, threads: Int? = nil, _ body: (Int) -> Void) {
        guard iterations > 0 else { return }
        let threads = threads ?? BLAS.requestedThreadCount
        if threads <= 1 || iterations == 1 {
            for index in 0..<iterations { body(index) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                deeparc_run_iterations(iterations, threads, { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer)
            }
        }
    }
}
