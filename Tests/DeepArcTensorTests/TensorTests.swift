import DeepArcTensor
import Testing

// MARK: - Helpers

/// Whether `a` and `b` agree within `atol + rtol · |b|`.
func isClose(_ a: Float, _ b: Float, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}

/// A tensor of the given shape with normal values drawn from `seed`.
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randomNormal(shape: shape, using: &generator)
}

// MARK: - Construction and shape

@Suite("Tensor construction and shape")
struct TensorShapeTests {
    @Test func initStoresShapeAndValues() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3])
        #expect(t.count == 6)
        #expect(t.rank == 2)
        #expect(t.batchCount == 2)
        #expect(t.itemCount == 3)
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func initRejectsWrongCountAndNegativeDimension() {
        #expect(throws: Tensor.Error.countMismatch(shape: [2, 3], count: 5)) {
            try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5])
        }
        #expect(throws: Tensor.Error.invalidShape([2, -3], reason: "negative dimension -3")) {
            try Tensor(shape: [2, -3], scalars: [])
        }
        #expect(throws: Tensor.Error.self) {
            try Tensor.elementCount(of: [Int.max, 2])
        }
    }

    @Test func scalarAndEmptyTensors() throws {
        let scalar = Tensor(scalar: 2.5)
        #expect(scalar.shape == [])
        #expect(scalar.count == 1)
        #expect(scalar.batchCount == 1)
        #expect(scalar.itemCount == 1)
        let empty = Tensor(zeros: [0, 3])
        #expect(empty.count == 0)
        // Each of the (zero) items still has 3 elements.
        #expect(empty.itemCount == 3)
    }

    @Test func reshapedKeepsValuesAndChecksCount() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let r = try t.reshaped(to: [3, 1, 2])
        #expect(r.shape == [3, 1, 2])
        #expect(r.scalars == t.scalars)
        #expect(throws: Tensor.Error.countMismatch(shape: [4, 2], count: 6)) { try t.reshaped(to: [4, 2]) }
        #expect(throws: Tensor.Error.self) { try t.reshaped(to: [-2, -3]) }
        var m = t
        try m.reshape(to: [6])
        #expect(m.shape == [6])
    }

    @Test func descriptionShowsShapeAndValues() throws {
        let t = try Tensor(shape: [2], scalars: [1, 2])
        #expect(t.description == "Tensor(shape: [2], [1.0, 2.0])")
    }
}

// MARK: - Matrix products

@Suite("Tensor matmul and transpose")
struct TensorMatMulTests {
    /// op(a) · op(b) by the definition: C[i][j] = Σₚ op(a)[i][p] · op(b)[p][j].
    static func naiveProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Float] {
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transposeB ? b.shape[0] : b.shape[1]
        let av = a.scalars
        let bv = b.scalars
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let x = transposeA ? av[p * a.shape[1] + i] : av[i * a.shape[1] + p]
                    let y = transposeB ? bv[j * b.shape[1] + p] : bv[p * b.shape[1] + j]
                    sum += Double(x) * Double(y)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulMatchesTripleLoop(transposeA: Bool, transposeB: Bool) throws {
        let (m, k, n) = (5, 7, 3)
        let a = randomTensor(transposeA ? [k, m] : [m, k], seed: 1)
        let b = randomTensor(transposeB ? [n, k] : [k, n], seed: 2)
        let c = try Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == [m, n])
        let expected = Self.naiveProduct(a, b, transposeA: transposeA, transposeB: transposeB)
        for (got, want) in zip(c.scalars, expected) {
            #expect(isClose(got, want, rtol: 1e-5, atol: 1e-5), "\(got) vs \(want)")
        }
    }

    @Test func matmulByHand() throws {
        let a = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = try Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(try Tensor.matmul(a, b).scalars == [19, 22, 43, 50])
        #expect(try Tensor.matmul(a, b, transposeA: true).scalars == [26, 30, 38, 44])
        #expect(try Tensor.matmul(a, b, transposeB: true).scalars == [17, 23, 39, 53])
    }

    @Test func matmulWithEmptyInnerDimensionIsZero() throws {
        let a = Tensor(zeros: [2, 0])
        let b = Tensor(zeros: [0, 3])
        let c = try Tensor.matmul(a, b)
        #expect(c.shape == [2, 3])
        #expect(c.scalars == [Float](repeating: 0, count: 6))
    }

    @Test func matmulRejectsBadShapes() throws {
        let a = Tensor(zeros: [2, 3])
        let v = Tensor(zeros: [3])
        #expect(throws: Tensor.Error.rankMismatch(operation: "matmul", expected: 2, actual: [3])) {
            try Tensor.matmul(a, v)
        }
        #expect(throws: Tensor.Error.shapeMismatch(operation: "matmul(a, b)", lhs: [2, 3], rhs: [2, 3])) {
            try Tensor.matmul(a, a)
        }
        // aᵀ · a is fine: [3, 2] · [2, 3].
        #expect(try Tensor.matmul(a, a, transposeA: true).shape == [3, 3])
    }

    @Test(arguments: [[1, 1], [3, 5], [40, 33]])
    func transposedSwapsIndices(shape: [Int]) throws {
        let t = randomTensor(shape, seed: 7)
        let u = try t.transposed()
        #expect(u.shape == [shape[1], shape[0]])
        for row in 0..<shape[0] {
            for column in 0..<shape[1] {
                #expect(u.scalars[column * shape[0] + row] == t.scalars[row * shape[1] + column])
            }
        }
        #expect(try u.transposed() == t)
        #expect(throws: Tensor.Error.self) { try Tensor(zeros: [2, 2, 2]).transposed() }
    }
}

// MARK: - Batch slicing and reductions

@Suite("Tensor batch operations")
struct TensorBatchTests {
    let t: Tensor

    init() throws {
        // 4 items of 2 × 1 values: item i holds [10i, 10i + 1].
        t = try Tensor(shape: [4, 2, 1], scalars: [0, 1, 10, 11, 20, 21, 30, 31])
    }

    @Test func sliceTakesConsecutiveItems() throws {
        let s = try t.slice(batch: 1..<3)
        #expect(s.shape == [2, 2, 1])
        #expect(s.scalars == [10, 11, 20, 21])
        #expect(try t.slice(batch: 4..<4).shape == [0, 2, 1])
        #expect(throws: Tensor.Error.self) { try t.slice(batch: 2..<5) }
        #expect(throws: Tensor.Error.self) { try Tensor(scalar: 1).slice(batch: 0..<1) }
    }

    @Test func gatherPicksItemsInOrder() throws {
        let g = try t.gather(batch: [3, 0, 3])
        #expect(g.shape == [3, 2, 1])
        #expect(g.scalars == [30, 31, 0, 1, 30, 31])
        #expect(try t.gather(batch: []).shape == [0, 2, 1])
        #expect(throws: Tensor.Error.outOfRange(operation: "gather(batch:)", index: 4, bound: 4)) {
            try t.gather(batch: [0, 4])
        }
        #expect(throws: Tensor.Error.self) { try t.gather(batch: [-1]) }
    }

    @Test func concatenateJoinsAlongBatch() throws {
        let a = try Tensor(shape: [1, 2], scalars: [1, 2])
        let b = try Tensor(shape: [2, 2], scalars: [3, 4, 5, 6])
        let c = try Tensor.concatenate(batches: [a, b, Tensor(zeros: [0, 2])])
        #expect(c.shape == [3, 2])
        #expect(c.scalars == [1, 2, 3, 4, 5, 6])
        #expect(throws: Tensor.Error.self) { try Tensor.concatenate(batches: []) }
        #expect(throws: Tensor.Error.self) { try Tensor.concatenate(batches: [a, Tensor(zeros: [1, 3])]) }
        #expect(throws: Tensor.Error.self) { try Tensor.concatenate(batches: [a, Tensor(zeros: [2])]) }
    }

    @Test func argmaxRowsFindsFirstLargest() throws {
        let scores = try Tensor(shape: [4, 3], scalars: [1, 5, 2, 7, 7, 0, -3, -1, -2, 0, 0, 0])
        #expect(scores.argmaxRows() == [1, 0, 1, 0])
        let single = try Tensor(shape: [2, 1], scalars: [4, -4])
        #expect(single.argmaxRows() == [0, 0])
        // Rows of an NCHW tensor are whole items.
        let images = try Tensor(shape: [2, 1, 2, 2], scalars: [0, 0, 0, 9, 8, 0, 0, 0])
        #expect(images.argmaxRows() == [3, 0])
        #expect(Tensor(zeros: [0, 4]).argmaxRows() == [])
    }

    @Test func reductionsByHand() throws {
        let v = try Tensor(shape: [4], scalars: [1, -2, 3, 4])
        #expect(v.sum() == 6)
        #expect(v.mean() == 1.5)
        #expect(v.squaredNorm() == 30)
        #expect(v.isFinite)
        #expect(!(try Tensor(shape: [2], scalars: [1, .infinity])).isFinite)
        #expect(Tensor(zeros: [0]).mean().isNaN)
    }

    @Test func elementwiseArithmetic() throws {
        let a = try Tensor(shape: [3], scalars: [1, 2, 3])
        let b = try Tensor(shape: [3], scalars: [4, 5, 6])
        #expect(try (a + b).scalars == [5, 7, 9])
        #expect(try (a - b).scalars == [-3, -3, -3])
        #expect(try (a * b).scalars == [4, 10, 18])
        #expect((a * 2).scalars == [2, 4, 6])
        var c = a
        try c.add(b, scaledBy: -2)
        #expect(c.scalars == [-7, -8, -9])
        c.scale(by: -1)
        #expect(c.scalars == [7, 8, 9])
        #expect(try a.maxAbsoluteDifference(to: b) == 3)
        #expect(throws: Tensor.Error.self) { try a + Tensor(zeros: [2]) }
    }
}

// MARK: - Random numbers

@Suite("SeededGenerator")
struct SeededGeneratorTests {
    @Test func sameSeedSameBits() {
        var a = SeededGenerator(seed: 1234)
        var b = SeededGenerator(seed: 1234)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        #expect(a == b)
        var c = SeededGenerator(seed: 1235)
        #expect((0..<4).map { _ in a.next() } != (0..<4).map { _ in c.next() })
    }

    /// Reference outputs of xoshiro256** seeded with four SplitMix64 outputs, from an independent
    /// Python transcription of the published algorithms (SplitMix64 seed 0 gives 0xE220A8397B1DCDAF
    /// first, the well-known value).
    @Test(arguments: [
        (
            UInt64(0),
            [UInt64(0x99EC_5F36_CB75_F2B4), 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C]
        ),
        (
            UInt64(42),
            [UInt64(0x1578_0B2E_0C2E_C716), 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1]
        ),
    ])
    func matchesReferenceSequence(seed: UInt64, expected: [UInt64]) {
        var generator = SeededGenerator(seed: seed)
        #expect((0..<4).map { _ in generator.next() } == expected)
    }

    @Test func uniformMomentsAndRange() {
        var generator = SeededGenerator(seed: 9)
        let n = 20_000
        var sum = 0.0
        var sumOfSquares = 0.0
        for _ in 0..<n {
            let u = generator.nextUniform()
            #expect(u >= 0 && u < 1)
            sum += Double(u)
            sumOfSquares += Double(u) * Double(u)
        }
        let mean = sum / Double(n)
        let variance = sumOfSquares / Double(n) - mean * mean
        // Standard error of the mean is sqrt(1/12 / n) ≈ 0.002.
        #expect(abs(mean - 0.5) < 0.01)
        #expect(abs(variance - 1.0 / 12) < 0.005)
    }

    @Test func normalMoments() {
        var generator = SeededGenerator(seed: 10)
        let n = 20_000
        var sum = 0.0
        var sumOfSquares = 0.0
        var allFinite = true
        for _ in 0..<n {
            let z = Double(generator.nextNormal())
            allFinite = allFinite && z.isFinite
            sum += z
            sumOfSquares += z * z
        }
        let mean = sum / Double(n)
        let variance = sumOfSquares / Double(n) - mean * mean
        // Standard errors: mean ≈ 0.007, variance ≈ 0.01.
        #expect(allFinite)
        #expect(abs(mean) < 0.035)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test func randomTensorsHaveRequestedParameters() {
        var generator = SeededGenerator(seed: 11)
        let t = Tensor.randomNormal(shape: [100, 100], mean: 3, standardDeviation: 2, using: &generator)
        #expect(abs(t.mean() - 3) < 0.1)
        let u = Tensor.randomUniform(shape: [1000], in: -2...(-1), using: &generator)
        #expect(u.scalars.allSatisfy { $0 >= -2 && $0 <= -1 })
    }

    @Test func forkIsDeterministicAndIndependent() {
        var a = SeededGenerator(seed: 5)
        var b = SeededGenerator(seed: 5)
        var forkA = a.fork()
        var forkB = b.fork()
        #expect(forkA.next() == forkB.next())
        #expect(a == b)
        #expect(forkA != a)
    }

    @Test func seededShuffleIsAReproduciblePermutation() {
        let original = Array(0..<50)
        var generator = SeededGenerator(seed: 3)
        var shuffled = original
        shuffled.seededShuffle(using: &generator)
        #expect(shuffled.sorted() == original)
        #expect(shuffled != original)  // probability 1/50! of a false failure
        var again = original
        var sameSeed = SeededGenerator(seed: 3)
        again.seededShuffle(using: &sameSeed)
        #expect(again == shuffled)
        var one = [7]
        one.seededShuffle(using: &generator)
        #expect(one == [7])
    }
}
