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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.path("stdout").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory.path("stderr").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The test runner may block signals; a child must start with none blocked and default
        // handlers, or SIGTERM never reaches it and stopping it hangs.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable.path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnFailure(executable: executable.path, reason: String(cString: strerror(rc))) }
        pid = child
    }

    /// stdout and stderr so far.
    public var output: String {
        ((try? String(contentsOf: directory.path("stdout"), encoding: .utf8)) ?? "")
            + ((try? String(contentsOf: directory.path("stderr"), encoding: .utf8)) ?? "")
    }

    /// Polls the output until `pattern` (a regular expression) matches, returning its first capture group.
    public func waitFor(_ pattern: String, timeout: Double = 60) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = output
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return String(text[Range(range, in: text)!])
            }
            if hasExited { break }
            try await Task.sleep(for: .milliseconds(100))
        }
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
