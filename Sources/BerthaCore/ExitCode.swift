/// bertha's documented process exit codes (README, "Exit codes").
public enum BerthaExitCode: Int32, Sendable {
    /// Everything worked.
    case success = 0
    /// A runtime failure: bad model file, failed training, a peer that answered with an error.
    case failure = 1
    /// The command line or the configuration is wrong; nothing was attempted.
    case usage = 2
    /// A service bertha depends on (MLflow, S3, Milvus, Prometheus) could not be reached.
    case unreachable = 3
}
