import Foundation

/// Progress on stderr: a redrawn bar on a terminal, one line per milestone otherwise.
final class ProgressReporter {
    private let isTerminal: Bool
    private var lastDraw = Date.distantPast
    private var lineOpen = false

    init() {
        isTerminal = isatty(STDERR_FILENO) == 1
    }

    /// Redraws the bar (rate-limited) for `fraction` done with a trailing status text.
    func update(title: String, fraction: Double, status: String) {
        guard isTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || fraction >= 1 else { return }
        lastDraw = now
        let width = 24
        let clamped = min(max(fraction, 0), 1)
        let filled = Int((clamped * Double(width)).rounded(.down))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let percent = Int((clamped * 100).rounded())
        write("\r\u{1B}[2K\(title) [\(bar)] \(percent)% \(status)")
        lineOpen = true
    }

    /// Prints a finished milestone on its own line.
    func line(_ text: String) {
        if lineOpen {
            write("\r\u{1B}[2K")
            lineOpen = false
        }
        write(text + "\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
