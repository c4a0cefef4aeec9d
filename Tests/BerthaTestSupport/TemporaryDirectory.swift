import Foundation

/// A fresh directory under the system temp dir, removed by `remove()` (call it in a `defer`).
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ label: String = "bertha-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
