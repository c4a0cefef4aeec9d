/// A plain `alertmanager.yml` (for clusters or hosts without the Prometheus Operator).
public struct AlertmanagerConfiguration: Encodable, Sendable, Equatable {
    public struct Route: Encodable, Sendable, Equatable {
        public var receiver: String
        public var groupBy: [String]?
        public var groupWait: String?
        public var groupInterval: String?
        public var repeatInterval: String?
        public var matchers: [String]?
        public var routes: [Route]?

        enum CodingKeys: String, CodingKey {
            case receiver, groupBy = "group_by", groupWait = "group_wait", groupInterval = "group_interval"
            case repeatInterval = "repeat_interval", matchers, routes
        }
    }
    public struct WebhookConfig: Encodable, Sendable, Equatable {
        public var url: String
        public var sendResolved: Bool
        enum CodingKeys: String, CodingKey { case url, sendResolved = "send_resolved" }
    }
    public struct Receiver: Encodable, Sendable, Equatable {
        public var name: String
        public var webhookConfigs: [WebhookConfig]?
        enum CodingKeys: String, CodingKey { case name, webhookConfigs = "webhook_configs" }
    }

    public var route: Route
    public var receivers: [Receiver]
}
