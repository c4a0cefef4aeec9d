/// `monitoring.coreos.com/v1/PrometheusRule`.
public struct PrometheusRule: Encodable, Sendable, Equatable {
    public struct Spec: Encodable, Sendable, Equatable { public var groups: [RuleGroup] }

    public var apiVersion = "monitoring.coreos.com/v1"
    public var kind = "PrometheusRule"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, groups: [RuleGroup]) {
        self.metadata = metadata
        spec = Spec(groups: groups)
    }
}
