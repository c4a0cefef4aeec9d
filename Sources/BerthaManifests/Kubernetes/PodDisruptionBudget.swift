/// `policy/v1/PodDisruptionBudget`.
public struct PodDisruptionBudget: Encodable, Sendable, Equatable {
    public struct Spec: Encodable, Sendable, Equatable {
        public var maxUnavailable: Int
        public var selector: LabelSelector
    }

    public var apiVersion = "policy/v1"
    public var kind = "PodDisruptionBudget"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
