/// An ordered collection of named tensors plus string metadata, stored in the
/// [safetensors](https://github.com/huggingface/safetensors) format that Python's `safetensors`
/// package reads and writes.
///
/// A safetensors file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping
/// each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional
/// `"__metadata__"` object of strings), then the data buffer the offsets point into.
///
/// Reading validates the whole header against the file before converting anything (see
/// ``init(bytes:path:)``); every element type in ``SafeTensorsDType`` is converted to `Float`.
/// Writing always stores little-endian `F32`, in the archive's order, atomically.
///
/// ```swift
/// var archive = SafeTensorsArchive(metadata: ["format": "deeparc"])
/// try archive.append(weight, named: "units.0.weight")
/// try archive.write(to: "model.safetensors")
/// let loaded = try SafeTensorsArchive(contentsOf: "model.safetensors")
/// let w = loaded["units.0.weight"]
/// ```
public struct SafeTensorsArchive: Sendable, Equatable {
    /// One named tensor of an archive.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name, unique within its archive (e.g. `units.3.conv1.weight`).
        public let name: String
        /// The values, converted to `Float`.
        public let tensor: Tensor
        /// The element type the tensor had in the file it was read from (``SafeTensorsDType/f32``
        /// for tensors added in memory). Writing always stores ``SafeTensorsDType/f32``.
        public let storedType: SafeTensorsDType

        /// Creates an entry.
        public init(name: String, tensor: Tensor, storedType: SafeTensorsDType = .f32) {
            self.name = name
            self.tensor = tensor
            self.storedType = storedType
        }
    }

    /// The name the format reserves for the metadata object; no tensor may use it.
    public static let metadataKey = "__metadata__"

    /// The tensors in archive order: for an archive read from a file, the order of their data in
    /// the file; otherwise the order in which they were appended. Writing keeps this order.
    public private(set) var entries: [Entry]
    /// Free-form string metadata (the header's `__metadata__` object).
    public var metadata: [String: String]
    private var positions: [String: Int]

    // MARK: - Building

    /// Creates an archive with no tensors.
    public init(metadata: [String: String] = [:]) {
        self.entries = []
        self.metadata = metadata
        self.positions = [:]
    }

    /// Creates an archive holding `tensors` in the given order.
    /// - Throws: ``Tensor/Error/invalidArgument(operation:reason:)`` for a duplicate name or the
    ///   reserved name `__metadata__`.
    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws(Tensor.Error) {
        self.init(metadata: metadata)
        for (name, tensor) in tensors { try append(tensor, named: name) }
    }

    /// Adds `tensor` at the end of the archive under `name`.
    /// - Throws: ``Tensor/Error/invalidArgument(operation:reason:)`` when `name` is already used or
    ///   is the reserved `__metadata__`.
    public mutating func append(_ tensor: Tensor, named name: String) throws(Tensor.Error) {
        try append(Entry(name: name, tensor: tensor))
    }

    /// Adds `entry` at the end of the archive.
    /// - Throws: ``Tensor/Error/invalidArgument(operation:reason:)`` when its name is already used
    ///   or is the reserved `__metadata__`.
    public mutating func append(_ entry: Entry) throws(Tensor.Error) {
        guard entry.name != Self.metadataKey else {
            throw .invalidArgument(
                operation: "SafeTensorsArchive.append", reason: "the name \"\(Self.metadataKey)\" is reserved")
        }
        guard positions[entry.name] == nil else {
            throw .invalidArgument(
                operation: "SafeTensorsArchive.append", reason: "duplicate tensor name \"\(entry.name)\"")
        }
        positions[entry.name] = entries.count
        entries.append(entry)
    }

    /// Replaces the values stored under `name`, keeping its position; appends when the name is new.
    /// - Throws: ``Tensor/Error/invalidArgument(operation:reason:)`` for the reserved `__metadata__`.
    public mutating func setTensor(_ tensor: Tensor, named name: String) throws(Tensor.Error) {
        if let position = positions[name] {
            entries[position] = Entry(name: name, tensor: tensor)
        } else {
            try append(tensor, named: name)
        }
    }

    /// Removes the tensor called `name` and returns it, or returns `nil` when there is none.
    @discardableResult
    public mutating func removeTensor(named name: String) -> Tensor? {
        guard let position = positions[name] else { return nil }
        let removed = entries.remove(at: position)
        positions[name] = nil
        for index in position..<entries.count { positions[entries[index].name] = index }
        return removed.tensor
    }

    // MARK: - Access

    /// The number of tensors.
    public var count: Int { entries.count }

    /// The tensor names in archive order.
    public var names: [String] { entries.map(\.name) }

    /// The tensor called `name`, or `nil` when the archive has none.
    public subscript(name: String) -> Tensor? {
        positions[name].map { entries[$0].tensor }
    }

    /// The entry called `name`, or `nil` when the archive has none.
    public func entry(named name: String) -> Entry? {
        positions[name].map { entries[$0] }
    }
}
