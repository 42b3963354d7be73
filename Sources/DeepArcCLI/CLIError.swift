/// A command-line failure with a one-line message (printed as `error: …`).
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
