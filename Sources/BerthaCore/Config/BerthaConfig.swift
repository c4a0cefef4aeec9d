/// The whole effective configuration: every section of bertha.yaml with its values after the
/// layers (default < file < environment < flag) are merged and validated.
public struct BerthaConfig: Sendable, Equatable {
    public var model = ModelSection()
    public var server = ServerSection()
    public var embeddings = EmbeddingsSection()
    public var ingest = IngestSection()
    public var vectorStore = VectorStoreSection()
    public var s3 = S3Section()
    public var mlflow = MLflowSection()
    public var retrain = RetrainSection()
    public var alerts = AlertsSection()
    public var kubernetes = KubernetesSection()
    public var events = EventsSection()
    public var logging = LoggingSection()

    public init() {}

    /// Every section, in file order.
    static let sections: [AnySection] = [
        AnySection(\.model), AnySection(\.server), AnySection(\.embeddings), AnySection(\.ingest),
        AnySection(\.vectorStore), AnySection(\.s3), AnySection(\.mlflow), AnySection(\.retrain),
        AnySection(\.alerts), AnySection(\.kubernetes), AnySection(\.events), AnySection(\.logging),
    ]

    /// All keys as `section.key`, for error suggestions and documentation.
    public static var allKeys: [String] {
        sections.flatMap { section in section.keys.map { "\(section.name).\($0.key)" } }
    }

    /// The environment variable that sets `section.key`: `BERTHA_SECTION_KEY`.
    public static func environmentName(section: String, key: String) -> String {
        "BERTHA_\(section.uppercased())_\(key.uppercased())"
    }
}
