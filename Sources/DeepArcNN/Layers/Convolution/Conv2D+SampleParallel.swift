import DeepArcTensor
import Foundation
import Synchronization

// MARK: - Sample-parallel kernels

/// The sample-parallel path of ``Conv2D``: each core takes a few samples at a time, builds their
/// im2col block in a cache-sized private buffer and multiplies it with single-threaded BLAS, so the
/// columns never leave the core's cache and no core waits for another inside a GEMM. Used when the
/// weight is small (it is read by every task); large weights keep the batch-chunked GEMM path.
extension Conv2D {
    /// Shared task counter for one parallel call.
    private final class TaskCounter: Sendable {
        let next = Atomic<Int>(0)
    }

    /// How many samples one task takes: as many as fit ``taskScratchElements`` and
    /// ``maximumScratchElements`` (at least one).
    func samplesPerTask(batch: Int, g: ConvolutionGeometry) -> Int {
        let perSample = (g.columnRows + outChannels) * g.outputPlane
        let fit = max(1, min(maximumScratchElements, taskScratchElements) / max(perSample, 1))
        let addressable = max(1, Int(Int32.max) / max(g.outputPlane, 1))
        return min(fit, addressable, batch)
    }

    /// Runs `body(worker, taskRange)` for every task of `samples` samples, with one private scratch
    /// buffer of `scratchCount` floats per worker, spread over the cores; BLAS is single-threaded
    /// meanwhile. `body` receives the worker index, its scratch buffer and the sample range.
    func forEachTask(
        batch: Int, samples: Int, workers: Int, scratchCount: Int,
        _ body: (Int, UnsafeMutablePointer<Float>, Range<Int>) -> Void
    ) {
        let tasks = (batch + samples - 1) / samples
        let counter = TaskCounter()
        BLAS.withSingleThreadedCalls {
            ConvolutionKernels.parallelFor(iterations: workers, workPerIteration: 1 << 20) { worker in
                ConvolutionScratchPool.shared.withBuffer(count: scratchCount) { scratch in
                    while true {
                        let task = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard task < tasks else { return }
                        let start = task * samples
                        body(worker, scratch, start..<min(batch, start + samples))
                    }
                }
            }
        }
    }

    /// The number of workers for `tasks` tasks.
    static func workerCount(tasks: Int) -> Int {
        max(1, min(tasks, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Forward on the sample-parallel path (see the extension's documentation).
    func sampleParallelForward(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
        batch: Int, g: ConvolutionGeometry, pointwise: Bool, epilogue: ChannelEpilogue?
    ) {
        let plane = g.outputPlane
        let rows = g.columnRows
        let outChannels = self.outChannels
        let samples = pointwise ? 1 : samplesPerTask(batch: batch, g: g)
        let tasks = (batch + samples - 1) / samples
        let columnsCount = rows * samples * plane
        forEachTask(
            batch: batch, samples: samples, workers: Self.workerCount(tasks: tasks),
            scratchCount: columnsCount + outChannels * samples * plane
        ) { _, scratch, range in
            let count = range.count
            let width = count * plane
            let outputStart = y + range.lowerBound * outChannels * plane
            let columns: UnsafePointer<Float>
            if pointwise {
                columns = x + range.lowerBound * g.inputSample
            } else {
                for j in 0..<count {
                    ConvolutionKernels.im2col(
                        x + (range.lowerBound + j) * g.inputSample, geometry: g, into: scratch + j * plane,
                        rowStride: width)
                }
                columns = UnsafePointer(scratch)
            }
            if count == 1 {
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: outChannels, n: width, k: rows,
                    a: w, lda: rows, b: columns, ldb: width, c: outputStart, ldc: width)
                if let b {
                    ConvolutionKernels.addBias(b, samples: 1, channels: outChannels, plane: plane, to: outputStart)
                }
            } else {
                let product = scratch + columnsCount
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: outChannels, n: width, k: rows,
                    a: w, lda: rows, b: columns, ldb: width, c: product, ldc: width)
                ConvolutionKernels.scatter(
                    product, rowStride: width, samples: count, channels: outChannels, plane: plane, bias: b,
                    into: outputStart, parallel: false)
            }
            epilogue?.apply(to: outputStart, samples: count, channels: outChannels, plane: plane)
        }
    }

    /// Backward on the sample-parallel path: each worker accumulates its own weight gradient, and
    /// the workers' sums are added into `dw` at the end. `dx` (when non-nil) need not be zeroed.
    func sampleParallelBackward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?, batch: Int, g: ConvolutionGeometry,
        pointwise: Bool
    ) {
        let plane = g.outputPlane
        let rows = g.columnRows
        let outChannels = self.outChannels
        let samples = pointwise ? 1 : samplesPerTask(batch: batch, g: g)
        let tasks = (batch + samples - 1) / samples
        let workers = Self.workerCount(tasks: tasks)
        let weightCount = outChannels * rows
        // Stride-1 "same" convolutions get dx as a forward convolution of dY with the flipped,
        // transposed kernel (im2col of dY + one GEMM, no zero-fill, no col2im).
        let k = g.kernel
        let transposed: ConvolutionGeometry? =
            dx != nil && !pointwise && g.stride == 1 && g.outputHeight == g.height && g.outputWidth == g.width
            ? ConvolutionGeometry(
                channels: outChannels, height: g.outputHeight, width: g.outputWidth, kernel: k, stride: 1,
                padding: g.padding)
            : nil
        let transposedRows = outChannels * k * k
        let columnsCount = max(rows, transposed == nil ? 0 : transposedRows) * samples * plane
        let gradientCount = max(outChannels, transposed == nil ? 0 : inChannels) * samples * plane
        let flipped = UnsafeMutablePointer<Float>.allocate(capacity: transposed == nil ? 1 : inChannels * transposedRows)
        defer { flipped.deallocate() }
        if transposed != nil {
            // flipped[c, (o, k−1−i, k−1−j)] = w[o, c, i, j]
            let area = k * k
            for o in 0..<outChannels {
                for c in 0..<inChannels {
                    let source = w + (o * inChannels + c) * area
                    let target = flipped + c * transposedRows + o * area
                    for t in 0..<area { target[area - 1 - t] = source[t] }
                }
            }
        }

        // One weight-gradient accumulator per worker.
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: dw == nil ? 1 : workers * weightCount)
        defer { partials.deallocate() }
        if dw != nil { partials.initialize(repeating: 0, count: workers * weightCount) }

        forEachTask(
            batch: batch, samples: samples, workers: workers, scratchCount: columnsCount + gradientCount
        ) { worker, scratch, range in
            let count = range.count
            let width = count * plane
            let first = range.lowerBound
            let dyMatrix: UnsafePointer<Float>
            if count == 1 {
                dyMatrix = dy + first * outChannels * plane
            } else {
                ConvolutionKernels.gather(
                    dy + first * outChannels * plane, samples: count, channels: outChannels, plane: plane,
                    into: scratch + columnsCount, rowStride: width, parallel: false)
                dyMatrix = UnsafePointer(scratch + columnsCount)
            }
            if dw != nil {
                let columns: UnsafePointer<Float>
                if pointwise {
                    columns = x + first * g.inputSample
                } else {
                    for j in 0..<count {
                        ConvolutionKernels.im2col(
                            x + (first + j) * g.inputSample, geometry: g, into: scratch + j * plane, rowStride: width)
                    }
                    columns = UnsafePointer(scratch)
                }
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: outChannels, n: rows, k: width,
                    a: dyMatrix, lda: width, b: columns, ldb: width, beta: 1, c: partials + worker * weightCount,
                    ldc: rows)
            }
            if let dx {
                let target = dx + first * g.inputSample
                if let transposed {
                    for j in 0..<count {
                        ConvolutionKernels.im2col(
                            dy + (first + j) * outChannels * plane, geometry: transposed, into: scratch + j * plane,
                            rowStride: width)
                    }
                    let product = count == 1 ? target : scratch + columnsCount
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: inChannels, n: width, k: transposedRows,
                        a: flipped, lda: transposedRows, b: scratch, ldb: width, c: product, ldc: width)
                    if count > 1 {
                        ConvolutionKernels.scatter(
                            product, rowStride: width, samples: count, channels: inChannels, plane: plane, bias: nil,
                            into: target, parallel: false)
                    }
                } else if pointwise {
                    // dx[n][C, HW] = Wᵀ[C, out] × dY[n][out, HW], written in place.
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: rows, n: width, k: outChannels,
                        a: w, lda: rows, b: dyMatrix, ldb: width, c: target, ldc: width)
                } else {
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: rows, n: width, k: outChannels,
                        a: w, lda: rows, b: dyMatrix, ldb: width, c: scratch, ldc: width)
                    target.update(repeating: 0, count: count * g.inputSample)
                    for j in 0..<count {
                        ConvolutionKernels.col2im(
                            scratch + j * plane, rowStride: width, geometry: g, into: target + j * g.inputSample)
                    }
                }
            }
        }
        if let dw {
            for worker in 0..<workers {
                BLAS.saxpy(count: weightCount, alpha: 1, x: partials + worker * weightCount, y: dw)
            }
        }
    }
}
