import DeepArcTensor

/// Raw-pointer kernels behind ``Conv2D`` and the pooling layers: im2col, col2im, the transposes
/// between the GEMM layout `[channels, samples·positions]` and NCHW, and a parallel loop.
enum ConvolutionKernels {
    // MARK: - Parallel loop

    /// Runs `body(i)` for `i` in `0..<iterations`, spread over the cores when the total work
    /// (`iterations · workPerIteration` elements) is large enough to pay for the dispatch.
    /// Iterations must write disjoint memory.
    @inline(__always)
    static func parallelFor(iterations: Int, workPerIteration: Int, _ body: (Int) -> Void) {
        guard iterations > 0 else { return }
        if iterations == 1 || iterations * workPerIteration < 16_384 {
            for index in 0..<iterations { body(index) }
        } else {
            ParallelLoop.forEach(iterations: iterations, body)
        }
    }

    // MARK: - im2col / col2im

    /// Writes one sample's im2col block: row `(c·k + i)·k + j` holds, for every output position
    /// `(oh, ow)`, the input value at `(c, oh·s − p + i, ow·s − p + j)` or 0 in the padding.
    /// - Parameters:
    ///   - input: the sample, [C, H, W].
    ///   - columns: where this sample's first column of row 0 goes.
    ///   - rowStride: distance between rows of the column matrix (≥ Ho·Wo).
    static func im2col(
        _ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let k = g.kernel, s = g.stride, p = g.padding
        let outW = g.outputWidth, outH = g.outputHeight
        for c in 0..<g.channels {
            let plane = input + c * g.inputPlane
            for i in 0..<k {
                let rows = g.validOutputRows(offset: i)
                for j in 0..<k {
                    let row = (c * k + i) * k + j
                    var destination = columns + row * rowStride
                    let cols = g.validOutputColumns(offset: j)
                    if s == 1, outW == g.width, !rows.isEmpty, !cols.isEmpty {
                        // A "same"-width stride-1 row is the plane shifted by a constant offset:
                        // one contiguous copy, then zeros where the window leaves the input.
                        let first = rows.lowerBound * outW + cols.lowerBound
                        let last = (rows.upperBound - 1) * outW + cols.upperBound
                        destination.update(repeating: 0, count: first)
                        (destination + first).update(
                            from: plane + (rows.lowerBound - p + i) * g.width + (cols.lowerBound - p + j),
                            count: last - first)
                        (destination + last).update(repeating: 0, count: outH * outW - last)
                        zeroBorderColumns(destination, rows: rows, valid: cols, width: outW)
                        continue
                    }
                    for oh in 0..<outH {
                        if !rows.contains(oh) || cols.isEmpty {
                            destination.update(repeating: 0, count: outW)
                        } else {
                            if cols.lowerBound > 0 { destination.update(repeating: 0, count: cols.lowerBound) }
                            let source = plane + (oh * s - p + i) * g.width + (cols.lowerBound * s - p + j)
                            let target = destination + cols.lowerBound
                            if s == 1 {
                                target.update(from: source, count: cols.count)
                            } else {
                                for t in 0..<cols.count { target[t] = source[t * s] }
                            }
                            if cols.upperBound < outW {
                                (destination + cols.upperBound).update(repeating: 0, count: outW - cols.upperBound)
                            }
                        }
                        destination += outW
                    }
                }
            }
        }
    }

    /// Adds one sample's column block back onto its input gradient (the adjoint of ``im2col``).
    /// `inputGradient` ([C, H, W]) is accumulated into, not overwritten.
    /// Sets, for every output row `oh` in `rows`, the columns outside `valid` to zero.
    @inline(__always)
    private static func zeroBorderColumns(
        _ block: UnsafeMutablePointer<Float>, rows: Range<Int>, valid: Range<Int>, width: Int
    ) {
        guard valid.lowerBound > 0 || valid.upperBound < width else { return }
        for oh in rows {
            let line = block + oh * width
            for t in 0..<valid.lowerBound { line[t] = 0 }
            for t in valid.upperBound..<width { line[t] = 0 }
        }
    }

    /// target[t] += source[t] for `count` elements.
    @inline(__always)
    private static func accumulate(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var t = 0
        while t + 16 <= count {
            VectorKernels.store(VectorKernels.load(target + t) + VectorKernels.load(source + t), target + t)
            t += 16
        }
        while t < count {
            target[t] += source[t]
            t += 1
        }
    }

    /// The column block is scratch: entries that fall into the padding may be overwritten with 0.
    static func col2im(
        _ columns: UnsafeMutablePointer<Float>, rowStride: Int, geometry g: ConvolutionGeometry,
        into inputGradient: UnsafeMutablePointer<Float>
    ) {
        let k = g.kernel, s = g.stride, p = g.padding
        let outW = g.outputWidth
        for c in 0..<g.channels {
            let plane = inputGradient + c * g.inputPlane
            for i in 0..<k {
                let rows = g.validOutputRows(offset: i)
                for j in 0..<k {
                    let row = (c * k + i) * k + j
                    let cols = g.validOutputColumns(offset: j)
                    guard !cols.isEmpty, !rows.isEmpty else { continue }
                    let rowStart = columns + row * rowStride
                    if s == 1, outW == g.width {
                        // The adjoint of im2col's shifted copy: clear the padding entries, then one
                        // contiguous add.
                        zeroBorderColumns(rowStart, rows: rows, valid: cols, width: outW)
                        let first = rows.lowerBound * outW + cols.lowerBound
                        let last = (rows.upperBound - 1) * outW + cols.upperBound
                        accumulate(
                            rowStart + first,
                            into: plane + (rows.lowerBound - p + i) * g.width + (cols.lowerBound - p + j),
                            count: last - first)
                        continue
                    }
                    for oh in rows {
                        let source = rowStart + oh * outW + cols.lowerBound
                        let target = plane + (oh * s - p + i) * g.width + (cols.lowerBound * s - p + j)
                        if s == 1 {
                            for t in 0..<cols.count { target[t] += source[t] }
                        } else {
                            for t in 0..<cols.count { target[t * s] += source[t] }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Layout transposes

    /// Copies a `[channels, samples·plane]` GEMM result (row stride `rowStride`) into NCHW samples
    /// `[samples, channels, plane]`, adding `bias[c]` when given. Parallel over samples.
    static func scatter(
        _ matrix: UnsafePointer<Float>, rowStride: Int, samples: Int, channels: Int, plane: Int,
        bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>, parallel: Bool = true
    ) {
        parallelFor(iterations: samples, workPerIteration: parallel ? channels * plane : 0) { n in
            for c in 0..<channels {
                let source = matrix + c * rowStride + n * plane
                let target = output + (n * channels + c) * plane
                if let bias {
                    let b = bias[c]
                    for t in 0..<plane { target[t] = source[t] + b }
                } else {
                    target.update(from: source, count: plane)
                }
            }
        }
    }

    /// The inverse layout change of ``scatter``: NCHW samples into a `[channels, samples·plane]`
    /// matrix with row stride `rowStride`. Parallel over samples.
    static func gather(
        _ input: UnsafePointer<Float>, samples: Int, channels: Int, plane: Int,
        into matrix: UnsafeMutablePointer<Float>, rowStride: Int, parallel: Bool = true
    ) {
        parallelFor(iterations: samples, workPerIteration: parallel ? channels * plane : 0) { n in
            for c in 0..<channels {
                (matrix + c * rowStride + n * plane).update(from: input + (n * channels + c) * plane, count: plane)
            }
        }
    }

    /// Adds `bias[c]` to every element of each `plane` of NCHW `data` ([samples, channels, plane]).
    static func addBias(
        _ bias: UnsafePointer<Float>, samples: Int, channels: Int, plane: Int, to data: UnsafeMutablePointer<Float>
    ) {
        parallelFor(iterations: samples, workPerIteration: channels * plane) { n in
            for c in 0..<channels {
                let target = data + (n * channels + c) * plane
                let b = bias[c]
                for t in 0..<plane { target[t] += b }
            }
        }
    }

    /// Adds, for every channel `c`, the sum over samples and positions of NCHW `data`
    /// ([samples, channels, plane]) to `sums[c]`. Accumulates in `Double`, parallel over channels.
    static func accumulateChannelSums(
        _ data: UnsafePointer<Float>, samples: Int, channels: Int, plane: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        parallelFor(iterations: channels, workPerIteration: samples * plane) { c in
            var total = 0.0
            for n in 0..<samples {
                let source = data + (n * channels + c) * plane
                var partial: Float = 0
                for t in 0..<plane { partial += source[t] }
                total += Double(partial)
            }
            sums[c] += Float(total)
        }
    }
}
