/// A plain `prometheus.yml` scraping bertha and evaluating its rules (hosts without the operator).
public struct PrometheusConfiguration: Encodable, Sendable, Equatable {
    public struct Global: Encodable, Sendable, Equatable {
        public var scrapeInterval: String
        public var evaluationInterval: String
        enum CodingKeys: String, CodingKey { case scrapeInterval = "scrape_interval", evaluationInterval = "evaluation_interval" }
    }
    public struct StaticConfig: Encodable, Sendable, Equatable { public var targets: [String] }
    public struct ScrapeConfig: Encodable, Sendable, Equatable {
        public var jobName: String
        public var metricsPath: String
        public var staticConfigs: [StaticConfig]
        enum CodingKeys: String, CodingKey {
            case jobName = "job_name", metricsPath = "metrics_path", staticConfigs = "static_configs"
        }
    }
    public struct Alerting: Encodable, Sendable, Equatable {
        public struct Alertmanager: Encodable, Sendable, Equatable {
            public var staticConfigs: [StaticConfig]
            enum CodingKeys: String, CodingKey { case staticConfigs = "static_configs" }
        }
        public var alertmanagers: [Alertmanager]
    }

    public var global: Global
    public var ruleFiles: [String]
    public var scrapeConfigs: [ScrapeConfig]
    public var alerting: Alerting

    enum CodingKeys: String, CodingKey {
        case global, ruleFiles = "rule_files", scrapeConfigs = "scrape_configs", alerting
    }

    /// Scrapes `targets` (host:port of `bertha serve`) every `scrapeInterval` and sends alerts to `alertmanagers`.
    public init(targets: [String], alertmanagers: [String], ruleFiles: [String],
                scrapeInterval: String, evaluationInterval: String) {
        global = Global(scrapeInterval: scrapeInterval, evaluationInterval: evaluationInterval)
        self.ruleFiles = ruleFiles
        scrapeConfigs = [ScrapeConfig(jobName: "bertha", metricsPath: "/metrics", staticConfigs: [StaticConfig(targets: targets)])]
        alerting = Alerting(alertmanagers: [.init(staticConfigs: [StaticConfig(targets: alertmanagers)])])
    }
}
