/// `s3:` — the object store (MinIO, SeaweedFS, AWS S3).
public struct S3Section: ConfigSection {
    public static let name = "s3"
    public static let help = "S3-compatible object storage for documents and model files."

    public var endpoint = "http://127.0.0.1:8333"
    public var region = "us-east-1"
    public var bucket = "bertha-docs"
    public var accessKey = ""
    public var secretKey = ""
    public var sessionToken = ""
    public var pathStyle = true
    public var multipartThreshold = 64 << 20
    public var partSize = 16 << 20

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("endpoint", \.endpoint, help: "S3 endpoint URL", env: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
              validate: Check.httpURL),
        .init("region", \.region, help: "SigV4 signing region", env: ["AWS_REGION", "AWS_DEFAULT_REGION"]),
        .init("bucket", \.bucket, help: "bucket documents are uploaded to and ingested from"),
        .init("access_key", \.accessKey, help: "access key id", secret: true, env: ["AWS_ACCESS_KEY_ID"]),
        .init("secret_key", \.secretKey, help: "secret access key", secret: true, env: ["AWS_SECRET_ACCESS_KEY"]),
        .init("session_token", \.sessionToken, help: "session token for temporary credentials", secret: true,
              env: ["AWS_SESSION_TOKEN"]),
        .init("path_style", \.pathStyle, help: "path-style URLs (MinIO, SeaweedFS); false for virtual-host style"),
        .init("multipart_threshold", \.multipartThreshold, help: "files larger than this upload in parts",
              validate: Check.atLeast(5 << 20)),
        .init("part_size", \.partSize, help: "multipart part size", validate: Check.range((5 << 20)...(5 << 30))),
    ]
}
