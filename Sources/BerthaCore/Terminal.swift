import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How output should look: what the global `--quiet`, `--verbose` and `--json` flags chose, and
/// whether stderr is an interactive terminal (bars and spinners) or a log (CI, files, pipes).
public struct OutputStyle: Sendable, Equatable {
    public var quiet: Bool
    public var verbose: Bool
    public var json: Bool
    /// Draw progress bars: stderr is a TTY and `CI` is not set to true.
    public var interactive: Bool

    public init(quiet: Bool = false, verbose: Bool = false, json: Bool = false,
                interactive: Bool = OutputStyle.detectInteractive()) {
        self.quiet = quiet
        self.verbose = verbose
        self.json = json
        self.interactive = interactive
    }

    /// stderr is a terminal and we are not under CI.
    public static func detectInteractive(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if environment["CI"] == "true" { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDERR_FILENO) == 1
    }
}

/// Writes to stderr without buffering surprises; every line passes through the `Redactor`.
public enum StandardError {
    public static func write(_ text: String) {
        let redacted = Redactor.shared.redact(text)
        FileHandle.standardError.write(Data(redacted.utf8))
    }
}
