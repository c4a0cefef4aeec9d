/// `monitoring.coreos.com/v1alpha1/AlertmanagerConfig`: a route and webhook receivers.
public struct AlertmanagerConfig: Encodable, Sendable, Equatable {
    public struct Matcher: Encodable, Sendable, Equatable {
        public var name: String
        public var value: String
        public var matchType: String
    }
    public struct Route: Encodable, Sendable, Equatable {
        public var receiver: String
        public var groupBy: [String]?
        public var groupWait: String?
        public var groupInterval: String?
        public var repeatInterval: String?
        public var matchers: [Matcher]?
        public var `continue`: Bool?
        public var routes: [Route]?
    }
    public struct WebhookConfig: Encodable, Sendable, Equatable {
        public var url: String
        public var sendResolved: Bool
        public var maxAlerts: Int?
    }
    public struct Receiver: Encodable, Sendable, Equatable {
        public var name: String
        public var webhookConfigs: [WebhookConfig]?
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var route: Route
        public var receivers: [Receiver]
    }

    public var apiVersion = "monitoring.coreos.com/v1alpha1"
    public var kind = "AlertmanagerConfig"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
