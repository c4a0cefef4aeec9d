import BerthaCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of the feedback log: the vote and the conversation it rates. `bertha retrain` reads
/// these as training data (👍 → supervised example; 👎 → excluded unless corrected in review).
public struct FeedbackRecord: Codable, Sendable, Equatable {
    public var completionID: String
    public var score: FeedbackScore
    public var comment: String?
    public var model: String
    public var modelVersion: String
    public var messages: [ChatTurn]
    public var completion: String
    public var timestamp: String

    enum CodingKeys: String, CodingKey {
        case score, comment, model, messages, completion, timestamp
        case completionID = "completion_id"
        case modelVersion = "model_version"
    }
}

/// An append-only JSONL file, fsync'd after every record and rotated by size
/// (`feedback.jsonl` → `feedback.jsonl.1`, …, keeping `keep` old files).
public actor FeedbackLog {
    public nonisolated let url: URL
    private let maxBytes: Int
    private let keep: Int
    private var handle: FileHandle?

    public init(url: URL, maxBytes: Int, keep: Int = 5) {
        self.url = url
        self.maxBytes = maxBytes
        self.keep = keep
    }

    /// Appends one record durably.
    /// - Throws: `FileError` naming the log when it cannot be written.
    public func append(_ record: FeedbackRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(0x0A)
        let handle = try openHandle()
        if (try? handle.offset()).map({ Int($0) + line.count > maxBytes }) == true {
            try rotate()
            return try append(record)
        }
        do {
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw FileError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }

    private func openHandle() throws -> FileHandle {
        if let handle { return handle }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        guard let opened = try? FileHandle(forWritingTo: url) else {
            throw FileError.cannotWrite(path: url.path, reason: "cannot open the feedback log")
        }
        _ = try opened.seekToEnd()
        handle = opened
        return opened
    }

    private func rotate() throws {
        try handle?.close()
        handle = nil
        let fm = FileManager.default
        try? fm.removeItem(atPath: "\(url.path).\(keep)")
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(url.path).\(index)") {
                _ = rename("\(url.path).\(index)", "\(url.path).\(index + 1)")
            }
        }
        _ = rename(url.path, "\(url.path).1")
        AtomicFile.fsyncPath(url.deletingLastPathComponent().path)
    }
}
