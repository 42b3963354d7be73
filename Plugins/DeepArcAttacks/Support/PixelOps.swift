import DeepArcTensor

/// Element-wise kernels the attacks share, on whole batches through buffer pointers.
enum PixelOps {
    /// x ← x + step · sign(g) (sign(0) = 0).
    static func addSignStep(_ x: inout Tensor, gradient: Tensor, step: Float) {
        x.withUnsafeMutableBufferPointer { values in
            gradient.withUnsafeBufferPointer { g in
                for index in 0..<values.count {
                    let direction: Float = g[index] > 0 ? 1 : (g[index] < 0 ? -1 : 0)
                    values[index] += step * direction
                }
            }
        }
    }

    /// The largest `Float` radius not above `radius`, so that a budget given in `Double` is never
    /// exceeded after rounding.
    static func radius(_ radius: Double) -> Float {
        let rounded = Float(radius)
        return Double(rounded) > radius ? rounded.nextDown : rounded
    }

    /// x ← clip(x, origin − radius, origin + radius) ∩ [0, 1]: the intersection of the L∞ ball of
    /// `radius` around `origin` with the box [0, 1]. The bounds are rounded inwards, so every
    /// |x − origin| (exactly, in `Double`) is at most `radius`. A NaN becomes the origin's value.
    static func project(_ x: inout Tensor, around origin: Tensor, radius: Float) {
        let limit = Double(radius)
        x.withUnsafeMutableBufferPointer { values in
            origin.withUnsafeBufferPointer { center in
                for index in 0..<values.count {
                    let c = center[index]
                    var low = max(c - radius, 0)
                    if Double(c) - Double(low) > limit { low = low.nextUp }
                    var high = min(c + radius, 1)
                    if Double(high) - Double(c) > limit { high = high.nextDown }
                    let value = values[index]
                    values[index] = value.isNaN ? c : min(max(value, low), high)
                }
            }
        }
    }

    /// x ← clip(x, 0, 1); a NaN becomes 0.
    static func clipToUnitBox(_ x: inout Tensor) {
        x.withUnsafeMutableBufferPointer { values in
            for index in 0..<values.count {
                let value = values[index]
                values[index] = value.isNaN ? 0 : min(max(value, 0), 1)
            }
        }
    }
}
