/// `argoproj.io/v1alpha1/EventBus` (Argo Events' NATS JetStream bus).
public struct EventBus: Encodable, Sendable, Equatable {
    public struct JetStream: Encodable, Sendable, Equatable {
        public var version: String
        public var replicas: Int
    }
    public struct Spec: Encodable, Sendable, Equatable { public var jetstream: JetStream }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "EventBus"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, jetStreamVersion: String, replicas: Int) {
        self.metadata = metadata
        spec = Spec(jetstream: JetStream(version: jetStreamVersion, replicas: replicas))
    }
}
