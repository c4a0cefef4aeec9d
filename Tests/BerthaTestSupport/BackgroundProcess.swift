import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process left running while a test talks to it (a server), with its output in files.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    private let directory: TemporaryDirectory
    private var exitStatus: Int32?

    /// Starts `executable`; its stdout and stderr go to files readable through `output`.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws {
        directory = try TemporaryDirectory("bertha-bg")
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let child = try spawnChild(executable, arguments, environment: env, stdin: "/dev/null",
                                   stdout: directory.path("stdout").path, stderr: directory.path("stderr").path)
        pid = child
    }

    /// stdout and stderr so far.
    public var output: String {
        ((try? String(contentsOf: directory.path("stdout"), encoding: .utf8)) ?? "")
            + ((try? String(contentsOf: directory.path("stderr"), encoding: .utf8)) ?? "")
    }

    /// Polls the output until `pattern` (a regular expression) matches, returning its first capture group.
    public func waitFor(_ pattern: String, timeout: Double = 120) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        func match() -> String? {
            let text = output
            guard let found = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
            let range = found.numberOfRanges > 1 ? found.range(at: 1) : found.range
            return String(text[Range(range, in: text)!])
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !hasExited {
            if let value = match() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        // One last look: a busy machine can wake this task only after the deadline.
        if let value = match() { return value }
        throw SpawnFailure(executable: "pid \(pid)", reason: "no '\(pattern)' in its output: \(output)")
    }

    /// True once the process has ended (reaps it).
    public var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return true
        }
        return false
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32? {
        if !hasExited { kill(pid, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while !hasExited && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if !hasExited { kill(pid, SIGKILL); _ = hasExited }
        return exitStatus
    }

    deinit {
        if exitStatus == nil { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) }
        directory.remove()
    }
}
