import DeepArcNN
import DeepArcTensor
import Testing

/// A 1×1×4×4 image used by the hand-computed cases:
///
///     1 3 2 0
///     4 2 1 5
///     0 1 7 7
///     6 2 7 3
private func handImage() throws -> Tensor {
    try Tensor(shape: [1, 1, 4, 4], scalars: [1, 3, 2, 0, 4, 2, 1, 5, 0, 1, 7, 7, 6, 2, 7, 3])
}

private func expectCase(
    _ error: NNError?, layer expectedLayer: String, _ extract: (NNError) -> String?, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error, let layer = extract(error) else {
        Issue.record("expected \(what), got \(String(describing: error))", sourceLocation: sourceLocation)
        return
    }
    #expect(layer == expectedLayer, sourceLocation: sourceLocation)
}

private func shapeMismatchLayer(_ error: NNError) -> String? {
    if case .shapeMismatch(let layer, _, _) = error { return layer }
    return nil
}

private func invalidConfigurationLayer(_ error: NNError) -> String? {
    if case .invalidConfiguration(let layer, _) = error { return layer }
    return nil
}

@Suite("Pooling")
struct PoolingTests {
    // MARK: - MaxPool2D

    @Test("max pool 2×2 stride 2: hand-computed forward and backward, first maximum on ties")
    func maxPoolHand() throws {
        let pool = try MaxPool2D(size: 2, stride: 2)
        let output = try pool.forward(try handImage(), mode: .training)
        #expect(output.shape == [1, 1, 2, 2])
        #expect(output.scalars == [4, 5, 6, 7])
        let gradient = try pool.backward(
            try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]), needsInputGradient: true)
        // Maxima at (1,0), (1,3), (3,0) and, among the three 7s of the last window, the first: (2,2).
        var expected = [Float](repeating: 0, count: 16)
        expected[4] = 1
        expected[7] = 2
        expected[12] = 3
        expected[10] = 4
        #expect(gradient?.shape == [1, 1, 4, 4])
        #expect(gradient?.scalars == expected)
    }

    @Test("max pool with overlapping windows adds the gradients that share a maximum")
    func maxPoolOverlap() throws {
        let pool = try MaxPool2D(size: 3, stride: 1)
        let output = try pool.forward(try handImage(), mode: .training)
        #expect(output.scalars == [7, 7, 7, 7])
        let gradient = try pool.backward(
            try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]), needsInputGradient: true)
        var expected = [Float](repeating: 0, count: 16)
        expected[10] = 10  // the first 7, at (2,2), is every window's maximum
        #expect(gradient?.scalars == expected)
    }

    @Test("max pool drops rows and columns no window reaches")
    func maxPoolFloor() throws {
        let pool = try MaxPool2D(size: 2, stride: 2)
        let input = try Tensor(shape: [1, 1, 5, 5], scalars: (0..<25).map(Float.init))
        let output = try pool.forward(input, mode: .inference)
        #expect(output.shape == [1, 1, 2, 2])
        #expect(output.scalars == [6, 8, 16, 18])
        #expect(try pool.outputShape(for: [3, 2, 5, 5]) == [3, 2, 2, 2])
    }

    @Test("max pool propagates NaN")
    func maxPoolNaN() throws {
        let pool = try MaxPool2D(size: 2, stride: 2)
        let input = try Tensor(shape: [1, 1, 2, 2], scalars: [1, .nan, 5, 2])
        #expect(try pool.forward(input, mode: .inference).scalars.first?.isNaN == true)
    }

    @Test(
        "max pool backward agrees with finite differences",
        arguments: [(2, 2, 6, 6), (3, 2, 7, 5), (2, 1, 4, 5)])
    func maxPoolGradient(_ config: (Int, Int, Int, Int)) throws {
        let pool = try MaxPool2D(size: config.0, stride: config.1)
        // Distinct values 0.01 apart in random order: no window has a near-tie that a step of 1e-3
        // could flip.
        let shape = [2, 3, config.2, config.3]
        var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.01 - 1 }
        var generator = SeededGenerator(seed: 51)
        values.seededShuffle(using: &generator)
        let input = try Tensor(shape: shape, scalars: values)
        for comparison in try ConvTestSupport.gradientCheck(pool, input: input, step: 1e-3) {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    @Test(
        "max pool 2×2 stride 2 (the vectorised kernel) equals a window-by-window reference, ties and NaNs included",
        arguments: [(2, 2), (3, 5), (4, 8), (5, 9), (6, 11), (7, 16), (9, 19)])
    func maxPoolMatchesReference(_ size: (height: Int, width: Int)) throws {
        let pool = try MaxPool2D(size: 2, stride: 2)
        let shape = [2, 3, size.height, size.width]
        // Few distinct values (many ties) and some NaNs.
        var generator = SeededGenerator(seed: UInt64(size.height * 100 + size.width))
        let values: [Float] = (0..<shape.reduce(1, *)).map { _ in
            let draw = Int.random(in: 0..<20, using: &generator)
            return draw == 0 ? .nan : Float(draw % 5)
        }
        let input = try Tensor(shape: shape, scalars: values)
        let output = try pool.forward(input, mode: .training)
        let dy = ConvTestSupport.random(output.shape, seed: 3)
        let dx = try #require(try pool.backward(dy, needsInputGradient: true))

        // Reference: windows in row-major order, the first strictly greater value wins, a NaN
        // replaces a number and then stays; the gradient goes to the winner.
        let outH = size.height / 2, outW = size.width / 2
        var expected: [Float] = []
        var expectedGradient = [Float](repeating: 0, count: values.count)
        let dyValues = dy.scalars
        for plane in 0..<(shape[0] * shape[1]) {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var best = Float.zero, bestIndex = -1
                    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let index = plane * size.height * size.width + (2 * oh + i) * size.width + 2 * ow + j
                        let value = values[index]
                        if bestIndex < 0 || value > best || (value.isNaN && !best.isNaN) {
                            best = value
                            bestIndex = index
                        }
                    }
                    expected.append(best)
                    expectedGradient[bestIndex] += dyValues[(plane * outH + oh) * outW + ow]
                }
            }
        }
        #expect(output.shape == [2, 3, outH, outW])
        let same = zip(output.scalars, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        #expect(same, "forward differs from the reference")
        #expect(dx.scalars == expectedGradient, "the gradient went to another window position")
    }

    @Test("max pool: inference caches nothing; backward uses the last training forward")
    func maxPoolCache() throws {
        let pool = try MaxPool2D(size: 2, stride: 2)
        let dy = try Tensor(shape: [1, 1, 1, 1], scalars: [1])
        #expect(throws: NNError.backwardWithoutForward(layer: "maxPool")) {
            _ = try pool.backward(dy, needsInputGradient: true)
        }
        let first = try Tensor(shape: [1, 1, 2, 2], scalars: [9, 0, 0, 0])
        let second = try Tensor(shape: [1, 1, 2, 2], scalars: [0, 0, 0, 9])
        _ = try pool.forward(second, mode: .inference)
        #expect(throws: NNError.backwardWithoutForward(layer: "maxPool")) {
            _ = try pool.backward(dy, needsInputGradient: true)
        }
        _ = try pool.forward(first, mode: .training)
        _ = try pool.forward(second, mode: .inference)
        #expect(try pool.backward(dy, needsInputGradient: true)?.scalars == [1, 0, 0, 0])
        #expect(try pool.backward(dy, needsInputGradient: false) == nil)
    }

    // MARK: - AvgPool2D

    @Test("average pool 2×2 stride 2: hand-computed forward and backward")
    func avgPoolHand() throws {
        let pool = try AvgPool2D(size: 2, stride: 2)
        let output = try pool.forward(try handImage(), mode: .training)
        #expect(output.shape == [1, 1, 2, 2])
        #expect(output.scalars == [2.5, 2, 2.25, 6])
        let gradient = try pool.backward(
            try Tensor(shape: [1, 1, 2, 2], scalars: [4, 8, 12, 16]), needsInputGradient: true)
        #expect(gradient?.scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(try pool.backward(output, needsInputGradient: false) == nil)
    }

    @Test(
        "average pool backward agrees with finite differences",
        arguments: [(2, 2, 6, 6), (3, 2, 7, 5), (2, 1, 4, 5)])
    func avgPoolGradient(_ config: (Int, Int, Int, Int)) throws {
        let pool = try AvgPool2D(size: config.0, stride: config.1)
        let input = ConvTestSupport.random([2, 3, config.2, config.3], seed: 52)
        for comparison in try ConvTestSupport.gradientCheck(pool, input: input) {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    // MARK: - GlobalAvgPool

    @Test("global average pool: hand-computed forward and backward")
    func globalAvgPoolHand() throws {
        let pool = GlobalAvgPool()
        let input = try Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, -1, 0, 5, 0])
        let output = try pool.forward(input, mode: .training)
        #expect(output.shape == [1, 2])
        #expect(output.scalars == [2.5, 1])
        let gradient = try pool.backward(try Tensor(shape: [1, 2], scalars: [4, 8]), needsInputGradient: true)
        #expect(gradient?.shape == [1, 2, 2, 2])
        #expect(gradient?.scalars == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(try pool.backward(output, needsInputGradient: false) == nil)
    }

    @Test("global average pool backward agrees with finite differences")
    func globalAvgPoolGradient() throws {
        let input = ConvTestSupport.random([2, 3, 4, 5], seed: 53)
        for comparison in try ConvTestSupport.gradientCheck(GlobalAvgPool(), input: input) {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    // MARK: - Common

    @Test("specs, parameters and output shapes")
    func specs() throws {
        let maxPool = try MaxPool2D(size: 3, stride: 2)
        let avgPool = try AvgPool2D(size: 2, stride: 1)
        let global = GlobalAvgPool()
        #expect(maxPool.spec == .maxPool(size: 3, stride: 2))
        #expect(avgPool.spec == .avgPool(size: 2, stride: 1))
        #expect(global.spec == .globalAvgPool)
        #expect(maxPool.namedParameters.isEmpty && avgPool.namedParameters.isEmpty && global.namedParameters.isEmpty)
        #expect(try maxPool.outputShape(for: [4, 5, 7, 8]) == [4, 5, 3, 3])
        #expect(try avgPool.outputShape(for: [4, 5, 7, 8]) == [4, 5, 6, 7])
        #expect(try global.outputShape(for: [4, 5, 7, 8]) == [4, 5])
    }

    @Test("invalid window configurations throw invalidConfiguration", arguments: [(0, 1), (2, 0), (-1, 1), (2, -2)])
    func invalidConfiguration(_ config: (Int, Int)) {
        let maxError = #expect(throws: NNError.self) { _ = try MaxPool2D(size: config.0, stride: config.1) }
        expectCase(maxError, layer: "maxPool", invalidConfigurationLayer, "invalidConfiguration")
        let avgError = #expect(throws: NNError.self) { _ = try AvgPool2D(size: config.0, stride: config.1) }
        expectCase(avgError, layer: "avgPool", invalidConfigurationLayer, "invalidConfiguration")
    }

    @Test(
        "inputs that do not fit throw shapeMismatch",
        arguments: [[3, 4, 4], [2, 3, 1, 4], [2, 3, 4, 0], [2, 0, 4, 4]])
    func badInputs(_ shape: [Int]) throws {
        let input = Tensor(zeros: shape)
        let maxError = #expect(throws: NNError.self) {
            _ = try MaxPool2D(size: 2, stride: 2).forward(input, mode: .training)
        }
        expectCase(maxError, layer: "maxPool", shapeMismatchLayer, "shapeMismatch")
        let avgError = #expect(throws: NNError.self) {
            _ = try AvgPool2D(size: 2, stride: 2).forward(input, mode: .training)
        }
        expectCase(avgError, layer: "avgPool", shapeMismatchLayer, "shapeMismatch")
        if shape != [2, 3, 1, 4] {  // a 1-row image is fine for the global pool
            let globalError = #expect(throws: NNError.self) { _ = try GlobalAvgPool().forward(input, mode: .training) }
            expectCase(globalError, layer: "globalAvgPool", shapeMismatchLayer, "shapeMismatch")
        }
    }

    @Test("backward checks the cache and the gradient shape")
    func backwardErrors() throws {
        let layers: [(any Layer, String, [Int])] = [
            (try MaxPool2D(size: 2, stride: 2), "maxPool", [2, 3, 2, 2]),
            (try AvgPool2D(size: 2, stride: 2), "avgPool", [2, 3, 2, 2]),
            (GlobalAvgPool(), "globalAvgPool", [2, 3]),
        ]
        for (layer, name, outputShape) in layers {
            #expect(throws: NNError.backwardWithoutForward(layer: name)) {
                _ = try layer.backward(Tensor(zeros: outputShape), needsInputGradient: true)
            }
            let output = try layer.forward(ConvTestSupport.random([2, 3, 4, 4], seed: 9), mode: .training)
            #expect(output.shape == outputShape)
            let error = #expect(throws: NNError.self) {
                _ = try layer.backward(Tensor(zeros: [2, 3, 1, 1]), needsInputGradient: true)
            }
            expectCase(error, layer: name, shapeMismatchLayer, "shapeMismatch")
        }
    }
}
