/// A JSON value as the safetensors header reader sees it.
///
/// Objects keep their members in file order (and may hold duplicate keys, which the reader
/// reports), and numbers keep their literal text so that integers are read exactly, without a
/// detour through `Double`. The parser is strict RFC 8259 with a nesting limit, so a hostile
/// header cannot exhaust the stack.
enum SafeTensorsJSON: Sendable {
    case object([(key: String, value: SafeTensorsJSON)])
    case array([SafeTensorsJSON])
    case string(String)
    /// The literal text of a number, e.g. `-12`, `3.5e2`.
    case number(String)
    case bool(Bool)
    case null

    /// Why a header is not valid JSON, and the byte offset (within the header) where that was found.
    struct SyntaxError: Error, Sendable {
        var message: String
        var offset: Int
    }

    /// The deepest nesting of arrays and objects the parser accepts (a safetensors header needs 3).
    static let maximumDepth = 64

    /// A short name for the kind of value, for error messages ("an array", "a string", …).
    var kindDescription: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number(let text): return "the number \(text)"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }

    // MARK: - Parsing

    /// Parses one JSON value from UTF-8 `bytes`; only JSON whitespace may follow it.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> SafeTensorsJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the top-level value")
        }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        func describeCurrent() -> String {
            guard position < bytes.count else { return "end of header" }
            let byte = bytes[position]
            if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x\(String(byte, radix: 16))"
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                position += 1
            }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
            guard current == byte else { throw error("expected \(what), found \(describeCurrent())") }
            position += 1
        }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> SafeTensorsJSON {
            guard let byte = current else { throw error("expected a value, found end of header") }
            switch byte {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            case UInt8(ascii: "t"):
                try parseLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try parseLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try parseLiteral("null")
                return .null
            default:
                throw error("expected a value, found \(describeCurrent())")
            }
        }

        mutating func parseLiteral(_ word: String) throws(SyntaxError) {
            for byte in word.utf8 {
                guard current == byte else { throw error("invalid literal (expected '\(word)')") }
                position += 1
            }
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> SafeTensorsJSON {
            guard depth <= SafeTensorsJSON.maximumDepth else {
                throw error("nesting deeper than \(SafeTensorsJSON.maximumDepth) levels")
            }
            position += 1  // {
            var members: [(key: String, value: SafeTensorsJSON)] = []
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else {
                    throw error("expected a string key, found \(describeCurrent())")
                }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after an object key")
                skipWhitespace()
                let value = try parseValue(depth: depth)
                members.append((key, value))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return .object(members)
            }
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> SafeTensorsJSON {
            guard depth <= SafeTensorsJSON.maximumDepth else {
                throw error("nesting deeper than \(SafeTensorsJSON.maximumDepth) levels")
            }
            position += 1  // [
            var elements: [SafeTensorsJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return .array(elements)
            }
        }

        /// A number per the JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func parseNumber() throws(SyntaxError) -> String {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, isDigit(first) else { throw error("invalid number: expected a digit") }
            position += 1
            if first != UInt8(ascii: "0") {
                while let byte = current, isDigit(byte) { position += 1 }
            } else if let byte = current, isDigit(byte) {
                throw error("invalid number: leading zero")
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard let byte = current, isDigit(byte) else {
                    throw error("invalid number: expected a digit after '.'")
                }
                while let byte = current, isDigit(byte) { position += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let byte = current, isDigit(byte) else {
                    throw error("invalid number: expected a digit in the exponent")
                }
                while let byte = current, isDigit(byte) { position += 1 }
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        /// A string literal; the bytes are already known to be valid UTF-8.
        mutating func parseString() throws(SyntaxError) -> String {
            position += 1  // opening quote
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    position += 1
                    try parseEscape(into: &utf8)
                case 0x00..<0x20:
                    throw error("unescaped control character 0x\(String(byte, radix: 16)) in a string")
                default:
                    utf8.append(byte)
                    position += 1
                }
            }
        }

        mutating func parseEscape(into utf8: inout [UInt8]) throws(SyntaxError) {
            guard let byte = current else { throw error("unterminated escape sequence") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""): utf8.append(byte)
            case UInt8(ascii: "\\"): utf8.append(byte)
            case UInt8(ascii: "/"): utf8.append(byte)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var value = try parseHex4()
                if (0xD800..<0xDC00).contains(value) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw error("unpaired UTF-16 surrogate in \\u escape") }
                    position += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw error("unpaired UTF-16 surrogate in \\u escape")
                    }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(value) {
                    throw error("unpaired UTF-16 surrogate in \\u escape")
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
                utf8.append(contentsOf: String(Character(scalar)).utf8)
            default:
                position -= 1
                throw error("invalid escape sequence: backslash followed by \(describeCurrent())")
            }
        }

        mutating func parseHex4() throws(SyntaxError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw error("truncated \\u escape") }
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }

    // MARK: - Writing

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else written as UTF-8.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
        return result
    }
}
