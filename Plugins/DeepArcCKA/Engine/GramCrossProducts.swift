import DeepArcTensor

/// All pairwise Frobenius inner products ⟨K_i, K_j⟩ of n layers' m × m kernels, each kernel computed
/// once, with the peak memory of the kernels bounded by a budget.
///
/// The kernels are stacked as the rows of an n × m² matrix A; the products are A·Aᵀ. Because the
/// kernels are symmetric, only their upper triangles are formed and stored (packed, row after row):
/// with U_l the upper triangle of K_l (diagonal included), ⟨K_i, K_j⟩ = 2·⟨U_i, U_j⟩ −
/// Σ_p K_i[p,p]·K_j[p,p]. That halves the Gram work (`ssyrk` on the diagonal blocks), the memory and
/// the cross product.
///
/// Row blocks: rows `r₀..<r₁` of every upper triangle (columns `r₀..<m`) are formed one layer at a
/// time in a scratch block, packed into the stack, and an `ssyrk` over the stacked rows adds their
/// contribution to the n × n result; the next block reuses the memory. The sum over row blocks is
/// exact, so the result does not depend on the block size beyond rounding. Block heights are chosen
/// so that the n packed blocks and the scratch, about (n + 1) · rows · (m − r₀) floats, fit in the
/// budget (never fewer than one row). Either way each kernel entry is formed once. With a single
/// block the layers are prepared (centred) one at a time; with several, every layer's prepared
/// activations are held while the blocks are formed.
///
/// The `Float` partial products are summed over chunks of at most 65 536 entries and accumulated in
/// `Double`, as are the diagonal correction and everything after it.
package enum GramCrossProducts {
    /// The most kernel entries one `Float` `ssyrk` call sums before its result joins the `Double` total.
    static let chunkLength = 1 << 16

    /// The result: ⟨K_i, K_j⟩ for every pair, and each layer's reference norm.
    struct Result {
        /// n × n row-major, symmetric.
        var products: [Double]
        /// ‖K_l‖²_F of each layer's uncentred kernel (see ``KernelBlockSource/referenceNorm``).
        var referenceNormsSquared: [Double]
        /// Whether each reference is only an upper bound.
        var referenceIsUpperBound: [Bool]
    }

    /// The first row of each block for `layerCount` kernels of size `size` within `memoryBudget` bytes
    /// (n packed blocks plus one scratch block of rows × (m − r₀) floats each).
    package static func blockStarts(layerCount: Int, size: Int, memoryBudget: Int) -> [Int] {
        let floats = max(1, memoryBudget / MemoryLayout<Float>.stride / (max(1, layerCount) + 1))
        var starts: [Int] = []
        var start = 0
        while start < size {
            starts.append(start)
            let width = size - start
            // Keep each stacked row addressable by BLAS's 32-bit leading dimension.
            let rows = min(width, max(1, floats / width), max(1, Int(Int32.max) / width))
            start += rows
        }
        return starts
    }

    /// Computes the products of `layerCount` kernels of size m × m.
    ///
    /// - Parameters:
    ///   - makeSource: builds layer l's source; its second argument tells whether the whole kernel
    ///     will be requested as one block (then a source can derive its statistics from that block
    ///     instead of a pass of its own).
    static func compute(
        layerCount n: Int, size m: Int, memoryBudget: Int,
        makeSource: (_ layer: Int, _ wholeKernel: Bool) -> any KernelBlockSource
    ) -> Result {
        let starts = blockStarts(layerCount: n, size: m, memoryBudget: memoryBudget)
        let bounds = starts.indices.map { index in
            starts[index]..<(index + 1 < starts.count ? starts[index + 1] : m)
        }
        let scratchCapacity = bounds.map { $0.count * (m - $0.lowerBound) }.max() ?? 0
        let stackCapacity = bounds.map { packedLength(rows: $0, size: m) }.max() ?? 0
        let whole = bounds.count == 1

        var upper = [Double](repeating: 0, count: n * n)  // Σ over blocks of ⟨U_i, U_j⟩ (upper part)
        var diagonals = [Double](repeating: 0, count: n * m)  // K_l[p, p], layer-major
        var partial = [Float](repeating: 0, count: n * n)
        var references = [ReferenceNorm](repeating: ReferenceNorm(base: 0, kernelWeight: 0), count: n)
        // Sources first: building them may itself use up to the budget (cka.rbf's statistics passes),
        // which is released before the blocks are allocated.
        let sources: [any KernelBlockSource] = whole ? [] : (0..<n).map { makeSource($0, false) }

        // Not zero-filled: sources write every upper-triangle entry of the scratch before it is packed,
        // and packing writes every stacked entry a block uses (a zero fill would only add a pass over
        // what can be hundreds of megabytes).
        var scratch = [Float](unsafeUninitializedCapacity: scratchCapacity) { _, count in count = scratchCapacity }
        var stacked = [Float](unsafeUninitializedCapacity: n * stackCapacity) { _, count in
            count = n * stackCapacity
        }
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            stacked.withUnsafeMutableBufferPointer { stackedBuffer in
                diagonals.withUnsafeMutableBufferPointer { diagonalBuffer in
                    guard let block = scratchBuffer.baseAddress, let stack = stackedBuffer.baseAddress,
                        let diagonal = diagonalBuffer.baseAddress
                    else { return }
                    for rows in bounds {
                        let length = packedLength(rows: rows, size: m)
                        for layer in 0..<n {
                            if whole {
                                let source = makeSource(layer, true)
                                source.fillBlock(rows: rows, into: block)
                                references[layer] = source.referenceNorm
                            } else {
                                sources[layer].fillBlock(rows: rows, into: block)
                            }
                            pack(
                                block, rows: rows, size: m, into: stack + layer * length,
                                diagonal: diagonal + layer * m + rows.lowerBound)
                        }
                        accumulateProducts(stack, layers: n, length: length, partial: &partial, into: &upper)
                    }
                }
            }
        }
        if !whole {
            references = sources.map(\.referenceNorm)
        }

        // Diagonal correction: Σ_p K_i[p,p] K_j[p,p] = (D Dᵀ)_ij with D the n × m diagonals.
        var correction = [Double](repeating: 0, count: n * n)
        diagonals.withUnsafeBufferPointer { d in
            correction.withUnsafeMutableBufferPointer { c in
                guard let dBase = d.baseAddress, let cBase = c.baseAddress else { return }
                BLAS.dgemm(
                    transposeA: false, transposeB: true, m: n, n: n, k: m, a: dBase, lda: m, b: dBase, ldb: m,
                    c: cBase, ldc: n)
            }
        }
        var products = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let value = 2 * upper[i * n + j] - correction[i * n + j]
                products[i * n + j] = value
                products[j * n + i] = value
            }
        }
        let referenceNorms = (0..<n).map { references[$0].squared(kernelNormSquared: products[$0 * n + $0]) }
        return Result(
            products: products, referenceNormsSquared: referenceNorms,
            referenceIsUpperBound: references.map(\.isUpperBound))
    }

    /// Entries of the upper triangle in rows `rows` of an m × m matrix: Σ_p (m − p).
    static func packedLength(rows: Range<Int>, size m: Int) -> Int {
        rows.count * m - (rows.lowerBound + rows.upperBound - 1) * rows.count / 2
    }

    /// Copies the upper-triangle part of each row of a block (row stride m − r₀) into consecutive
    /// memory, and its diagonal into `diagonal` (in `Double`).
    private static func pack(
        _ block: UnsafePointer<Float>, rows: Range<Int>, size m: Int, into packed: UnsafeMutablePointer<Float>,
        diagonal: UnsafeMutablePointer<Double>
    ) {
        let width = m - rows.lowerBound
        let pieces = Parallel.ranges(rows.count, grain: max(16, (rows.count + 3) / 4))
        Parallel.forEach(pieces.count) { piece in
            for i in pieces[piece] {
                // Row i starts after rows 0..<i, which hold width, width − 1, … entries.
                let offset = i * width - i * (i - 1) / 2
                let source = block + i * width + i
                (packed + offset).update(from: source, count: width - i)
                diagonal[i] = Double(source[0])
            }
        }
    }

    /// Adds ⟨U_i, U_j⟩ over one block (upper part, i ≤ j) to `upper`, in `Float` chunks summed in `Double`.
    private static func accumulateProducts(
        _ stack: UnsafeMutablePointer<Float>, layers n: Int, length: Int, partial: inout [Float],
        into upper: inout [Double]
    ) {
        partial.withUnsafeMutableBufferPointer { partialBuffer in
            guard let c = partialBuffer.baseAddress else { return }
            var start = 0
            while start < length {
                let count = min(chunkLength, length - start)
                BLAS.ssyrkUpper(transpose: false, n: n, k: count, a: stack + start, lda: length, c: c, ldc: n)
                for i in 0..<n {
                    for j in i..<n { upper[i * n + j] += Double(c[i * n + j]) }
                }
                start += count
            }
        }
    }
}
