/// `monitoring.coreos.com/v1/ServiceMonitor` scraping a named Service port.
public struct ServiceMonitor: Encodable, Sendable, Equatable {
    public struct Endpoint: Encodable, Sendable, Equatable {
        public var port: String
        public var path: String
        public var interval: String
    }
    public struct NamespaceSelector: Encodable, Sendable, Equatable { public var matchNames: [String] }
    public struct Spec: Encodable, Sendable, Equatable {
        public var selector: LabelSelector
        public var namespaceSelector: NamespaceSelector
        public var endpoints: [Endpoint]
    }

    public var apiVersion = "monitoring.coreos.com/v1"
    public var kind = "ServiceMonitor"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
