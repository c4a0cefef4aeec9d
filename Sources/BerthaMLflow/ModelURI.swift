/// Where a model comes from: a registry version, a run artifact, an object, or a local file.
public enum ModelURI: Sendable, Equatable, CustomStringConvertible {
    /// `models:/NAME@ALIAS`
    case alias(name: String, alias: String)
    /// `models:/NAME/VERSION`
    case version(name: String, version: String)
    /// `runs:/RUN_ID/path`
    case run(runID: String, path: String)
    /// `s3://bucket/key`
    case s3(bucket: String, key: String)
    /// `mlflow-artifacts:/…` (through the tracking server's proxy)
    case artifact(String)
    /// A plain path.
    case file(String)

    /// True when `text` names something bertha must resolve (anything but a plain path).
    public static func isRemote(_ text: String) -> Bool {
        ["models:/", "runs:/", "s3://", "mlflow-artifacts:"].contains { text.hasPrefix($0) }
    }

    /// Parses a model reference.
    /// - Throws: `MLflowError.invalidURI` naming what is wrong.
    public init(_ text: String) throws(MLflowError) {
        if text.hasPrefix("models:/") {
            let rest = String(text.dropFirst("models:/".count))
            if let at = rest.lastIndex(of: "@") {
                let name = String(rest[..<at]), alias = String(rest[rest.index(after: at)...])
                guard !name.isEmpty, !alias.isEmpty, !alias.contains("/") else {
                    throw MLflowError.invalidURI(text, reason: "expected models:/NAME@ALIAS")
                }
                self = .alias(name: name, alias: alias)
                return
            }
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let number = Int(parts[1]), number > 0 else {
                throw MLflowError.invalidURI(text, reason: "expected models:/NAME/VERSION (a positive number) or models:/NAME@ALIAS")
            }
            self = .version(name: String(parts[0]), version: String(number))
        } else if text.hasPrefix("runs:/") {
            let rest = text.dropFirst("runs:/".count)
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) != rest.endIndex else {
                throw MLflowError.invalidURI(text, reason: "expected runs:/RUN_ID/path")
            }
            self = .run(runID: String(rest[..<slash]), path: String(rest[rest.index(after: slash)...]))
        } else if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) != rest.endIndex else {
                throw MLflowError.invalidURI(text, reason: "expected s3://bucket/key")
            }
            self = .s3(bucket: String(rest[..<slash]), key: String(rest[rest.index(after: slash)...]))
        } else if text.hasPrefix("mlflow-artifacts:") {
            guard case .proxied = try MLflowClient.artifactLocation(text) else {
                throw MLflowError.invalidURI(text, reason: "expected mlflow-artifacts:/path")
            }
            self = .artifact(text)
        } else {
            guard !text.isEmpty else { throw MLflowError.invalidURI(text, reason: "empty model reference") }
            self = .file(text)
        }
    }

    public var description: String {
        switch self {
        case .alias(let name, let alias): "models:/\(name)@\(alias)"
        case .version(let name, let version): "models:/\(name)/\(version)"
        case .run(let runID, let path): "runs:/\(runID)/\(path)"
        case .s3(let bucket, let key): "s3://\(bucket)/\(key)"
        case .artifact(let uri): uri
        case .file(let path): path
        }
    }
}
