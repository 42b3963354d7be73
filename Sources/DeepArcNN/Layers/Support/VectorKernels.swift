
/// SIMD, multi-threaded kernels for the memory-bound layers (ReLU, the residual sum, batch
/// normalisation). They work on raw pointers in `SIMD16<Float>` steps with a scalar tail.
enum VectorKernels {
    /// The SIMD width the kernels step by.
    typealias Vector = SIMD16<Float>

    // MARK: - Loads and stores

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    // MARK: - Parallel ranges

    /// Elements below which an elementwise pass stays on the calling thread.
    static let parallelThreshold = 1 << 15

    /// Splits `0..<count` into a few contiguous ranges (multiples of 64 elements) and runs `body`
    /// on each, on several threads when `count` is large enough. Ranges must write disjoint memory.
    @inline(__always)
    static func forEachRange(count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        if count < parallelThreshold {
            body(0..<count)
            return
        }
        let pieces = 4
        let step = ((count + pieces - 1) / pieces + 63) & ~63
        ConvolutionKernels.parallelFor(iterations: (count + step - 1) / step, workPerIteration: step) { piece in
            let start = piece * step
            body(start..<min(count, start + step))
        }
    }

    // MARK: - ReLU

    /// y = max(x, 0) (NaN stays NaN) over `count` elements; `y` may equal `x`.
    static func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { range in
            var index = range.lowerBound
            while index + 16 <= range.upperBound {
                let v = load(x + index)
                store(v.replacing(with: 0, where: v .< 0), y + index)
                index += 16
            }
            while index < range.upperBound {
                let v = x[index]
                y[index] = v < 0 ? 0 : v
                index += 1
            }
        }
    }

    /// dx = g where y > 0, else 0 (also for NaN y); `dx` may equal `g`.
    static func reluBackward(
        _ g: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { range in
            var index = range.lowerBound
            while index + 16 <= range.upperBound {
                let v = load(g + index)
                store(v.replacing(with: 0, where: .!(load(y + index) .> 0)), dx + index)
                index += 16
            }
            while index < range.upperBound {
                dx[index] = y[index] > 0 ? g[index] : 0
                index += 1
            }
        }
    }

    /// y = max(a + b, 0) (or a + b when `activate` is false); `y` may equal `a`.
    static func add(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
        relu activate: Bool
    ) {
        forEachRange(count: count) { range in
            var index = range.lowerBound
            while index + 16 <= range.upperBound {
                var v = load(a + index) + load(b + index)
                if activate { v.replace(with: 0, where: v .< 0) }
                store(v, y + index)
                index += 16
            }
            while index < range.upperBound {
                let v = a[index] + b[index]
                y[index] = activate && v < 0 ? 0 : v
                index += 1
            }
        }
    }

    // MARK: - Span reductions (batch normalisation)

    /// Σ x over `count` elements, summed in `Float` lanes.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = Vector()
        var index = 0
        while index + 16 <= count {
            accumulator += load(x + index)
            index += 16
        }
        var total = accumulator.sum()
        while index < count {
            total += x[index]
            index += 1
        }
        return total
    }

    /// Σ (x − mean)² over `count` elements.
    @inline(__always)
    static func squaredDeviationSum(_ x: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var accumulator = Vector()
        let m = Vector(repeating: mean)
        var index = 0
        while index + 16 <= count {
            let d = load(x + index) - m
            accumulator += d * d  // no FMA in the baseline x86-64 target: addProduct calls fmaf
            index += 16
        }
        var total = accumulator.sum()
        while index < count {
            let d = x[index] - mean
            total += d * d
            index += 1
        }
        return total
    }

    /// (Σ g, Σ g·(x − mean)) over `count` elements.
    @inline(__always)
    static func gradientSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float
    ) -> (Float, Float) {
        var sumG = Vector()
        var sumGX = Vector()
        let m = Vector(repeating: mean)
        var index = 0
        while index + 16 <= count {
            let gv = load(g + index)
            sumG += gv
            sumGX += gv * (load(x + index) - m)
            index += 16
        }
        var totalG = sumG.sum()
        var totalGX = sumGX.sum()
        while index < count {
            totalG += g[index]
            totalGX += g[index] * (x[index] - mean)
            index += 1
        }
        return (totalG, totalGX)
    }

    /// y = a·x + b over `count` elements, then max(·, 0) when `activate` is set.
    @inline(__always)
    static func affine(
        _ x: UnsafePointer<Float>, scale a: Float, shift b: Float, into y: UnsafeMutablePointer<Float>, count: Int,
        relu activate: Bool = false
    ) {
        let av = Vector(repeating: a)
        let bv = Vector(repeating: b)
        var index = 0
        while index + 16 <= count {
            var v = load(x + index) * av + bv
            if activate { v.replace(with: 0, where: v .< 0) }
            store(v, y + index)
            index += 16
        }
        while index < count {
            let v = x[index] * a + b
            y[index] = activate && v < 0 ? 0 : v
            index += 1
        }
    }

    /// dx = a·g + c·x + d over `count` elements.
    @inline(__always)
    static func affine2(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, a: Float, c: Float, d: Float,
        into dx: UnsafeMutablePointer<Float>, count: Int
    ) {
        let av = Vector(repeating: a)
        let cv = Vector(repeating: c)
        let dv = Vector(repeating: d)
        var index = 0
        while index + 16 <= count {
            store(load(g + index) * av + load(x + index) * cv + dv, dx + index)
            index += 16
        }
        while index < count {
            dx[index] = a * g[index] + c * x[index] + d
            index += 1
        }
    }
}

// MARK: - Per-channel epilogue

/// A per-channel affine map y = scales[c]·x + shifts[c], optionally followed by a ReLU, applied to
/// a convolution's output while it is still in cache (inference-mode batch normalisation folded
/// into the preceding convolution).
struct ChannelEpilogue {
    var scales: [Float]
    var shifts: [Float]
    var relu: Bool

    /// Applies the map in place to `samples` NCHW samples of `channels` planes of `plane` values.
    func apply(to data: UnsafeMutablePointer<Float>, samples: Int, channels: Int, plane: Int) {
        scales.withUnsafeBufferPointer { a in
            shifts.withUnsafeBufferPointer { b in
                for n in 0..<samples {
                    for c in 0..<channels {
                        let target = data + (n * channels + c) * plane
                        VectorKernels.affine(
                            UnsafePointer(target), scale: a[c], shift: b[c], into: target, count: plane, relu: relu)
                    }
                }
            }
        }
    }
}
