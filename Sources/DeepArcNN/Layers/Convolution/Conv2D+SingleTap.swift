import DeepArcTensor

// MARK: - Single-tap path (1×1 planes)

/// The path of ``Conv2D`` for a 1×1 input plane that gives a 1×1 output plane (for example a
/// 3×3, padding-1 convolution at the end of a VGG on small images): the only kernel tap that
/// touches the input is the one at `(padding, padding)`, every other tap multiplies zero padding.
/// The convolution is then one matrix product with that tap's `outChannels × inChannels` slice
/// of the weight, `Y[N, out] = X[N, in]·W_tapᵀ`; backward adds `dYᵀ·X` into that slice of the
/// weight gradient (the other taps' gradients are zero) and returns `dX = dY·W_tap`. im2col would
/// multiply `k²` times as many values, all but one of them padding.
extension Conv2D {
    /// Whether this call takes the single-tap path (see the extension's documentation).
    func usesSingleTap(_ g: ConvolutionGeometry) -> Bool {
        singleTapEnabled && g.height == 1 && g.width == 1 && g.outputHeight == 1 && g.outputWidth == 1
            && padding < kernelSize
    }

    /// The flat offset of the tap `(padding, padding)` within one `k × k` filter.
    private var tapOffset: Int { padding * kernelSize + padding }

    /// Copies the tap's weights, `w[o, c, p, p]`, into the row-major `outChannels × inChannels` `slice`.
    private func gatherTap(_ w: UnsafePointer<Float>, into slice: UnsafeMutablePointer<Float>) {
        let area = kernelSize * kernelSize
        let offset = tapOffset
        let inChannels = self.inChannels
        ConvolutionKernels.parallelFor(iterations: outChannels, workPerIteration: inChannels) { o in
            let row = slice + o * inChannels
            let source = w + o * inChannels * area + offset
            for c in 0..<inChannels { row[c] = source[c * area] }
        }
    }

    /// Forward on the single-tap path; `y` ([N, out, 1, 1]) receives every element.
    func singleTapForward(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
        batch: Int, epilogue: ChannelEpilogue?
    ) {
        ConvolutionScratchPool.shared.withBuffer(count: outChannels * inChannels) { slice in
            gatherTap(w, into: slice)
            // Y[N, out] = X[N, in] × sliceᵀ
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: batch, n: outChannels, k: inChannels,
                a: x, lda: inChannels, b: slice, ldb: inChannels, c: y, ldc: outChannels)
        }
        if let b { ConvolutionKernels.addBias(b, samples: batch, channels: outChannels, plane: 1, to: y) }
        epilogue?.apply(to: y, samples: batch, channels: outChannels, plane: 1)
    }

    /// Backward on the single-tap path: adds into the tap's slice of `dw` (when non-nil) and writes
    /// every element of `dx` (when non-nil).
    func singleTapBackward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?, batch: Int
    ) {
        let count = outChannels * inChannels
        ConvolutionScratchPool.shared.withBuffer(count: count) { slice in
            if let dw {
                // slice[out, in] = dY[N, out]ᵀ × X[N, in], then added into the tap of every filter.
                BLAS.sgemm(
                    transposeA: true, transposeB: false, m: outChannels, n: inChannels, k: batch,
                    a: dy, lda: outChannels, b: x, ldb: inChannels, c: slice, ldc: inChannels)
                let area = kernelSize * kernelSize
                let offset = tapOffset
                let inChannels = self.inChannels
                ConvolutionKernels.parallelFor(iterations: outChannels, workPerIteration: inChannels) { o in
                    let row = slice + o * inChannels
                    let target = dw + o * inChannels * area + offset
                    for c in 0..<inChannels { target[c * area] += row[c] }
                }
            }
            if let dx {
                gatherTap(w, into: slice)
                // dX[N, in] = dY[N, out] × slice[out, in]
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: batch, n: inChannels, k: outChannels,
                    a: dy, lda: outChannels, b: slice, ldb: inChannels, c: dx, ldc: inChannels)
            }
        }
    }
}
