extension Tensor {
    /// What went wrong in a tensor operation. Messages name the operation and the shapes involved.
    public enum Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        /// A shape with a negative dimension or an element count that overflows.
        case invalidShape([Int], reason: String)
        /// A value count that does not match the shape's element count.
        case countMismatch(shape: [Int], count: Int)
        /// Two operands whose shapes do not fit the operation.
        case shapeMismatch(operation: String, lhs: [Int], rhs: [Int])
        /// An operand of the wrong rank.
        case rankMismatch(operation: String, expected: Int, actual: [Int])
        /// An index or axis outside the tensor.
        case outOfRange(operation: String, index: Int, bound: Int)
        /// A value that the operation cannot accept (NaN, a negative count, …).
        case invalidArgument(operation: String, reason: String)

        public var description: String {
            switch self {
            case .invalidShape(let shape, let reason):
                return "invalid tensor shape \(shape): \(reason)"
            case .countMismatch(let shape, let count):
                return "shape \(shape) needs \(shape.reduce(1, *)) values, got \(count)"
            case .shapeMismatch(let operation, let lhs, let rhs):
                return "\(operation): shapes \(lhs) and \(rhs) do not match"
            case .rankMismatch(let operation, let expected, let actual):
                return "\(operation): expected a rank-\(expected) tensor, got shape \(actual)"
            case .outOfRange(let operation, let index, let bound):
                return "\(operation): index \(index) is outside 0..<\(bound)"
            case .invalidArgument(let operation, let reason):
                return "\(operation): \(reason)"
            }
        }
    }
}
