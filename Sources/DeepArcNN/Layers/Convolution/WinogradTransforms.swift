// MARK: - Winograd F(2×2, 3×3) transforms

/// The tile transforms of Winograd's minimal filtering algorithm F(2×2, 3×3), after Lavin & Gray,
/// "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016), §4.1 and eq. (8):
///
///     Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
///
/// for a 3×3 filter `g`, a 4×4 input tile `d` and a 2×2 output tile `Y`, with
///
///     Bᵀ = ⎡1  0 −1  0⎤     G = ⎡ 1    0    0 ⎤     Aᵀ = ⎡1  1  1  0⎤
///          ⎢0  1  1  0⎥         ⎢1/2  1/2  1/2⎥          ⎣0  1 −1 −1⎦
///          ⎢0 −1  1  0⎥         ⎢1/2 −1/2  1/2⎥
///          ⎣0  1  0 −1⎦         ⎣ 0    0    1 ⎦
///
/// Backward uses the adjoints of the same linear maps: `A·dY·Aᵀ` (output gradient into the
/// transformed domain), `B·dV·Bᵀ` (back to input tiles, overlapping by 2) and `Gᵀ·dU·G` (back to
/// the filter).
///
/// Layouts: a transformed plane is 16 *streams*, one per tile position ξ = 4·i + j, each holding
/// the plane's tiles in row-major tile order (`ti·tilesWide + tj`); consecutive streams are
/// `positionStride` floats apart. Tiles cover a plane of `H × W` "same" (stride-1, padding-1)
/// output positions with `⌈H/2⌉ × ⌈W/2⌉` tiles; input tile `(ti, tj)` reads input rows
/// `2ti − 1 … 2ti + 2` and columns `2tj − 1 … 2tj + 2` (zero outside the plane), and output tiles
/// are cropped at an odd edge.
///
/// The plane kernels go row of tiles by row of tiles: the vertical (row) combinations run over
/// whole contiguous lines, the horizontal ones over the tiles of a line, so every inner loop walks
/// contiguous memory (stride 2 at most) and vectorises.
enum WinogradTransforms {
    // MARK: - Vector access

    /// Four consecutive floats.
    @inline(__always)
    private static func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }

    /// Eight consecutive floats.
    @inline(__always)
    private static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<Float>.self)
    }

    /// Stores `even` and `odd` interleaved: even[0], odd[0], even[1], … (eight floats).
    @inline(__always)
    private static func storeInterleaved(
        _ even: SIMD4<Float>, _ odd: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>
    ) {
        var value = SIMD8<Float>()
        value.evenHalf = even
        value.oddHalf = odd
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// target = a + b over `count` floats.
    @inline(__always)
    private static func addLines(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int
    ) {
        var k = 0
        while k + 4 <= count {
            store(load4(a + k) + load4(b + k), target + k)
            k += 4
        }
        for k in k..<count { target[k] = a[k] + b[k] }
    }

    /// Tiles along an axis of `extent` output positions (two per tile).
    @inline(__always)
    static func tileCount(_ extent: Int) -> Int { (extent + 1) / 2 }

    /// Floats of line scratch that the plane kernels need for planes `width` wide.
    static func lineScratchCount(width: Int) -> Int { 6 * (2 * tileCount(width) + 2) + width }

    // MARK: - Filter

    /// U = G·g·Gᵀ for every filter: `u[ξ][o][c]` (16 matrices of `outChannels × inChannels`,
    /// `matrixStride` apart) from `w[o][c][3][3]`. Parallel over output channels, vectorised over
    /// four input channels at a time.
    static func transformFilters(
        _ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int, matrixStride: Int,
        into u: UnsafeMutablePointer<Float>
    ) {
        ConvolutionKernels.parallelFor(iterations: outChannels, workPerIteration: 32 * inChannels) { o in
            var c = 0
            while c < inChannels {
                let lanes = min(4, inChannels - c)
                let first = w + (o * inChannels + c) * 9
                // Tap k of the filters c ..< c + lanes (zero in unused lanes).
                func tap(_ k: Int) -> SIMD4<Float> {
                    var value = SIMD4<Float>()
                    for lane in 0..<lanes { value[lane] = first[lane * 9 + k] }
                    return value
                }
                let g00 = tap(0), g01 = tap(1), g02 = tap(2)
                let g10 = tap(3), g11 = tap(4), g12 = tap(5)
                let g20 = tap(6), g21 = tap(7), g22 = tap(8)
                let target = u + o * inChannels + c
                func put(_ value: SIMD4<Float>, _ xi: Int) {
                    let base = target + xi * matrixStride
                    if lanes == 4 {
                        store(value, base)
                    } else {
                        for lane in 0..<lanes { base[lane] = value[lane] }
                    }
                }
                // Row i of G·g is (a, b, c); row i of (G·g)·Gᵀ is (a, (a + b + c)/2, (a − b + c)/2, c).
                func row(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ i: Int) {
                    put(a, 4 * i)
                    put(0.5 * (a + b + c), 4 * i + 1)
                    put(0.5 * (a - b + c), 4 * i + 2)
                    put(c, 4 * i + 3)
                }
                row(g00, g01, g02, 0)
                row(0.5 * (g00 + g10 + g20), 0.5 * (g01 + g11 + g21), 0.5 * (g02 + g12 + g22), 1)
                row(0.5 * (g00 - g10 + g20), 0.5 * (g01 - g11 + g21), 0.5 * (g02 - g12 + g22), 2)
                row(g20, g21, g22, 3)
                c += 4
            }
        }
    }

    /// dw[o][c] += Gᵀ·dU·G for every filter (the adjoint of
    /// ``transformFilters(_:outChannels:inChannels:matrixStride:into:)``), where dU is the sum of
    /// `parts` accumulators `du[ξ][o][c]` (16 matrices `matrixStride` apart each, the accumulators
    /// `16·matrixStride` apart).
    static func accumulateFilterGradients(
        _ du: UnsafePointer<Float>, parts: Int, outChannels: Int, inChannels: Int, matrixStride: Int,
        into dw: UnsafeMutablePointer<Float>
    ) {
        let partStride = 16 * matrixStride
        ConvolutionKernels.parallelFor(iterations: outChannels, workPerIteration: 32 * inChannels) { o in
            var c = 0
            while c < inChannels {
                let lanes = min(4, inChannels - c)
                let source = du + o * inChannels + c
                func get(_ xi: Int) -> SIMD4<Float> {
                    var value = SIMD4<Float>()
                    for part in 0..<parts {
                        let base = source + part * partStride + xi * matrixStride
                        if lanes == 4 {
                            value += load4(base)
                        } else {
                            for lane in 0..<lanes { value[lane] += base[lane] }
                        }
                    }
                    return value
                }
                let target = dw + (o * inChannels + c) * 9
                // Row a of Gᵀ·dU, then times G: (r0 + (r1 + r2)/2, (r1 − r2)/2, (r1 + r2)/2 + r3).
                func add(_ r0: SIMD4<Float>, _ r1: SIMD4<Float>, _ r2: SIMD4<Float>, _ r3: SIMD4<Float>, _ a: Int) {
                    let half = 0.5 * (r1 + r2)
                    let v0 = r0 + half, v1 = 0.5 * (r1 - r2), v2 = half + r3
                    for lane in 0..<lanes {
                        let filter = target + lane * 9 + 3 * a
                        filter[0] += v0[lane]
                        filter[1] += v1[lane]
                        filter[2] += v2[lane]
                    }
                }
                // Column j of Gᵀ·dU from column j of dU: (d0 + (d1 + d2)/2, (d1 − d2)/2, (d1 + d2)/2 + d3).
                func column(_ j: Int) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
                    let d0 = get(j), d1 = get(4 + j), d2 = get(8 + j), d3 = get(12 + j)
                    let half = 0.5 * (d1 + d2)
                    return (d0 + half, 0.5 * (d1 - d2), half + d3)
                }
                let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
                add(c0.0, c1.0, c2.0, c3.0, 0)
                add(c0.1, c1.1, c2.1, c3.1, 1)
                add(c0.2, c1.2, c2.2, c3.2, 2)
                c += 4
            }
        }
    }

    // MARK: - Input

    /// V = Bᵀ·d·B for every tile of one input plane (`height × width`), written as 16 streams of
    /// `⌈height/2⌉·⌈width/2⌉` tiles starting at `v`, `positionStride` apart.
    /// - Parameter lines: at least ``lineScratchCount(width:)`` floats of scratch.
    static func transformInput(
        _ plane: UnsafePointer<Float>, height: Int, width: Int, into v: UnsafeMutablePointer<Float>,
        positionStride: Int, lines: UnsafeMutablePointer<Float>
    ) {
        let tilesHigh = tileCount(height), tilesWide = tileCount(width)
        // Four padded lines: line[k] holds column k − 1 of a row combination (zero at k = 0 and
        // beyond the plane), followed by one zero row of `width`.
        let lineLength = 2 * tilesWide + 2
        let line0 = lines, line1 = lines + lineLength, line2 = lines + 2 * lineLength, line3 = lines + 3 * lineLength
        let zeros = lines + 4 * lineLength
        zeros.update(repeating: 0, count: width)
        for i in 0..<4 {
            let line = lines + i * lineLength
            line[0] = 0
            (line + width + 1).update(repeating: 0, count: lineLength - width - 1)
        }
        for ti in 0..<tilesHigh {
            func row(_ r: Int) -> UnsafePointer<Float> {
                let index = 2 * ti - 1 + r
                return index >= 0 && index < height ? plane + index * width : UnsafePointer(zeros)
            }
            let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
            // Rows of Bᵀ·d.
            let l0 = line0 + 1, l1 = line1 + 1, l2 = line2 + 1, l3 = line3 + 1
            var k = 0
            while k + 4 <= width {
                let a = load4(d0 + k), b = load4(d1 + k), c = load4(d2 + k), d = load4(d3 + k)
                store(a - c, l0 + k)
                store(b + c, l1 + k)
                store(c - b, l2 + k)
                store(b - d, l3 + k)
                k += 4
            }
            for k in k..<width {
                let a = d0[k], b = d1[k], c = d2[k], d = d3[k]
                l0[k] = a - c
                l1[k] = b + c
                l2[k] = c - b
                l3[k] = b - d
            }
            // Columns: (Bᵀ·d)·B per tile.
            let offset = ti * tilesWide
            for i in 0..<4 {
                let line = lines + i * lineLength
                let s0 = v + 4 * i * positionStride + offset
                let s1 = s0 + positionStride, s2 = s1 + positionStride, s3 = s2 + positionStride
                // Four tiles at a time: their columns 0, 1 are the even and odd lanes of the eight
                // values from 2t, columns 2, 3 those of the eight from 2t + 2.
                var t = 0
                while t + 4 <= tilesWide {
                    let a = load8(line + 2 * t), b = load8(line + 2 * t + 2)
                    let p0 = a.evenHalf, p1 = a.oddHalf, p2 = b.evenHalf, p3 = b.oddHalf
                    store(p0 - p2, s0 + t)
                    store(p1 + p2, s1 + t)
                    store(p2 - p1, s2 + t)
                    store(p1 - p3, s3 + t)
                    t += 4
                }
                for t in t..<tilesWide {
                    let p = line + 2 * t
                    let p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3]
                    s0[t] = p0 - p2
                    s1[t] = p1 + p2
                    s2[t] = p2 - p1
                    s3[t] = p1 - p3
                }
            }
        }
    }

    /// The adjoint of ``transformInput(_:height:width:into:positionStride:lines:)``: writes every
    /// element of the plane gradient `dx` as the sum of B·dV·Bᵀ over the (overlapping) tiles that
    /// cover it; the padding border is dropped.
    static func transformInputGradient(
        _ dv: UnsafePointer<Float>, positionStride: Int, height: Int, width: Int,
        into dx: UnsafeMutablePointer<Float>, lines: UnsafeMutablePointer<Float>
    ) {
        let tilesHigh = tileCount(height), tilesWide = tileCount(width)
        let lineLength = 2 * tilesWide + 2
        // r0…r3: this tile row's four padded result lines; pending2/3: the previous tile row's
        // lines 2 and 3, which overlap this row's lines 0 and 1.
        let r0 = lines, r1 = lines + lineLength
        var r2 = lines + 2 * lineLength, r3 = lines + 3 * lineLength
        var pending2 = lines + 4 * lineLength, pending3 = lines + 5 * lineLength
        pending2.update(repeating: 0, count: lineLength)
        pending3.update(repeating: 0, count: lineLength)
        for ti in 0..<tilesHigh {
            let offset = ti * tilesWide
            func stream(_ xi: Int) -> UnsafePointer<Float> { dv + xi * positionStride + offset }
            let v00 = stream(0), v01 = stream(1), v02 = stream(2), v03 = stream(3)
            let v10 = stream(4), v11 = stream(5), v12 = stream(6), v13 = stream(7)
            let v20 = stream(8), v21 = stream(9), v22 = stream(10), v23 = stream(11)
            let v30 = stream(12), v31 = stream(13), v32 = stream(14), v33 = stream(15)
            // The columns 2 and 3 of the previous tile, which overlap this tile's columns 0 and 1.
            var carry2 = SIMD4<Float>(), carry3 = SIMD4<Float>()
            // Four tiles at a time, vectors over the tiles; the previous tile's columns 2 and 3
            // enter through a one-lane shift.
            var t = 0
            if tilesWide >= 4 {
                let lines = (r0, r1, r2, r3)
                var carries2 = SIMD4<Float>(), carries3 = SIMD4<Float>()  // lane k: line k
                while t + 4 <= tilesWide {
                    let d00 = load4(v00 + t), d01 = load4(v01 + t), d02 = load4(v02 + t), d03 = load4(v03 + t)
                    let d10 = load4(v10 + t), d11 = load4(v11 + t), d12 = load4(v12 + t), d13 = load4(v13 + t)
                    let d20 = load4(v20 + t), d21 = load4(v21 + t), d22 = load4(v22 + t), d23 = load4(v23 + t)
                    let d30 = load4(v30 + t), d31 = load4(v31 + t), d32 = load4(v32 + t), d33 = load4(v33 + t)
                    // Rows of B·dV: row k, column j.
                    let rows = (
                        (d00, d01, d02, d03),
                        (d10 - d20 + d30, d11 - d21 + d31, d12 - d22 + d32, d13 - d23 + d33),
                        (d10 + d20 - d00, d11 + d21 - d01, d12 + d22 - d02, d13 + d23 - d03),
                        (-d30, -d31, -d32, -d33)
                    )
                    @inline(__always)
                    func emit(
                        _ s: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>), _ k: Int,
                        _ line: UnsafeMutablePointer<Float>
                    ) {
                        // Columns of s·Bᵀ.
                        let c0 = s.0, c1 = s.1 - s.2 + s.3, c2 = s.1 + s.2 - s.0, c3 = -s.3
                        let shifted2 = SIMD4(carries2[k], c2[0], c2[1], c2[2])
                        let shifted3 = SIMD4(carries3[k], c3[0], c3[1], c3[2])
                        carries2[k] = c2[3]
                        carries3[k] = c3[3]
                        storeInterleaved(c0 + shifted2, c1 + shifted3, line + 2 * t)
                    }
                    emit(rows.0, 0, lines.0)
                    emit(rows.1, 1, lines.1)
                    emit(rows.2, 2, lines.2)
                    emit(rows.3, 3, lines.3)
                    t += 4
                }
                carry2 = carries2
                carry3 = carries3
            }
            for t in t..<tilesWide {
                // Rows of B·dV, as vectors over the four columns j.
                let d0 = SIMD4(v00[t], v01[t], v02[t], v03[t]), d1 = SIMD4(v10[t], v11[t], v12[t], v13[t])
                let d2 = SIMD4(v20[t], v21[t], v22[t], v23[t]), d3 = SIMD4(v30[t], v31[t], v32[t], v33[t])
                let s0 = d0, s1 = d1 - d2 + d3, s2 = d1 + d2 - d0, s3 = -d3
                // Columns of s·Bᵀ, as vectors over the four rows k.
                let c0 = SIMD4(s0[0], s1[0], s2[0], s3[0]), c3 = -SIMD4(s0[3], s1[3], s2[3], s3[3])
                let x1 = SIMD4(s0[1], s1[1], s2[1], s3[1]), x2 = SIMD4(s0[2], s1[2], s2[2], s3[2])
                let c1 = x1 - x2 - c3, c2 = x1 + x2 - c0
                let even = c0 + carry2, odd = c1 + carry3
                r0[2 * t] = even[0]
                r0[2 * t + 1] = odd[0]
                r1[2 * t] = even[1]
                r1[2 * t + 1] = odd[1]
                r2[2 * t] = even[2]
                r2[2 * t + 1] = odd[2]
                r3[2 * t] = even[3]
                r3[2 * t + 1] = odd[3]
                carry2 = c2
                carry3 = c3
            }
            let last = 2 * tilesWide
            r0[last] = carry2[0]
            r0[last + 1] = carry3[0]
            r1[last] = carry2[1]
            r1[last + 1] = carry3[1]
            r2[last] = carry2[2]
            r2[last + 1] = carry3[2]
            r3[last] = carry2[3]
            r3[last + 1] = carry3[3]
            // Padded row 2ti (input row 2ti − 1) and 2ti + 1 (input row 2ti).
            if ti > 0 { addLines(r0 + 1, pending2 + 1, into: dx + (2 * ti - 1) * width, count: width) }
            addLines(r1 + 1, pending3 + 1, into: dx + 2 * ti * width, count: width)
            swap(&r2, &pending2)
            swap(&r3, &pending3)
        }
        // The last tile row's line 2 is input row 2·tilesHigh − 1 when the height is even.
        if 2 * tilesHigh - 1 < height {
            let target = dx + (2 * tilesHigh - 1) * width
            for k in 0..<width { target[k] = pending2[k + 1] }
        }
    }

    // MARK: - Output

    /// Y = Aᵀ·M·A for every tile of one output plane, plus `bias`, from the 16 streams at `m`;
    /// edge tiles are cropped to the plane.
    static func transformOutput(
        _ m: UnsafePointer<Float>, positionStride: Int, bias: Float, height: Int, width: Int,
        into y: UnsafeMutablePointer<Float>, lines: UnsafeMutablePointer<Float>
    ) {
        let tilesHigh = tileCount(height), tilesWide = tileCount(width)
        let top = lines, bottom = lines + 2 * tilesWide
        for ti in 0..<tilesHigh {
            let offset = ti * tilesWide
            func stream(_ xi: Int) -> UnsafePointer<Float> { m + xi * positionStride + offset }
            let m00 = stream(0), m01 = stream(1), m02 = stream(2), m03 = stream(3)
            let m10 = stream(4), m11 = stream(5), m12 = stream(6), m13 = stream(7)
            let m20 = stream(8), m21 = stream(9), m22 = stream(10), m23 = stream(11)
            let m30 = stream(12), m31 = stream(13), m32 = stream(14), m33 = stream(15)
            var t = 0
            while t + 4 <= tilesWide {
                // Rows of Aᵀ·M for four tiles.
                let a0 = load4(m00 + t) + load4(m10 + t) + load4(m20 + t)
                let a1 = load4(m01 + t) + load4(m11 + t) + load4(m21 + t)
                let a2 = load4(m02 + t) + load4(m12 + t) + load4(m22 + t)
                let a3 = load4(m03 + t) + load4(m13 + t) + load4(m23 + t)
                let b0 = load4(m10 + t) - load4(m20 + t) - load4(m30 + t)
                let b1 = load4(m11 + t) - load4(m21 + t) - load4(m31 + t)
                let b2 = load4(m12 + t) - load4(m22 + t) - load4(m32 + t)
                let b3 = load4(m13 + t) - load4(m23 + t) - load4(m33 + t)
                // Times A, interleaved into the two output lines.
                storeInterleaved(a0 + a1 + a2 + bias, a1 - a2 - a3 + bias, top + 2 * t)
                storeInterleaved(b0 + b1 + b2 + bias, b1 - b2 - b3 + bias, bottom + 2 * t)
                t += 4
            }
            for t in t..<tilesWide {
                // Rows of Aᵀ·M.
                let a0 = m00[t] + m10[t] + m20[t], a1 = m01[t] + m11[t] + m21[t]
                let a2 = m02[t] + m12[t] + m22[t], a3 = m03[t] + m13[t] + m23[t]
                let b0 = m10[t] - m20[t] - m30[t], b1 = m11[t] - m21[t] - m31[t]
                let b2 = m12[t] - m22[t] - m32[t], b3 = m13[t] - m23[t] - m33[t]
                // Times A.
                top[2 * t] = a0 + a1 + a2 + bias
                top[2 * t + 1] = a1 - a2 - a3 + bias
                bottom[2 * t] = b0 + b1 + b2 + bias
                bottom[2 * t + 1] = b1 - b2 - b3 + bias
            }
            (y + 2 * ti * width).update(from: top, count: width)
            if 2 * ti + 1 < height { (y + (2 * ti + 1) * width).update(from: bottom, count: width) }
        }
    }

    /// The adjoint of ``transformOutput(_:positionStride:bias:height:width:into:lines:)`` (without
    /// the bias): dM = A·dY·Aᵀ per tile, with zero for cropped positions, written as 16 streams.
    static func transformOutputGradient(
        _ dy: UnsafePointer<Float>, height: Int, width: Int, into dm: UnsafeMutablePointer<Float>,
        positionStride: Int, lines: UnsafeMutablePointer<Float>
    ) {
        let tilesHigh = tileCount(height), tilesWide = tileCount(width)
        let top = lines, bottom = lines + 2 * tilesWide
        top[2 * tilesWide - 1] = 0
        bottom[2 * tilesWide - 1] = 0
        for ti in 0..<tilesHigh {
            top.update(from: dy + 2 * ti * width, count: width)
            if 2 * ti + 1 < height {
                bottom.update(from: dy + (2 * ti + 1) * width, count: width)
            } else {
                bottom.update(repeating: 0, count: 2 * tilesWide)
            }
            let offset = ti * tilesWide
            func stream(_ xi: Int) -> UnsafeMutablePointer<Float> { dm + xi * positionStride + offset }
            let s00 = stream(0), s01 = stream(1), s02 = stream(2), s03 = stream(3)
            let s10 = stream(4), s11 = stream(5), s12 = stream(6), s13 = stream(7)
            let s20 = stream(8), s21 = stream(9), s22 = stream(10), s23 = stream(11)
            let s30 = stream(12), s31 = stream(13), s32 = stream(14), s33 = stream(15)
            var t = 0
            while t + 4 <= tilesWide {
                let upper = load8(top + 2 * t), lower = load8(bottom + 2 * t)
                let g00 = upper.evenHalf, g01 = upper.oddHalf, g10 = lower.evenHalf, g11 = lower.oddHalf
                let q00 = g00, q01 = g00 + g01, q02 = g00 - g01, q03 = -g01
                let q10 = g10, q11 = g10 + g11, q12 = g10 - g11, q13 = -g11
                store(q00, s00 + t)
                store(q01, s01 + t)
                store(q02, s02 + t)
                store(q03, s03 + t)
                store(q00 + q10, s10 + t)
                store(q01 + q11, s11 + t)
                store(q02 + q12, s12 + t)
                store(q03 + q13, s13 + t)
                store(q00 - q10, s20 + t)
                store(q01 - q11, s21 + t)
                store(q02 - q12, s22 + t)
                store(q03 - q13, s23 + t)
                store(-q10, s30 + t)
                store(-q11, s31 + t)
                store(-q12, s32 + t)
                store(-q13, s33 + t)
                t += 4
            }
            for t in t..<tilesWide {
                let g00 = top[2 * t], g01 = top[2 * t + 1], g10 = bottom[2 * t], g11 = bottom[2 * t + 1]
                // Columns: g·Aᵀ → (g0, g0 + g1, g0 − g1, −g1) per row.
                let q00 = g00, q01 = g00 + g01, q02 = g00 - g01, q03 = -g01
                let q10 = g10, q11 = g10 + g11, q12 = g10 - g11, q13 = -g11
                // Rows: A·q → (q0, q0 + q1, q0 − q1, −q1).
                s00[t] = q00
                s01[t] = q01
                s02[t] = q02
                s03[t] = q03
                s10[t] = q00 + q10
                s11[t] = q01 + q11
                s12[t] = q02 + q12
                s13[t] = q03 + q13
                s20[t] = q00 - q10
                s21[t] = q01 - q11
                s22[t] = q02 - q12
                s23[t] = q03 - q13
                s30[t] = -q10
                s31[t] = -q11
                s32[t] = -q12
                s33[t] = -q13
            }
        }
    }
}
