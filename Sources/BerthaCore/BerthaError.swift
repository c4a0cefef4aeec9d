/// An error bertha reports to its user as one line: `bertha: error: <what> (<where>)`.
///
/// Every module's error enum conforms, so the CLI renders all of them the same way and picks the
/// exit code from the error itself rather than from where it was caught.
public protocol BerthaError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in words a user can act on. Never contains a secret.
    var message: String { get }
    /// The file, key, URL or tensor the error is about, if any (file:line for configuration).
    var location: String? { get }
    /// The process exit code this error maps to.
    var exitCode: BerthaExitCode { get }
}

extension BerthaError {
    public var location: String? { nil }
    public var exitCode: BerthaExitCode { .failure }
    public var description: String {
        if let location { return "\(message) (\(location))" }
        return message
    }
}

/// Renders any error as bertha's one-line message (without the `bertha: error:` prefix) and the
/// exit code it maps to. Foreign errors (Foundation, POSIX) become runtime failures.
public func describeError(_ error: any Error) -> (line: String, code: BerthaExitCode) {
    if let error = error as? any BerthaError {
        return (Redactor.shared.redact(error.description.oneLine), error.exitCode)
    }
    return (Redactor.shared.redact(String(describing: error).oneLine), .failure)
}

extension String {
    /// Newlines folded so an error stays one line in logs and terminals.
    public var oneLine: String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
