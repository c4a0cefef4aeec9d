/// A Prometheus rule group, shared by the plain rules file and `PrometheusRule.spec.groups`.
public struct RuleGroup: Encodable, Sendable, Equatable {
    public var name: String
    public var interval: String?
    public var rules: [Rule]
}

/// A recording rule (`record`) or an alerting rule (`alert`).
public struct Rule: Encodable, Sendable, Equatable {
    public var record: String?
    public var alert: String?
    public var expr: String
    public var forDuration: String?
    public var labels: StringMap?
    public var annotations: StringMap?

    enum CodingKeys: String, CodingKey {
        case record, alert, expr, forDuration = "for", labels, annotations
    }

    public static func recording(_ name: String, _ expr: String) -> Rule {
        Rule(record: name, expr: expr)
    }

    public static func alerting(_ name: String, _ expr: String, for duration: String,
                                labels: StringMap, annotations: StringMap) -> Rule {
        Rule(alert: name, expr: expr, forDuration: duration, labels: labels, annotations: annotations)
    }
}

/// The plain rules file `promtool check rules` and `rule_files:` read.
public struct RuleFile: Encodable, Sendable, Equatable {
    public var groups: [RuleGroup]
}
