/// A dense, row-major array of `Float` values with a shape: the value type every DeepArc
/// computation passes around.
///
/// Images are stored NCHW (batch, channels, height, width). `Tensor` is a copy-on-write value:
/// copies are cheap until one of them is mutated. Kernels read and write the storage through
/// ``withUnsafeBufferPointer(_:)`` and ``withUnsafeMutableBufferPointer(_:)`` and hand matrix
/// work to BLAS (``Tensor/matmul(_:_:transposeA:transposeB:)``).
///
/// ```swift
/// let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// let b = try Tensor.matmul(a, a, transposeB: true)   // [2, 2]
/// ```
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension, outermost first. A scalar tensor has shape `[]`.
    public private(set) var shape: [Int]
    /// The values in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float] { storage }
    @usableFromInline internal var storage: [Float]

    /// Creates a tensor from a shape and its values in row-major order.
    /// - Throws: ``Tensor/Error/invalidShape(_:reason:)`` for a negative dimension or an element count that
    ///   overflows, ``Tensor/Error/countMismatch(shape:count:)`` when `scalars` has the wrong length.
    public init(shape: [Int], scalars: [Float]) throws(Tensor.Error) {
        let count = try Tensor.elementCount(of: shape)
        guard count == scalars.count else { throw .countMismatch(shape: shape, count: scalars.count) }
        self.shape = shape
        self.storage = scalars
    }

    /// Creates a tensor whose every element is `value`.
    /// - Precondition: `shape` has no negative dimension (a programmer error, not input).
    public init(repeating value: Float, shape: [Int]) {
        let count = Tensor.checkedCount(shape)
        self.shape = shape
        self.storage = [Float](repeating: value, count: count)
    }

    /// Creates a zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a tensor of the given shape whose storage is filled by `initializer`, which must
    /// write every element of the buffer it is handed (it is not zeroed first).
    public init(
        shape: [Int],
        unsafeUninitialized initializer: (inout UnsafeMutableBufferPointer<Float>) throws -> Void
    ) rethrows {
        let count = Tensor.checkedCount(shape)
        self.shape = shape
        self.storage = try [Float](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            try initializer(&buffer)
            initializedCount = count
        }
    }

    /// A rank-0 tensor holding one value.
    public init(scalar: Float) {
        self.shape = []
        self.storage = [scalar]
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// The extent of the outermost dimension (the batch size of an NCHW tensor); 1 for a scalar.
    @inlinable public var batchCount: Int { shape.first ?? 1 }
    /// The number of elements per item of the outermost dimension (the product of the other
    /// dimensions, also for an empty batch: 3 for shape [0, 3]); 1 for a scalar.
    public var itemCount: Int {
        guard let first = shape.first else { return 1 }
        if first != 0 { return count / first }
        var product = 1
        for dimension in shape.dropFirst() {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return 0 }  // no item of that size can exist
            product = next
        }
        return product
    }

    /// The tensor's values with a new shape of the same element count.
    /// - Throws: ``Tensor/Error/countMismatch(shape:count:)`` when the counts differ.
    public func reshaped(to newShape: [Int]) throws(Tensor.Error) -> Tensor {
        let newCount = try Tensor.elementCount(of: newShape)
        guard newCount == count else { throw .countMismatch(shape: newShape, count: count) }
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// Replaces the shape in place; the element count must stay the same.
    public mutating func reshape(to newShape: [Int]) throws(Tensor.Error) {
        self = try reshaped(to: newShape)
    }

    /// Calls `body` with a pointer to the values.
    @inlinable
    public func withUnsafeBufferPointer<R, E: Swift.Error>(
        _ body: (UnsafeBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        // `Array.withUnsafeBufferPointer` rethrows untyped errors; funnel the typed error through.
        var result: Result<R, E>?
        storage.withUnsafeBufferPointer { buffer in
            do throws(E) { result = .success(try body(buffer)) } catch { result = .failure(error) }
        }
        return try result.unsafelyUnwrappedOrRethrow()
    }

    /// Calls `body` with a mutable pointer to the values (copying them first if they are shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R, E: Swift.Error>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        var result: Result<R, E>?
        storage.withUnsafeMutableBufferPointer { buffer in
            do throws(E) { result = .success(try body(&buffer)) } catch { result = .failure(error) }
        }
        return try result.unsafelyUnwrappedOrRethrow()
    }

    // MARK: - Shape arithmetic

    /// The element count of `shape`, checked for negative dimensions and overflow.
    public static func elementCount(of shape: [Int]) throws(Tensor.Error) -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { throw .invalidShape(shape, reason: "negative dimension \(dimension)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .invalidShape(shape, reason: "element count overflows Int") }
            count = product
        }
        return count
    }

    @usableFromInline
    static func checkedCount(_ shape: [Int]) -> Int {
        do {
            return try elementCount(of: shape)
        } catch {
            preconditionFailure("Tensor shape \(shape) is invalid: \(error)")
        }
    }
}

extension Optional {
    @usableFromInline
    func unsafelyUnwrappedOrRethrow<R, E: Swift.Error>() throws(E) -> R where Wrapped == Result<R, E> {
        switch self.unsafelyUnwrapped {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// A short description: the shape and, for small tensors, the values.
    public var description: String {
        let values = count <= 16 ? scalars.map { "\($0)" }.joined(separator: ", ") : "\(count) values"
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
