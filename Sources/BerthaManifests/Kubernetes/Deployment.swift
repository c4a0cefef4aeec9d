/// `apps/v1/Deployment`.
public struct Deployment: Encodable, Sendable, Equatable {
    public struct Spec: Encodable, Sendable, Equatable {
        public var replicas: Int?
        public var revisionHistoryLimit: Int?
        public var selector: LabelSelector
        public var template: PodTemplateSpec
    }

    public var apiVersion = "apps/v1"
    public var kind = "Deployment"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
