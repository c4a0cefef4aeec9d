import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one step as a child process: standard output to a file (the step's `--json` result),
/// standard error appended to the run's log.
///
/// posix_spawn + non-blocking waitpid rather than Foundation's `Process`: `Process` can hang when
/// a child leaves a daemon behind, and output to files means a chatty child never blocks on a pipe.
enum ChildProcess {
    /// Runs `executable arguments…` and returns its exit status (128+signal when killed).
    /// Cancelling the calling task sends the child SIGTERM and waits for it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    stdout: URL, log: URL) async throws(EventsError) -> Int32 {
        let pid = try spawn(executable, arguments, environment: environment, stdout: stdout.path, log: log.path)
        var status: Int32 = 0
        var signalled = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped == -1 && errno != EINTR { return 127 }
            if Task.isCancelled && !signalled {
                kill(pid, SIGTERM)
                signalled = true
            }
            // A cancelled task's sleep returns at once: wait for the signalled child without spinning.
            if signalled { usleep(50_000) } else { try? await Task.sleep(nanoseconds: 50_000_000) }
        }
        // WIFEXITED / WEXITSTATUS spelled out: the macros are not imported into Swift.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                              stdout: String, log: String) throws(EventsError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The receiver's service group blocks/handles SIGTERM and SIGINT; a step must get the defaults.
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let env = environment.map { "\($0.key)=\($0.value)" }
        let spawned = withCStrings([executable] + arguments) { argv in
            withCStrings(env) { envp in posix_spawnp(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard spawned == 0 else { throw .spawn(executable: executable, reason: String(cString: strerror(spawned))) }
        return pid
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
