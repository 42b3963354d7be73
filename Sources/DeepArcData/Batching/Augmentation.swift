public import DeepArcTensor

/// Seeded data augmentation for image batches: pad-and-random-crop and random horizontal flip
/// (the standard CIFAR recipe), applied in place per batch.
///
/// For each item, a shift `(dy, dx)` is drawn uniformly from `-padding...padding` on both axes and,
/// when `horizontalFlip` is on, a fair coin decides a mirror: output pixel `(y, x)` is input pixel
/// `(y + dy, x' + dx)` with `x' = W - 1 - x` when flipped and `x` otherwise, or 0 when that lies
/// outside the image (the zero padding). With padding 0 and no flip it is the identity.
public struct Augmentation: Sendable, Equatable, Codable {
    /// The zero padding on every side before the random crop back to the original size.
    public var padding: Int
    /// Whether each item is mirrored left–right with probability 1/2.
    public var horizontalFlip: Bool

    /// Creates an augmentation.
    public init(padding: Int = 0, horizontalFlip: Bool = false) {
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }

    /// True when applying it changes nothing.
    public var isIdentity: Bool { padding == 0 && !horizontalFlip }

    /// Checks that the augmentation fits items of `shape` (`[N, C, H, W]`).
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for a negative padding, a padding
    ///   not smaller than the image side, or inputs that are not images.
    public func validate(for shape: [Int]) throws(DataError) {
        guard padding >= 0 else {
            throw .invalidArgument(operation: "Augmentation", reason: "padding \(padding) is negative")
        }
        guard isIdentity || shape.count == 4 else {
            throw .invalidArgument(operation: "Augmentation", reason: "needs images [N, C, H, W], got shape \(shape)")
        }
        if shape.count == 4, padding > 0, padding >= min(shape[2], shape[3]) {
            throw .invalidArgument(
                operation: "Augmentation",
                reason: "padding \(padding) must be smaller than the \(shape[2])×\(shape[3]) image")
        }
    }

    /// Augments every item of `batch` (`[N, C, H, W]`) in place, drawing from `generator`.
    /// - Throws: the errors of ``validate(for:)``.
    public func apply(to batch: inout Tensor, using generator: inout SeededGenerator) throws(DataError) {
        try validate(for: batch.shape)
        guard !isIdentity else { return }
        let (items, channels, height, width) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let itemSize = channels * height * width
        let span = UInt64(2 * padding + 1)
        let padding = self.padding
        let flipping = horizontalFlip
        var scratch = [Float](repeating: 0, count: itemSize)
        batch.withUnsafeMutableBufferPointer { buffer in
            scratch.withUnsafeMutableBufferPointer { copy in
                guard let base = buffer.baseAddress, let original = copy.baseAddress else { return }
                for item in 0..<items {
                    let dy = Int(generator.next() % span) - padding
                    let dx = Int(generator.next() % span) - padding
                    let flip = flipping && generator.next() & 1 == 1
                    if dy == 0, dx == 0, !flip { continue }
                    let target = base + item * itemSize
                    original.update(from: target, count: itemSize)
                    for channel in 0..<channels {
                        let source = original + channel * height * width
                        let destination = target + channel * height * width
                        for y in 0..<height {
                            let row = destination + y * width
                            let sourceY = y + dy
                            guard sourceY >= 0, sourceY < height else {
                                row.update(repeating: 0, count: width)
                                continue
                            }
                            let sourceRow = source + sourceY * width
                            for x in 0..<width {
                                let sourceX = (flip ? width - 1 - x : x) + dx
                                row[x] = sourceX >= 0 && sourceX < width ? sourceRow[sourceX] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}
