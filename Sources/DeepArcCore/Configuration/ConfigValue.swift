public import Foundation

/// A JSON-like configuration value, as decoded from a YAML or JSON file: the options of a strategy
/// before the strategy's own `Options` type reads them.
///
/// Numbers are `Double`s (as in JSON); an integer option decodes from a whole number.
///
/// ```swift
/// let raw: ConfigValue = ["threshold": 0.95, "criterion": "link"]
/// let options = try raw.decode(GreedyPartitioner.Options.self)
/// ```
public enum ConfigValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// A list.
    case array([ConfigValue])
    /// A map from keys to values.
    case object([String: ConfigValue])

    // MARK: - Accessors

    /// The keys of an object, sorted; nil for any other value.
    public var objectKeys: [String]? {
        if case .object(let members) = self { return members.keys.sorted() }
        return nil
    }

    /// A word for the kind of value, for error messages: `null`, `bool`, `number`, `string`, `array`, `object`.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: - Converting

    /// Decodes a `Decodable` value from this one (through a JSON round trip).
    /// - Throws: the `DecodingError` (or other error) that `T`'s decoder throws;
    ///   ``DeepArcError/invalidConfiguration(reason:)`` when the value holds a non-finite number.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let data = try jsonData()
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// The value that `value` encodes to (through a JSON round trip).
    /// - Throws: the error `value`'s encoding throws, e.g. for a NaN.
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(ConfigValue.self, from: data)
    }

    /// The value as JSON text, keys sorted.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when it holds a non-finite number.
    public func jsonData(prettyPrinted: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw DeepArcError.invalidConfiguration(reason: "value cannot be written as JSON (\(error))")
        }
    }

    /// The value as a JSON string, keys sorted (`{"criterion":"mean","threshold":0.99}`).
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when it holds a non-finite number.
    public func jsonString(prettyPrinted: Bool = false) throws -> String {
        String(decoding: try jsonData(prettyPrinted: prettyPrinted), as: UTF8.self)
    }
}

// MARK: - Codable

extension ConfigValue: Codable {
    /// Decodes any JSON (or YAML) value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: ConfigValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a null, bool, number, string, list or map")
        }
    }

    /// Encodes the value as the corresponding JSON value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

// MARK: - Literals

extension ConfigValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` is `.null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal, stored as a number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A list literal.
    public init(arrayLiteral elements: ConfigValue...) { self = .array(elements) }
    /// A map literal; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
