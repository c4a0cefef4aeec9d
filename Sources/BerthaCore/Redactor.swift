import Foundation
import Synchronization

/// Removes secret values from text before it reaches a log line or an error message.
///
/// Configuration registers each secret it loads (API keys, S3 secrets, MLflow passwords); every
/// error line and log message passes through `redact`. This is a safety net under the rule that
/// code never formats a secret in the first place.
public final class Redactor: Sendable {
    /// The process-wide redactor: secrets are process-wide too (they come from the one config).
    public static let shared = Redactor()

    private let secrets = Mutex<Set<String>>([])

    public init() {}

    /// Registers a secret value. Values shorter than 4 characters are ignored: masking them would
    /// mangle ordinary words and they protect nothing.
    public func register(_ secret: String) {
        guard secret.count >= 4 else { return }
        secrets.withLock { _ = $0.insert(secret) }
    }

    /// `text` with every registered secret, and the credentials of any URL, replaced by `***`.
    public func redact(_ text: String) -> String {
        var result = text
        let known = secrets.withLock { $0 }
        for secret in known.sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return Self.maskURLCredentials(result)
    }

    /// `scheme://user:password@host` → `scheme://user:***@host`; presigned query signatures too.
    static func maskURLCredentials(_ text: String) -> String {
        var result = text
        if let regex = try? NSRegularExpression(pattern: #"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):[^@\s/]+@"#) {
            result = regex.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result),
                                                    withTemplate: "$1:***@")
        }
        if let regex = try? NSRegularExpression(pattern: #"((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|api_key|apikey)=)[^&\s"]+"#,
                                                options: [.caseInsensitive]) {
            result = regex.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result),
                                                    withTemplate: "$1***")
        }
        return result
    }
}
