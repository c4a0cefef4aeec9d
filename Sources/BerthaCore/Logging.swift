import Foundation
import Logging
import Synchronization

/// bertha's log lines: `2026-11-29T10:00:00.123Z info [serve] message key=value`, on stderr,
/// redacted. Bootstrapped once by the CLI; libraries just create `Logger(label:)`.
public struct BerthaLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let short = label.hasPrefix("bertha.") ? String(label.dropFirst(7)) : label
        let line = "\(Self.timestamp()) \(event.level) [\(short)] \(event.message)" + (fields.isEmpty ? "" : " \(fields)")
        StandardError.write(line.oneLine + "\n")
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Sets up swift-log for the process. Safe to call more than once (later calls are ignored),
/// which matters because swift-log itself traps on a second bootstrap.
public enum BerthaLogging {
    private static let done = Mutex(false)

    public static func bootstrap(level: Logger.Level) {
        let first = done.withLock { flag -> Bool in
            defer { flag = true }
            return !flag
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in BerthaLogHandler(label: label, level: level) }
    }

    /// The level for a configured name and the global flags: `--quiet` shows warnings and worse,
    /// `--verbose` shows debug.
    public static func level(configured: String, style: OutputStyle) -> Logger.Level {
        if style.quiet { return .warning }
        if style.verbose { return .debug }
        return Logger.Level(rawValue: configured) ?? .info
    }
}
