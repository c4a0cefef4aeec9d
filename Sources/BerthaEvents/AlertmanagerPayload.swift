import Foundation

/// The body Alertmanager's webhook receiver posts (payload version 4).
public struct AlertmanagerPayload: Codable, Sendable, Equatable {
    /// One alert of the notification group.
    public struct Alert: Codable, Sendable, Equatable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]?
        public var startsAt: String?
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?

        public init(status: String, labels: [String: String], annotations: [String: String]? = nil,
                    startsAt: String? = nil, endsAt: String? = nil, generatorURL: String? = nil, fingerprint: String? = nil) {
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.generatorURL = generatorURL
            self.fingerprint = fingerprint
        }

        /// Identifies one firing episode of one alert: Alertmanager re-sends the same fingerprint and
        /// `startsAt` on every repeat, and a new episode gets a new `startsAt`.
        public var episode: String {
            let identity = fingerprint ?? labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(identity)@\(startsAt ?? "")"
        }

        /// Alerts labelled `action: retrain` (bertha's FeedbackDegraded) start the retraining pipeline.
        public var requestsRetrain: Bool { status == "firing" && labels["action"] == "retrain" }
    }

    public var version: String?
    public var status: String
    public var receiver: String?
    public var groupKey: String?
    public var alerts: [Alert]
    public var groupLabels: [String: String]?
    public var commonLabels: [String: String]?
    public var commonAnnotations: [String: String]?
    public var externalURL: String?

    public init(status: String, alerts: [Alert], groupLabels: [String: String]? = nil, commonLabels: [String: String]? = nil) {
        self.version = "4"
        self.status = status
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
    }

    /// Decodes a webhook body.
    /// - Throws: `EventsError.invalidPayload` naming what is missing.
    public static func decode(_ data: Data) throws(EventsError) -> AlertmanagerPayload {
        do {
            return try JSONDecoder().decode(AlertmanagerPayload.self, from: data)
        } catch let error as DecodingError {
            throw .invalidPayload(endpoint: "Alertmanager", reason: Self.describe(error))
        } catch {
            throw .invalidPayload(endpoint: "Alertmanager", reason: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default:
            return "\(error)"
        }
    }
}
