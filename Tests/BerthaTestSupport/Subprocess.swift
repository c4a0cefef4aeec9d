import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of running a child process to completion.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` with `arguments`, feeding `stdin`, and waits for it.
///
/// Built on posix_spawn + waitpid rather than Foundation's `Process`: `Process.waitUntilExit`
/// can hang when the child leaves a daemon behind (as `scripts/services.sh start` does), and
/// output goes through files rather than pipes so a chatty child never blocks on a full pipe.
@discardableResult
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                       stdin: String? = nil, currentDirectory: URL? = nil) throws -> ProcessResult {
    let dir = try TemporaryDirectory("bertha-proc")
    defer { dir.remove() }
    let out = dir.path("stdout"), err = dir.path("stderr"), input = dir.path("stdin")
    try Data((stdin ?? "").utf8).write(to: input)

    let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    // posix_spawn_file_actions_addchdir_np is not visible to Swift here; coreutils' env -C is.
    let program = currentDirectory.map { _ in URL(fileURLWithPath: "/usr/bin/env") } ?? executable
    let prefix = currentDirectory.map { ["-C", $0.path, executable.path] } ?? []
    let pid = try spawnChild(program, prefix + arguments, environment: env,
                             stdin: stdin == nil ? "/dev/null" : input.path, stdout: out.path, stderr: err.path)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS, spelled out because the macros are not imported into Swift.
    let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return ProcessResult(status: exitStatus,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Starts `executable` with its standard streams on the given files, no signals blocked and
/// default signal handlers (the test runner may block SIGTERM; a child must not inherit that, or
/// stopping it hangs). Returns the child's pid; the caller reaps it.
func spawnChild(_ executable: URL, _ arguments: [String], environment: [String],
                stdin: String, stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
    var pid: pid_t = 0
    let spawned = withCStrings([executable.path] + arguments) { argv in
        withCStrings(environment) { envp in posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp) }
    }
    guard spawned == 0 else { throw SpawnFailure(executable: executable.path, reason: String(cString: strerror(spawned))) }
    return pid
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}

public struct SpawnFailure: Error, CustomStringConvertible {
    public let executable: String
    public let reason: String
    public var description: String { "cannot run \(executable): \(reason)" }
}

/// Runs a Python snippet in the test venv (`.venv/bin/python -c`), throwing with its stderr on failure.
@discardableResult
public func runPython(_ code: String, arguments: [String] = []) throws -> String {
    let result = try runProcess(TestEnvironment.python(), ["-c", code] + arguments)
    guard result.status == 0 else {
        throw PythonFailure(stderr: result.stderr)
    }
    return result.stdout
}

public struct PythonFailure: Error, CustomStringConvertible {
    public let stderr: String
    public var description: String { "python failed: \(stderr)" }
}
