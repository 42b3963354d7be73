public import DeepArcNN

/// What a restructuring will do, decided from the model's description and its semantic
/// architecture alone (no data): which units go, which are repeated, where adapters are spliced,
/// and the new model's description.
public struct RestructuringPlan: Sendable, Equatable {
    /// Where a unit of the new model comes from.
    public enum Origin: Sendable, Equatable {
        /// The original model's unit at this index, weights unchanged.
        case kept(Int)
        /// A copy of the original model's unit at this index, same weights.
        case copied(Int)
        /// A sewing adapter replacing the removed span.
        case adapter(RemovedSpan)
    }

    /// A maximal run of consecutive removed units.
    public struct RemovedSpan: Sendable, Equatable, Codable {
        /// The first removed unit (index in the original model).
        public var first: Int
        /// The last removed unit.
        public var last: Int
        /// The per-sample shape entering the span (the output of unit `first − 1`, or the model input).
        public var inputShape: [Int]
        /// The per-sample shape leaving the span (the output of unit `last`).
        public var outputShape: [Int]

        /// Creates a span description.
        public init(first: Int, last: Int, inputShape: [Int], outputShape: [Int]) {
            self.first = first
            self.last = last
            self.inputShape = inputShape
            self.outputShape = outputShape
        }

        /// Whether the span changes the shape, so an adapter must replace it.
        public var needsAdapter: Bool { inputShape != outputShape }

        /// The removed units.
        public var units: ClosedRange<Int> { first...last }
    }

    /// The operation planned.
    public var operation: RestructuringOperation
    /// The removed units of the original model, ascending.
    public var removedUnits: [Int]
    /// The removed units grouped into maximal consecutive spans, in model order.
    public var spans: [RemovedSpan]
    /// The repeated units of the original model, in Algorithm 2's order.
    public var duplicatedUnits: [Int]
    /// Units that Algorithm 2's order offered for duplication but that change the shape, so they
    /// cannot follow themselves.
    public var skippedUnits: [Int]
    /// The new model's description.
    public var spec: ModelSpec
    /// Where each unit of ``spec`` comes from.
    public var origins: [Origin]

    /// The positions of the sewing adapters in the new model, ascending.
    public var adapterPositions: [Int] {
        origins.indices.filter { if case .adapter = origins[$0] { return true } else { return false } }
    }
}
