import Synchronization

/// Optional accounting of the time spent inside `sgemm`, to report what share of a workload
/// runs in BLAS. Off by default; when off it costs one relaxed atomic load per sgemm call.
public enum BLASProfile {
    private static let enabled = Atomic<Bool>(false)
    private static let nanoseconds = Atomic<UInt64>(0)
    private static let calls = Atomic<UInt64>(0)
    private static let multiplyAdds = Atomic<UInt64>(0)

    /// Turns accounting on or off.
    public static func setEnabled(_ on: Bool) {
        enabled.store(on, ordering: .relaxed)
    }

    /// Whether accounting is on.
    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Clears the counters.
    public static func reset() {
        nanoseconds.store(0, ordering: .relaxed)
        calls.store(0, ordering: .relaxed)
        multiplyAdds.store(0, ordering: .relaxed)
    }

    /// Seconds spent in sgemm, number of calls and multiply-adds since the last reset.
    public static var totals: (seconds: Double, calls: Int, multiplyAdds: Int) {
        (
            Double(nanoseconds.load(ordering: .relaxed)) / 1e9, Int(calls.load(ordering: .relaxed)),
            Int(multiplyAdds.load(ordering: .relaxed))
        )
    }

    @usableFromInline
    static func record(start: ContinuousClock.Instant, m: Int, n: Int, k: Int) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        let nanos = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
        nanoseconds.add(nanos, ordering: .relaxed)
        calls.add(1, ordering: .relaxed)
        multiplyAdds.add(UInt64(m) &* UInt64(n) &* UInt64(k), ordering: .relaxed)
    }
}
