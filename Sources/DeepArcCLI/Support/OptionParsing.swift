package import DeepArc
import Foundation

/// Turns repeated `--option key=value` arguments into a strategy's raw options.
///
/// A value is read as JSON when it is a JSON literal (`0.95`, `true`, `null`, `"text"`, `[1, 2]`,
/// `{"a": 1}`); otherwise as a plain number when Swift reads it as a finite one (`.5`); otherwise as
/// a bare string (`link`, `cka.linear`).
package enum OptionParsing {
    /// The options as a map, or nil when none were given (the strategy's defaults).
    /// - Parameters:
    ///   - arguments: the `key=value` texts in command-line order.
    ///   - flag: the flag's spelling for messages (`--option`).
    /// - Throws: a one-line error naming the argument when it has no `=`, an empty key, a key given
    ///   twice, a non-finite number or malformed JSON.
    package static func parse(_ arguments: [String], flag: String = "--option") throws -> ConfigValue? {
        guard !arguments.isEmpty else { return nil }
        var members: [String: ConfigValue] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw CLIError("\(flag) '\(argument)': expected key=value, e.g. \(flag) threshold=0.95")
            }
            let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
            let text = String(argument[argument.index(after: equals)...])
            guard !key.isEmpty else {
                throw CLIError("\(flag) '\(argument)': the option name before '=' is empty")
            }
            guard members[key] == nil else {
                throw CLIError("\(flag) '\(key)' is given more than once")
            }
            members[key] = try value(text, key: key, flag: flag)
        }
        return .object(members)
    }

    /// The configuration value a command-line text stands for (see ``OptionParsing``).
    /// - Throws: a one-line error for a non-finite number or text that starts like JSON but is not.
    package static func value(_ text: String, key: String, flag: String = "--option") throws -> ConfigValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let decoded = try? JSONDecoder().decode(ConfigValue.self, from: Data(trimmed.utf8)) {
            return decoded
        }
        if let first = trimmed.first, "[{\"".contains(first) {
            throw CLIError("\(flag) \(key)=\(text): the value starts like JSON but is not valid JSON")
        }
        if let number = Double(trimmed) {
            guard number.isFinite else {
                throw CLIError("\(flag) \(key)=\(text): the value must be a finite number")
            }
            return .number(number)
        }
        return .string(text)
    }
}
