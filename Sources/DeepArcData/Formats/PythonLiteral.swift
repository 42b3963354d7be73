/// A value of the small subset of Python literal syntax used in `.npy` headers
/// (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`).
///
/// The parser is total: any byte sequence yields either a value or a ``ParseError`` saying where
/// and why it failed — never a crash, and never unbounded recursion (nesting is limited).
enum PythonLiteral: Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: PythonLiteral, value: PythonLiteral)])

    /// Why a literal could not be parsed, with the byte offset.
    struct ParseError: Error, Equatable {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// The deepest nesting of tuples, lists and dictionaries accepted.
    static let maximumDepth = 32

    /// Parses one literal filling all of `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) throws(ParseError) -> PythonLiteral {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw ParseError(offset: parser.position, reason: "unexpected text after the literal")
        }
        return value
    }

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.none, .none): return true
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): return a == b
        case (.dictionary(let a), .dictionary(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value stored under the string key `key`, when `self` is a dictionary.
    subscript(key: String) -> PythonLiteral? {
        guard case .dictionary(let pairs) = self else { return nil }
        return pairs.first { $0.key == .string(key) }?.value
    }

    // MARK: - Parser

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func value(depth: Int) throws(ParseError) -> PythonLiteral {
            skipWhitespace()
            guard let byte = peek() else { throw ParseError(offset: position, reason: "unexpected end of header") }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                guard depth < PythonLiteral.maximumDepth else {
                    throw ParseError(offset: position, reason: "nesting deeper than \(PythonLiteral.maximumDepth)")
                }
                return try container(depth: depth + 1)
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .integer(try integer())
            default:
                let start = position
                while let next = peek(), isIdentifierByte(next) { position += 1 }
                let word = String(decoding: bytes[start..<position], as: UTF8.self)
                switch word {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                case "None": return .none
                case "": throw ParseError(offset: start, reason: "unexpected character \(describe(byte))")
                default: throw ParseError(offset: start, reason: "unsupported name '\(word)'")
                }
            }
        }

        mutating func string() throws(ParseError) -> String {
            let start = position
            let quote = bytes[position]
            position += 1
            var content: [UInt8] = []
            while let byte = peek() {
                position += 1
                if byte == quote { return String(decoding: content, as: UTF8.self) }
                if byte == UInt8(ascii: "\\") {
                    guard let escaped = peek() else { break }
                    position += 1
                    content.append(escaped)
                } else if byte == 0x0A {
                    throw ParseError(offset: position - 1, reason: "line break inside a string")
                } else {
                    content.append(byte)
                }
            }
            throw ParseError(offset: start, reason: "unterminated string")
        }

        mutating func integer() throws(ParseError) -> Int {
            let start = position
            var negative = false
            if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                negative = sign == UInt8(ascii: "-")
                position += 1
            }
            var magnitude = 0
            var digits = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw ParseError(offset: start, reason: "integer too large") }
                magnitude = sum
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw ParseError(offset: start, reason: "expected digits") }
            // Python 2 wrote long integers with an `L` suffix.
            if let suffix = peek(), suffix == UInt8(ascii: "L") || suffix == UInt8(ascii: "l") { position += 1 }
            if let next = peek(), isIdentifierByte(next) || next == UInt8(ascii: ".") {
                throw ParseError(offset: position, reason: "only integers are supported here")
            }
            return negative ? -magnitude : magnitude
        }

        mutating func container(depth: Int) throws(ParseError) -> PythonLiteral {
            let open = bytes[position]
            let close: UInt8 =
                open == UInt8(ascii: "(")
                ? UInt8(ascii: ")") : open == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            let isDictionary = open == UInt8(ascii: "{")
            position += 1
            var items: [PythonLiteral] = []
            var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
            var sawComma = false
            while true {
                skipWhitespace()
                guard let byte = peek() else { throw ParseError(offset: position, reason: "unexpected end of header") }
                if byte == close {
                    position += 1
                    break
                }
                if !(items.isEmpty && pairs.isEmpty), !sawComma {
                    throw ParseError(offset: position, reason: "expected ',' or '\(Character(UnicodeScalar(close)))'")
                }
                let first = try value(depth: depth)
                if isDictionary {
                    skipWhitespace()
                    guard peek() == UInt8(ascii: ":") else {
                        throw ParseError(offset: position, reason: "expected ':'")
                    }
                    position += 1
                    pairs.append((first, try value(depth: depth)))
                } else {
                    items.append(first)
                }
                skipWhitespace()
                sawComma = peek() == UInt8(ascii: ",")
                if sawComma { position += 1 }
            }
            if isDictionary { return .dictionary(pairs) }
            if open == UInt8(ascii: "[") { return .list(items) }
            // `(5)` is just 5 in Python; `(5,)` is a one-element tuple.
            if items.count == 1, !sawComma { return items[0] }
            return .tuple(items)
        }

        func isIdentifierByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }

        func describe(_ byte: UInt8) -> String {
            (0x20..<0x7F).contains(byte) ? "'\(Character(UnicodeScalar(byte)))'" : "0x\(String(byte, radix: 16))"
        }
    }
}
