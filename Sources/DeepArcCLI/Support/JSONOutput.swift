import Foundation

/// Encodes command results as JSON on stdout: sorted keys, NaN and infinities written as null.
enum JSONOutput {
    /// Prints `value` as one JSON document.
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "__deeparc_null__", negativeInfinity: "__deeparc_null__", nan: "__deeparc_null__")
        let data = try encoder.encode(value)
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"__deeparc_null__\"", with: "null")
        Swift.print(text)
    }
}
