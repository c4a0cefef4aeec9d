import BerthaCore
import Foundation

/// An access key pair (and optional session token). `description` never shows the secret.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String

    public init(accessKey: String, secretKey: String, sessionToken: String = "") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
    }

    public var description: String { "S3Credentials(accessKey: \(accessKey), secretKey: ***)" }

    /// Credentials from the `s3:` section (which already reads `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
    /// `AWS_SESSION_TOKEN`), else from the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE` or
    /// `~/.aws/credentials`, profile `AWS_PROFILE` or `default`).
    public static func resolve(_ section: S3Section,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(S3Error) -> S3Credentials {
        if !section.accessKey.isEmpty, !section.secretKey.isEmpty {
            return S3Credentials(accessKey: section.accessKey, secretKey: section.secretKey, sessionToken: section.sessionToken)
        }
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".aws/credentials").path
        let profile = environment["AWS_PROFILE"] ?? "default"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let found = parseCredentialsFile(text, profile: profile) else {
            throw S3Error.missingCredentials(hint: "set s3.access_key/s3.secret_key, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or profile [\(profile)] in \(path)")
        }
        return found
    }

    /// Reads one profile of an INI-style `~/.aws/credentials`.
    static func parseCredentialsFile(_ text: String, profile: String) -> S3Credentials? {
        var current = ""
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard current == profile, let eq = line.firstIndex(of: "=") else { continue }
            values[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else { return nil }
        return S3Credentials(accessKey: key, secretKey: secret, sessionToken: values["aws_session_token"] ?? "")
    }
}
