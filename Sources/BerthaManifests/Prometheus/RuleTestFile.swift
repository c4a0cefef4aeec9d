/// A `promtool test rules` file.
public struct RuleTestFile: Encodable, Sendable, Equatable {
    public struct Series: Encodable, Sendable, Equatable {
        public var series: String
        public var values: String
    }
    public struct ExpectedAlert: Encodable, Sendable, Equatable {
        public var expLabels: StringMap
        public var expAnnotations: StringMap
        enum CodingKeys: String, CodingKey { case expLabels = "exp_labels", expAnnotations = "exp_annotations" }
    }
    public struct AlertCase: Encodable, Sendable, Equatable {
        public var evalTime: String
        public var alertname: String
        public var expAlerts: [ExpectedAlert]
        enum CodingKeys: String, CodingKey { case evalTime = "eval_time", alertname, expAlerts = "exp_alerts" }
    }
    public struct TestCase: Encodable, Sendable, Equatable {
        public var name: String
        public var interval: String
        public var inputSeries: [Series]
        public var alertRuleTest: [AlertCase]
        enum CodingKeys: String, CodingKey {
            case name, interval, inputSeries = "input_series", alertRuleTest = "alert_rule_test"
        }
    }

    public var ruleFiles: [String]
    public var evaluationInterval: String
    public var tests: [TestCase]

    enum CodingKeys: String, CodingKey {
        case ruleFiles = "rule_files", evaluationInterval = "evaluation_interval", tests
    }
}
