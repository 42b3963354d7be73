import DeepArcTensor
import Dispatch
import Synchronization
import Testing

/// The worker team's loop (`ParallelLoop`) and the single-to-double statistics kernels.
@Suite("ParallelLoop and ColumnStatistics")
struct ParallelKernelTests {
    @Test(
        "every iteration runs exactly once, with 1, 2 or 5 threads, nested, and from two callers at once",
        arguments: [1, 2, 5])
    func everyIterationRunsOnce(threads: Int) {
        for iterations in [1, 2, 7, 100, 1001] {
            // Every iteration, outer or nested, writes only its own slot. A nested loop runs on the
            // calling thread while the team is busy with the outer one, but it may get the team when
            // the outer loop ran on its caller alone (another test owned the team), so its iterations
            // may run on several threads: they must not share a slot.
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: iterations)
            let nestedCounts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3 * iterations)
            defer {
                counts.deallocate()
                nestedCounts.deallocate()
            }
            counts.initialize(repeating: 0)
            nestedCounts.initialize(repeating: 0)
            ParallelLoop.forEach(iterations: iterations, threads: threads) { index in
                counts[index] += 1
                ParallelLoop.forEach(iterations: 3, threads: threads) { inner in nestedCounts[3 * index + inner] += 1 }
            }
            #expect(counts.allSatisfy { $0 == 1 }, "\(iterations) iterations")
            #expect(nestedCounts.allSatisfy { $0 == 1 }, "\(iterations) iterations, nested")
        }
        // Two threads start loops at the same time: one gets the team, the other runs its own.
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            ParallelLoop.forEach(iterations: 500, threads: threads) { index in total.add(index, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 2 * (499 * 500 / 2))
    }

    @Test("back-to-back loops of different widths each run every iteration once (workers left out of one job join the next)")
    func backToBackLoopsOfDifferentWidths() {
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: 5)
        defer { slots.deallocate() }
        var failures = 0
        for round in 0..<3000 {
            let iterations = round % 2 == 0 ? 2 : 5
            slots.initialize(repeating: 0)
            ParallelLoop.forEach(iterations: iterations, threads: 5) { index in slots[index] += 1 }
            if slots[0..<iterations].contains(where: { $0 != 1 }) { failures += 1 }
        }
        #expect(failures == 0)
    }

    /// Columns 0..<width of a rows × stride matrix whose values span many magnitudes.
    private func values(rows: Int, stride: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(rows * stride)).map { _ in
            Float.random(in: -1...1, using: &generator) * Float(1 << Int.random(in: 0...20, using: &generator))
        }
    }

    @Test(
        "moments: the AVX-512 and portable paths give the same bits, and the sums are the row-order sums",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"),
        arguments: [1, 7, 8, 9, 37])
    func momentsMatch(width: Int) {
        let (rows, stride) = (13, width + 3)
        let x = values(rows: rows, stride: stride, seed: UInt64(width))
        func run(_ vectorised: Bool) -> (sums: [Double], squares: [Double]) {
            var sums = (0..<width).map { Double($0) * 0.25 }, squares = (0..<width).map { Double($0) }
            sums.withUnsafeMutableBufferPointer { s in
                squares.withUnsafeMutableBufferPointer { q in
                    ColumnStatistics.accumulateMoments(
                        x, rows: rows, stride: stride, width: width, sums: s.baseAddress!, squares: q.baseAddress!,
                        vectorised: vectorised)
                }
            }
            return (sums, squares)
        }
        let fast = run(true), portable = run(false)
        #expect(fast.sums.map(\.bitPattern) == portable.sums.map(\.bitPattern))
        #expect(fast.squares.map(\.bitPattern) == portable.squares.map(\.bitPattern))
        for k in 0..<width {
            var sum = Double(k) * 0.25, square = Double(k)
            for row in 0..<rows {
                let v = Double(x[row * stride + k])
                sum += v
                square += v * v
            }
            #expect(fast.sums[k] == sum && fast.squares[k] == square, "column \(k)")
        }
    }

    @Test(
        "centring: the AVX-512 and portable paths give the same bits, equal to the definition",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"),
        arguments: [1, 8, 13, 40])
    func centringMatches(columns: Int) {
        let rows = 5
        let x = values(rows: rows, stride: columns, seed: UInt64(100 + columns))
        let means = (0..<columns).map { Double($0) * 1.5 - 3.25 }
        func run(_ vectorised: Bool) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * columns)
            out.withUnsafeMutableBufferPointer { o in
                ColumnStatistics.centreRows(
                    x, rows: rows, columns: columns, means: means, scale: 0.125, into: o.baseAddress!,
                    vectorised: vectorised)
            }
            return out
        }
        let fast = run(true)
        #expect(fast.map(\.bitPattern) == run(false).map(\.bitPattern))
        let expected = (0..<(rows * columns)).map { Float((Double(x[$0]) - means[$0 % columns]) * 0.125) }
        #expect(fast == expected)
    }
}
