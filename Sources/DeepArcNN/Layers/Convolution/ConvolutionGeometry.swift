// MARK: - Geometry

/// The sizes of one 2-D convolution or pooling window applied to one input shape (per sample).
///
/// Square window of `kernel`, the same `stride` and zero `padding` on both axes. Output extent is
/// `(extent + 2·padding − kernel) / stride + 1` per axis.
struct ConvolutionGeometry: Equatable {
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    let outputHeight: Int
    let outputWidth: Int

    /// Returns nil when the window does not fit the padded input at least once (or the sizes
    /// overflow).
    init?(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        guard channels > 0, height > 0, width > 0, kernel > 0, stride > 0, padding >= 0 else { return nil }
        let (paddedHeight, o1) = height.addingReportingOverflow(2 &* padding)
        let (paddedWidth, o2) = width.addingReportingOverflow(2 &* padding)
        guard !o1, !o2, padding <= Int.max / 4, paddedHeight >= kernel, paddedWidth >= kernel else { return nil }
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputHeight = (paddedHeight - kernel) / stride + 1
        self.outputWidth = (paddedWidth - kernel) / stride + 1
    }

    /// Elements of one input plane (H·W).
    var inputPlane: Int { height * width }
    /// Elements of one input sample (C·H·W).
    var inputSample: Int { channels * height * width }
    /// Output positions per channel (Ho·Wo).
    var outputPlane: Int { outputHeight * outputWidth }
    /// Rows of the im2col matrix (C·k·k).
    var columnRows: Int { channels * kernel * kernel }

    /// The range of output columns `ow` whose input column `ow·stride − padding + offset` lies in
    /// `0..<width` (for the window column `offset`); may be empty.
    @inline(__always)
    func validOutputColumns(offset: Int) -> Range<Int> {
        Self.validRange(offset: offset, extent: width, outputExtent: outputWidth, stride: stride, padding: padding)
    }

    /// The range of output rows whose input row lies inside the input, for window row `offset`.
    @inline(__always)
    func validOutputRows(offset: Int) -> Range<Int> {
        Self.validRange(offset: offset, extent: height, outputExtent: outputHeight, stride: stride, padding: padding)
    }

    @inline(__always)
    private static func validRange(
        offset: Int, extent: Int, outputExtent: Int, stride: Int, padding: Int
    ) -> Range<Int> {
        // Need 0 ≤ o·s − p + offset ≤ extent − 1.
        let lowNumerator = padding - offset
        let low = lowNumerator <= 0 ? 0 : (lowNumerator + stride - 1) / stride
        let highNumerator = extent - 1 + padding - offset
        guard highNumerator >= 0 else { return 0..<0 }
        let high = min(outputExtent, highNumerator / stride + 1)
        return low < high ? low..<high : 0..<0
    }
}
