// MARK: - Elementwise arithmetic

extension Tensor {
    private func checkSameShape(_ other: Tensor, _ operation: String) throws(Tensor.Error) {
        guard shape == other.shape else { throw .shapeMismatch(operation: operation, lhs: shape, rhs: other.shape) }
    }

    /// Elementwise combination of two tensors of the same shape.
    public func zipMap(
        _ other: Tensor, operation: String = "zipMap", _ transform: (Float, Float) -> Float
    ) throws(Tensor.Error) -> Tensor {
        try checkSameShape(other, operation)
        return Tensor(shape: shape) { out in
            storage.withUnsafeBufferPointer { a in
                other.storage.withUnsafeBufferPointer { b in
                    for index in 0..<out.count { out[index] = transform(a[index], b[index]) }
                }
            }
        }
    }

    /// Applies `transform` to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape) { out in
            storage.withUnsafeBufferPointer { a in
                for index in 0..<out.count { out[index] = transform(a[index]) }
            }
        }
    }

    /// The elementwise sum; shapes must be equal.
    public static func + (lhs: Tensor, rhs: Tensor) throws(Tensor.Error) -> Tensor {
        try lhs.zipMap(rhs, operation: "+", +)
    }

    /// The elementwise difference; shapes must be equal.
    public static func - (lhs: Tensor, rhs: Tensor) throws(Tensor.Error) -> Tensor {
        try lhs.zipMap(rhs, operation: "-", -)
    }

    /// The elementwise (Hadamard) product; shapes must be equal.
    public static func * (lhs: Tensor, rhs: Tensor) throws(Tensor.Error) -> Tensor {
        try lhs.zipMap(rhs, operation: "*", *)
    }

    /// Every element multiplied by `scale`.
    public static func * (lhs: Tensor, scale: Float) -> Tensor {
        lhs.map { $0 * scale }
    }

    /// Adds `alpha · other` to this tensor in place (BLAS saxpy).
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) throws(Tensor.Error) {
        try checkSameShape(other, "add(_:scaledBy:)")
        let count = self.count
        other.storage.withUnsafeBufferPointer { x in
            storage.withUnsafeMutableBufferPointer { y in
                guard let x = x.baseAddress, let y = y.baseAddress else { return }
                BLAS.saxpy(count: count, alpha: alpha, x: x, y: y)
            }
        }
    }

    /// Multiplies every element by `alpha` in place.
    public mutating func scale(by alpha: Float) {
        let count = self.count
        storage.withUnsafeMutableBufferPointer { x in
            guard let x = x.baseAddress else { return }
            BLAS.sscal(count: count, alpha: alpha, x: x)
        }
    }

    /// Sets every element to `value`, keeping the shape.
    public mutating func fill(with value: Float) {
        storage.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }
}

// MARK: - Reductions

extension Tensor {
    /// The sum of all elements, accumulated in `Double`.
    public func sum() -> Double {
        storage.withUnsafeBufferPointer { a in
            var total = 0.0
            for value in a { total += Double(value) }
            return total
        }
    }

    /// The mean of all elements (NaN for an empty tensor).
    public func mean() -> Double {
        count == 0 ? .nan : sum() / Double(count)
    }

    /// The sum of squares of all elements, accumulated in `Double`.
    public func squaredNorm() -> Double {
        storage.withUnsafeBufferPointer { a in
            var total = 0.0
            for value in a { total += Double(value) * Double(value) }
            return total
        }
    }

    /// Whether every element is finite (no NaN or infinity).
    public var isFinite: Bool {
        storage.withUnsafeBufferPointer { a in
            for value in a where !value.isFinite { return false }
            return true
        }
    }

    /// For a tensor of shape [rows, …], the index of the largest value in each row (the first on ties).
    public func argmaxRows() -> [Int] {
        let rows = batchCount
        let width = itemCount
        guard rows > 0, width > 0 else { return [Int](repeating: 0, count: rows) }
        return storage.withUnsafeBufferPointer { a in
            (0..<rows).map { row in
                var best = 0
                var bestValue = a[row * width]
                for column in 1..<max(width, 1) where a[row * width + column] > bestValue {
                    best = column
                    bestValue = a[row * width + column]
                }
                return best
            }
        }
    }

    /// The largest absolute difference between two tensors of the same shape.
    public func maxAbsoluteDifference(to other: Tensor) throws(Tensor.Error) -> Float {
        try checkSameShape(other, "maxAbsoluteDifference")
        return storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                var worst: Float = 0
                for index in 0..<a.count {
                    let difference = abs(a[index] - b[index])
                    if difference > worst || difference.isNaN { worst = difference.isNaN ? .nan : difference }
                }
                return worst
            }
        }
    }
}

// MARK: - Slicing along the batch axis

extension Tensor {
    /// Items `range` of the outermost dimension, as a new tensor.
    public func slice(batch range: Range<Int>) throws(Tensor.Error) -> Tensor {
        guard range.lowerBound >= 0, range.upperBound <= batchCount, rank >= 1 else {
            throw .outOfRange(operation: "slice(batch:)", index: range.upperBound, bound: batchCount)
        }
        let width = itemCount
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape) { out in
            storage.withUnsafeBufferPointer { a in
                guard let source = a.baseAddress, let target = out.baseAddress else { return }
                target.update(from: source + range.lowerBound * width, count: range.count * width)
            }
        }
    }

    /// The items at `indices` of the outermost dimension, in that order.
    public func gather(batch indices: [Int]) throws(Tensor.Error) -> Tensor {
        guard rank >= 1 else { throw .rankMismatch(operation: "gather(batch:)", expected: 1, actual: shape) }
        let bound = batchCount
        for index in indices where index < 0 || index >= bound {
            throw .outOfRange(operation: "gather(batch:)", index: index, bound: bound)
        }
        let width = itemCount
        var newShape = shape
        newShape[0] = indices.count
        return Tensor(shape: newShape) { out in
            storage.withUnsafeBufferPointer { a in
                guard let source = a.baseAddress, let target = out.baseAddress else { return }
                for (position, index) in indices.enumerated() {
                    (target + position * width).update(from: source + index * width, count: width)
                }
            }
        }
    }

    /// Joins tensors along the outermost dimension; the other dimensions must agree.
    public static func concatenate(batches parts: [Tensor]) throws(Tensor.Error) -> Tensor {
        guard let first = parts.first else {
            throw .invalidArgument(operation: "concatenate(batches:)", reason: "no tensors to join")
        }
        let tail = Array(first.shape.dropFirst())
        var total = 0
        for part in parts {
            guard part.rank == first.rank, Array(part.shape.dropFirst()) == tail else {
                throw .shapeMismatch(operation: "concatenate(batches:)", lhs: first.shape, rhs: part.shape)
            }
            total += part.batchCount
        }
        var scalars: [Float] = []
        scalars.reserveCapacity(total * first.itemCount)
        for part in parts { scalars.append(contentsOf: part.scalars) }
        return try Tensor(shape: [total] + tail, scalars: scalars)
    }
}
