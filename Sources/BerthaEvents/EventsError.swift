import BerthaCore

/// Everything `bertha events` can fail on, each case carrying the value it is about.
public enum EventsError: BerthaError, Equatable {
    /// A webhook body that is not the JSON the endpoint expects.
    case invalidPayload(endpoint: String, reason: String)
    /// No run with this id in the state directory.
    case unknownRun(id: String)
    /// Only finished runs that failed (or were interrupted) can be retried.
    case notRetryable(id: String, state: String)
    /// A run or state file that cannot be read or written.
    case state(path: String, reason: String)
    /// A step's child process could not be started.
    case spawn(executable: String, reason: String)
    /// A step ran and failed.
    case stepFailed(step: String, exitCode: Int32, log: String)
    /// A step succeeded but left no usable result (missing candidate file, unreadable JSON).
    case stepOutput(step: String, reason: String)
    /// A run ended failed (`events retry` in the foreground).
    case runFailed(id: String, reason: String, log: String)
    /// The receiver did not answer.
    case unreachable(url: String, reason: String)

    public var message: String {
        switch self {
        case .invalidPayload(let endpoint, let reason): "invalid \(endpoint) payload: \(reason)"
        case .unknownRun(let id): "no run '\(id)' (see bertha events runs)"
        case .notRetryable(let id, let state): "run '\(id)' is \(state); only failed runs can be retried"
        case .state(_, let reason): "cannot use the events state: \(reason)"
        case .spawn(let executable, let reason): "cannot start step command \(executable): \(reason)"
        case .stepFailed(let step, let code, _): "step \(step) failed with exit code \(code)"
        case .stepOutput(let step, let reason): "step \(step): \(reason)"
        case .runFailed(let id, let reason, _): "run \(id) failed: \(reason)"
        case .unreachable(_, let reason): "bertha events is not reachable: \(reason)"
        }
    }

    public var location: String? {
        switch self {
        case .state(let path, _): path
        case .stepFailed(_, _, let log): log
        case .runFailed(_, _, let log): log
        case .unreachable(let url, _): url
        case .spawn(let executable, _): executable
        default: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidPayload, .unknownRun, .notRetryable: .usage
        case .unreachable: .unreachable
        default: .failure
        }
    }
}
