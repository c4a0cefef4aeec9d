/// `mlflow:` — the tracking server and model registry.
public struct MLflowSection: ConfigSection {
    public static let name = "mlflow"
    public static let help = "MLflow tracking server and model registry."

    public var trackingURI = "http://127.0.0.1:5000"
    public var experiment = "bertha"
    public var modelName = "smollm2"
    public var username = ""
    public var password = ""
    public var token = ""
    public var s3Endpoint = ""

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("tracking_uri", \.trackingURI, help: "tracking server URL", env: ["MLFLOW_TRACKING_URI"],
              validate: Check.httpURL),
        .init("experiment", \.experiment, help: "experiment runs are logged to", env: ["MLFLOW_EXPERIMENT_NAME"]),
        .init("model_name", \.modelName, help: "registered model name bertha registers and serves"),
        .init("username", \.username, help: "basic-auth user", env: ["MLFLOW_TRACKING_USERNAME"]),
        .init("password", \.password, help: "basic-auth password", secret: true, env: ["MLFLOW_TRACKING_PASSWORD"]),
        .init("token", \.token, help: "Bearer token", secret: true, env: ["MLFLOW_TRACKING_TOKEN"]),
        .init("s3_endpoint", \.s3Endpoint, help: "S3 endpoint of the artifact store for direct artifact access",
              env: ["MLFLOW_S3_ENDPOINT_URL"]),
    ]
}
