import DeepArcTensor

// MARK: - Winograd F(2×2, 3×3) path

/// The Winograd path of ``Conv2D`` for 3×3, stride-1, padding-1 ("same") convolutions
/// (Lavin & Gray 2016; the transforms are in ``WinogradTransforms``).
///
/// The filters are transformed once per call into `U[ξ]` (16 matrices `outChannels × inChannels`).
/// Each core then repeatedly takes a task of a few samples, transforms their input tiles into
/// `V[ξ]` (`inChannels × tiles`) in a private scratch buffer and runs 16 single-threaded GEMMs in
/// the transformed domain:
/// - forward: `M[ξ] = U[ξ]·V[ξ]`, then `Y = Aᵀ·M·A` per 2×2 output tile (plus bias and epilogue);
/// - input gradient: `dM = A·dY·Aᵀ`, `dV[ξ] = U[ξ]ᵀ·dM[ξ]`, `dX = Σ B·dV·Bᵀ` over the overlapping tiles;
/// - weight gradient: `dU[ξ] += dM[ξ]·V[ξ]ᵀ` into a per-worker accumulator, summed at the end and
///   mapped back with `dW += Gᵀ·dU·G`.
/// These are the exact gradients of the (linear) forward computation, so they match the im2col
/// path to float rounding. The 16 products cost `16·Cout·Cin` multiply-adds per 2×2 tile instead
/// of `36·Cout·Cin`.
extension Conv2D {
    /// How many samples one Winograd task takes: enough for ``winogradMinimumTaskTiles`` GEMM
    /// columns, more while the task's transformed input and product fit
    /// ``winogradTaskScratchElements``, and no more than an even share of the batch per core.
    func winogradSamplesPerTask(batch: Int, g: ConvolutionGeometry) -> Int {
        let tiles = WinogradTransforms.tileCount(g.height) * WinogradTransforms.tileCount(g.width)
        let perSample = 16 * (inChannels + outChannels) * tiles
        let forColumns = (winogradMinimumTaskTiles + tiles - 1) / tiles
        let forScratch = winogradTaskScratchElements / max(perSample, 1)
        let share = (batch + Self.workerCount(tasks: batch) - 1) / Self.workerCount(tasks: batch)
        let addressable = max(1, Int(Int32.max) / max(16 * max(inChannels, outChannels) * tiles, 1))
        return max(1, min(max(forColumns, forScratch), share, addressable))
    }

    /// The distance between the 16 matrices `channels × tiles` of a transformed task (or
    /// `outChannels × inChannels` of transformed filters): one cache line more than a matrix, so
    /// that the 16 streams a transform reads or writes do not all map to the same cache sets
    /// (matrix sizes are often multiples of 4 KB).
    static func winogradMatrixStride(channels: Int, tiles: Int) -> Int { channels * tiles + 16 }

    /// The scratch one worker needs for tasks of `samples` samples: the transformed input (or its
    /// gradient), the product (or the output gradient), and the plane kernels' lines.
    private func winogradScratchCount(samples: Int, g: ConvolutionGeometry) -> (count: Int, product: Int, lines: Int) {
        let tiles = WinogradTransforms.tileCount(g.height) * WinogradTransforms.tileCount(g.width) * samples
        let transformed = 16 * Self.winogradMatrixStride(channels: inChannels, tiles: tiles)
        let product = 16 * Self.winogradMatrixStride(channels: outChannels, tiles: tiles)
        return (
            transformed + product + WinogradTransforms.lineScratchCount(width: g.width), transformed,
            transformed + product
        )
    }

    /// Transforms the input tiles of the samples `samples` of `x` into the 16 streams at `v`
    /// (`inChannels × tiles` each, `positionStride` apart): what forward multiplies with the
    /// transformed filters and backward with the transformed output gradient.
    private func winogradTransformInputs(
        _ x: UnsafePointer<Float>, samples: Range<Int>, g: ConvolutionGeometry, into v: UnsafeMutablePointer<Float>,
        tiles: Int, positionStride: Int, lines: UnsafeMutablePointer<Float>
    ) {
        let plane = g.inputPlane
        let tilesPerSample = WinogradTransforms.tileCount(g.height) * WinogradTransforms.tileCount(g.width)
        for j in 0..<samples.count {
            let sample = x + (samples.lowerBound + j) * inChannels * plane
            for c in 0..<inChannels {
                WinogradTransforms.transformInput(
                    sample + c * plane, height: g.height, width: g.width, into: v + c * tiles + j * tilesPerSample,
                    positionStride: positionStride, lines: lines)
            }
        }
    }

    /// Forward on the Winograd path; `y` receives every output element.
    func winogradForward(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
        batch: Int, g: ConvolutionGeometry, epilogue: ChannelEpilogue?
    ) {
        let inChannels = self.inChannels, outChannels = self.outChannels
        let height = g.height, width = g.width, plane = g.inputPlane
        let tilesPerSample = WinogradTransforms.tileCount(height) * WinogradTransforms.tileCount(width)
        let samples = winogradSamplesPerTask(batch: batch, g: g)
        let tasks = (batch + samples - 1) / samples
        let layout = winogradScratchCount(samples: samples, g: g)
        let filterStride = Self.winogradMatrixStride(channels: outChannels, tiles: inChannels)
        ConvolutionScratchPool.shared.withBuffer(count: 16 * filterStride) { u in
            WinogradTransforms.transformFilters(
                w, outChannels: outChannels, inChannels: inChannels, matrixStride: filterStride, into: u)
            forEachTask(
                batch: batch, samples: samples, workers: Self.workerCount(tasks: tasks), scratchCount: layout.count
            ) { _, scratch, range in
                let tiles = range.count * tilesPerSample
                let inStride = Self.winogradMatrixStride(channels: inChannels, tiles: tiles)
                let outStride = Self.winogradMatrixStride(channels: outChannels, tiles: tiles)
                let v = scratch, m = scratch + layout.product, lines = scratch + layout.lines
                winogradTransformInputs(
                    x, samples: range, g: g, into: v, tiles: tiles, positionStride: inStride, lines: lines)
                for xi in 0..<16 {
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: outChannels, n: tiles, k: inChannels,
                        a: u + xi * filterStride, lda: inChannels, b: v + xi * inStride,
                        ldb: tiles, c: m + xi * outStride, ldc: tiles)
                }
                let outputStart = y + range.lowerBound * outChannels * plane
                for j in 0..<range.count {
                    for o in 0..<outChannels {
                        WinogradTransforms.transformOutput(
                            m + o * tiles + j * tilesPerSample, positionStride: outStride, bias: b?[o] ?? 0,
                            height: height, width: width, into: outputStart + (j * outChannels + o) * plane,
                            lines: lines)
                    }
                }
                epilogue?.apply(to: outputStart, samples: range.count, channels: outChannels, plane: plane)
            }
        }
    }

    /// Backward on the Winograd path: adds the weight gradient into `dw` (when non-nil) and writes
    /// every element of `dx` (when non-nil).
    func winogradBackward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?, batch: Int, g: ConvolutionGeometry
    ) {
        let inChannels = self.inChannels, outChannels = self.outChannels
        let height = g.height, width = g.width, plane = g.inputPlane
        let tilesPerSample = WinogradTransforms.tileCount(height) * WinogradTransforms.tileCount(width)
        let samples = winogradSamplesPerTask(batch: batch, g: g)
        let tasks = (batch + samples - 1) / samples
        let workers = Self.workerCount(tasks: tasks)
        let layout = winogradScratchCount(samples: samples, g: g)
        let filterStride = Self.winogradMatrixStride(channels: outChannels, tiles: inChannels)
        let filterCount = 16 * filterStride
        let needsFilters = dx != nil
        // One buffer: the transformed filters (for dx), then one dU accumulator per worker (for dW).
        let partialsOffset = needsFilters ? filterCount : 0
        let total = partialsOffset + (dw == nil ? 0 : workers * filterCount)
        ConvolutionScratchPool.shared.withBuffer(count: total) { buffer in
            let u = buffer, partials = buffer + partialsOffset
            if needsFilters {
                WinogradTransforms.transformFilters(
                    w, outChannels: outChannels, inChannels: inChannels, matrixStride: filterStride, into: u)
            }
            if dw != nil { partials.update(repeating: 0, count: workers * filterCount) }
            forEachTask(
                batch: batch, samples: samples, workers: workers, scratchCount: layout.count
            ) { worker, scratch, range in
                let tiles = range.count * tilesPerSample
                let inStride = Self.winogradMatrixStride(channels: inChannels, tiles: tiles)
                let outStride = Self.winogradMatrixStride(channels: outChannels, tiles: tiles)
                let v = scratch, dm = scratch + layout.product, lines = scratch + layout.lines
                for j in 0..<range.count {
                    let sample = dy + (range.lowerBound + j) * outChannels * plane
                    for o in 0..<outChannels {
                        WinogradTransforms.transformOutputGradient(
                            sample + o * plane, height: height, width: width,
                            into: dm + o * tiles + j * tilesPerSample, positionStride: outStride,
                            lines: lines)
                    }
                }
                if dw != nil {
                    winogradTransformInputs(
                        x, samples: range, g: g, into: v, tiles: tiles, positionStride: inStride, lines: lines)
                    let accumulator = partials + worker * filterCount
                    for xi in 0..<16 {
                        // dU[ξ] += dM[ξ] (out × tiles) · V[ξ]ᵀ (tiles × in)
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: outChannels, n: inChannels, k: tiles,
                            a: dm + xi * outStride, lda: tiles, b: v + xi * inStride, ldb: tiles,
                            beta: 1, c: accumulator + xi * filterStride, ldc: inChannels)
                    }
                }
                if let dx {
                    // dV[ξ] = U[ξ]ᵀ (in × out) · dM[ξ] (out × tiles), in place of V.
                    for xi in 0..<16 {
                        BLAS.sgemm(
                            transposeA: true, transposeB: false, m: inChannels, n: tiles, k: outChannels,
                            a: u + xi * filterStride, lda: inChannels, b: dm + xi * outStride,
                            ldb: tiles, c: v + xi * inStride, ldc: tiles)
                    }
                    for j in 0..<range.count {
                        let sample = dx + (range.lowerBound + j) * inChannels * plane
                        for c in 0..<inChannels {
                            WinogradTransforms.transformInputGradient(
                                v + c * tiles + j * tilesPerSample, positionStride: inStride, height: height,
                                width: width, into: sample + c * plane, lines: lines)
                        }
                    }
                }
            }
            if let dw {
                // Sums the workers' accumulators on the fly (no multi-threaded BLAS call, whose
                // spinning threads would compete with the next layer's workers).
                WinogradTransforms.accumulateFilterGradients(
                    partials, parts: workers, outChannels: outChannels, inChannels: inChannels,
                    matrixStride: filterStride, into: dw)
            }
        }
    }
}
