import Synchronization

// MARK: - Scratch buffer

/// One raw block of `Float`s used as im2col / GEMM scratch space.
///
/// `@unchecked Sendable`: a buffer moves between threads only through ``ConvolutionScratchPool``,
/// whose mutex guarantees that exactly one caller holds it at a time; the pointer is never shared
/// while it is lent out.
final class ConvolutionScratchBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        self.pointer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
    }

    deinit {
        pointer.deallocate()
    }
}

// MARK: - Pool

/// A process-wide pool of scratch buffers shared by every convolution layer.
///
/// A network has many convolutions that run one after another; a buffer per layer would keep tens
/// of MB alive per layer for nothing. The pool lends a buffer for the duration of one call and takes
/// it back, so a model that runs on one thread keeps a single buffer (the largest it needed) warm,
/// and concurrent models each get their own. At most ``retainedLimit`` idle buffers are kept.
final class ConvolutionScratchPool: Sendable {
    /// The pool all convolution layers use.
    static let shared = ConvolutionScratchPool()

    /// How many idle buffers the pool keeps; extra ones are freed when returned.
    static let retainedLimit = 4

    private let idle = Mutex<[ConvolutionScratchBuffer]>([])

    /// Lends `body` a buffer of at least `count` floats (contents unspecified) and takes it back.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let buffer = take(count: max(count, 1))
        defer { giveBack(buffer) }
        return body(buffer.pointer)
    }

    private func take(count: Int) -> ConvolutionScratchBuffer {
        let reused: ConvolutionScratchBuffer? = idle.withLock { buffers in
            // The smallest idle buffer that is large enough.
            var best: Int?
            for (index, buffer) in buffers.enumerated() where buffer.capacity >= count {
                if let current = best, buffers[current].capacity <= buffer.capacity { continue }
                best = index
            }
            guard let best else {
                // None fits: drop the largest idle one so the pool does not grow without bound.
                if let largest = buffers.indices.max(by: { buffers[$0].capacity < buffers[$1].capacity }) {
                    buffers.remove(at: largest)
                }
                return nil
            }
            return buffers.remove(at: best)
        }
        return reused ?? ConvolutionScratchBuffer(capacity: count)
    }

    private func giveBack(_ buffer: ConvolutionScratchBuffer) {
        idle.withLock { buffers in
            buffers.append(buffer)
            if buffers.count > Self.retainedLimit,
                let smallest = buffers.indices.min(by: { buffers[$0].capacity < buffers[$1].capacity })
            {
                buffers.remove(at: smallest)
            }
        }
    }
}
