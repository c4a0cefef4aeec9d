import Foundation

/// Endpoints of the test services `scripts/services.sh start` runs on 127.0.0.1 (see README,
/// "Test services"). Each can be pointed elsewhere by its environment variable. Integration tests
/// use these and fail (never skip) when the service does not answer.
public enum TestServices {
    private static func env(_ name: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    /// MLflow tracking server with the registry and proxied artifacts.
    public static var mlflowURL: String { env("BERTHA_TEST_MLFLOW_URL", "http://127.0.0.1:5000") }
    /// SeaweedFS S3 gateway (SigV4 enforced).
    public static var s3Endpoint: String { env("BERTHA_TEST_S3_ENDPOINT", "http://127.0.0.1:8333") }
    public static var s3AccessKey: String { env("BERTHA_TEST_S3_ACCESS_KEY", "bertha-test") }
    public static var s3SecretKey: String { env("BERTHA_TEST_S3_SECRET_KEY", "bertha-test-secret-key") }
    /// Milvus 2.3.5 standalone; REST v1 on the same port.
    public static var milvusURL: String { env("BERTHA_TEST_MILVUS_URL", "http://127.0.0.1:19530") }
    public static var prometheusURL: String { env("BERTHA_TEST_PROMETHEUS_URL", "http://127.0.0.1:9090") }
    public static var alertmanagerURL: String { env("BERTHA_TEST_ALERTMANAGER_URL", "http://127.0.0.1:9093") }
}
