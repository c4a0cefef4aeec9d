/// `argoproj.io/v1alpha1/EventSource`: a webhook (Alertmanager posts here) or a MinIO bucket.
public struct EventSource: Encodable, Sendable, Equatable {
    public struct ServicePort: Encodable, Sendable, Equatable {
        public var name: String
        public var port: Int
        public var targetPort: Int
    }
    public struct ServiceSpec: Encodable, Sendable, Equatable { public var ports: [ServicePort] }
    public struct Webhook: Encodable, Sendable, Equatable {
        public var endpoint: String
        public var method: String
        public var port: String
        /// Where the webhook is reachable (Argo Events requires it; informational for a plain webhook).
        public var url: String
    }
    public struct Bucket: Encodable, Sendable, Equatable { public var name: String }
    public struct Filter: Encodable, Sendable, Equatable {
        public var prefix: String
        public var suffix: String
    }
    public struct Minio: Encodable, Sendable, Equatable {
        public var bucket: Bucket
        /// host:port, no scheme: Argo Events hands it to the MinIO client as is.
        public var endpoint: String
        public var events: [String]
        public var filter: Filter
        public var insecure: Bool
        public var accessKey: SecretKeySelector
        public var secretKey: SecretKeySelector
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var eventBusName: String
        public var service: ServiceSpec?
        public var webhook: [String: Webhook]?
        public var minio: [String: Minio]?
    }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "EventSource"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    /// The Service Argo Events creates for an EventSource with `spec.service`.
    public static func serviceName(of eventSource: String) -> String { "\(eventSource)-eventsource-svc" }
}
