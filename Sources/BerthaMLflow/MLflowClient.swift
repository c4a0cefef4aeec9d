import BerthaCore
import Foundation
import Logging

/// A client of the MLflow tracking server and model registry over REST API 2.0, on bertha's
/// `HTTPClient` (retries, timeouts, redacted errors).
///
/// Errors keep MLflow's `error_code`; a server that cannot be reached is `MLflowError.unreachable`
/// (exit code 3) naming the tracking URI. Artifacts go through the server's proxy
/// (`/api/2.0/mlflow-artifacts/artifacts/…`, `mlflow server --serve-artifacts`), where 500s are
/// retried too, since the proxy reports a flaky artifact store that way.
public struct MLflowClient: Sendable {
    /// The tracking server, e.g. `http://127.0.0.1:5000`.
    public let trackingURI: URL
    let api: HTTPClient
    let artifactHTTP: HTTPClient
    /// Endpoint of the S3 artifact store for `s3://` artifact roots (`MLFLOW_S3_ENDPOINT_URL`).
    public let s3Endpoint: String
    /// Credentials and settings for direct S3 artifact access (`s3://` artifact roots); the endpoint
    /// is `s3Endpoint` when set.
    public var s3Section: S3Section?
    let logger = Logger(label: "bertha.mlflow")

    /// - Parameters:
    ///   - trackingURI: the tracking server's base URL.
    ///   - username, password: HTTP basic auth (`MLFLOW_TRACKING_USERNAME`/`_PASSWORD`); used when `token` is empty.
    ///   - token: a Bearer token (`MLFLOW_TRACKING_TOKEN`).
    ///   - retry: how API requests are retried (artifact requests also retry 500).
    public init(trackingURI: URL, username: String = "", password: String = "", token: String = "",
                s3Endpoint: String = "", timeout: Double = 60, retry: RetryPolicy = RetryPolicy()) {
        self.trackingURI = trackingURI
        self.s3Endpoint = s3Endpoint
        var headers: [String: String] = [:]
        if !token.isEmpty {
            headers["Authorization"] = "Bearer \(token)"
            Redactor.shared.register(token)
        } else if !username.isEmpty {
            let basic = Data("\(username):\(password)".utf8).base64EncodedString()
            headers["Authorization"] = "Basic \(basic)"
            Redactor.shared.register(password)
            Redactor.shared.register(basic)
        }
        api = HTTPClient(timeout: timeout, retry: retry, defaultHeaders: headers)
        var artifactRetry = retry
        artifactRetry.retryableStatuses.insert(500)
        artifactHTTP = HTTPClient(timeout: timeout, retry: artifactRetry, defaultHeaders: headers)
    }

    /// A client configured by the `mlflow:` section (which already honours `MLFLOW_TRACKING_URI`,
    /// `MLFLOW_TRACKING_USERNAME`/`_PASSWORD`/`_TOKEN` and `MLFLOW_S3_ENDPOINT_URL`).
    public init(section: MLflowSection, retry: RetryPolicy = RetryPolicy()) throws(MLflowError) {
        guard let url = URL(string: section.trackingURI), url.host != nil else {
            throw MLflowError.invalidURI(section.trackingURI, reason: "mlflow.tracking_uri is not an http(s) URL")
        }
        self.init(trackingURI: url, username: section.username, password: section.password, token: section.token,
                  s3Endpoint: section.s3Endpoint, retry: retry)
    }

    /// A client configured by the whole configuration: `mlflow:` for the server, `s3:` for direct artifact access.
    public init(config: BerthaConfig, retry: RetryPolicy = RetryPolicy()) throws(MLflowError) {
        try self.init(section: config.mlflow, retry: retry)
        s3Section = config.s3
    }

    /// The tracking URI as errors show it (no credentials).
    var displayURI: String { HTTPClient.redacted(trackingURI) }

    // MARK: - plumbing

    /// `<tracking>/api/2.0/mlflow/<endpoint>?<query>`.
    func url(_ endpoint: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: trackingURI, resolvingAgainstBaseURL: false) ?? URLComponents()
        let base = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        components.path = base + "/api/2.0/mlflow/" + endpoint
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components.url ?? trackingURI
    }

    /// Calls a REST endpoint and decodes its answer. A JSON error document (4xx, or 5xx after
    /// retries) becomes `MLflowError.api` with MLflow's `error_code`.
    func call<R: Decodable>(_ method: String, _ endpoint: String, query: [(String, String)] = [], body: [String: Any]? = nil,
                            retryable: Bool? = nil, as type: R.Type) async throws(MLflowError) -> R {
        let target = url(endpoint, query: query)
        var request = HTTPRequest(method: method, url: target, headers: ["Accept": "application/json"], retryable: retryable)
        if let body {
            do {
                request.body = .data(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
            } catch {
                throw MLflowError.malformedResponse(endpoint: endpoint, reason: "cannot encode request: \(error)")
            }
            request.headers["Content-Type"] = "application/json"
        }
        let response = try await send(request, client: api)
        if R.self == Empty.self, response.body.isEmpty { return Empty() as! R }
        do {
            return try JSONDecoder().decode(R.self, from: response.body)
        } catch {
            throw MLflowError.malformedResponse(endpoint: HTTPClient.redacted(target),
                                                reason: "cannot decode \(R.self) from \(HTTPClient.excerpt(response.body)): \(error)")
        }
    }

    /// Sends a request, mapping every failure to `MLflowError`.
    func send(_ request: HTTPRequest, client: HTTPClient) async throws(MLflowError) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await client.send(request, accept: Set(400..<500))
        } catch {
            throw mapError(error)
        }
        if response.status >= 400 {
            throw Self.apiError(status: response.status, body: response.text, url: HTTPClient.redacted(request.url))
        }
        return response
    }

    func mapError(_ error: HTTPError) -> MLflowError {
        switch error {
        case .unreachable(_, let reason): return .unreachable(trackingURI: displayURI, reason: reason)
        case .timeout(_, let seconds): return .unreachable(trackingURI: displayURI, reason: "no answer within \(Int(seconds)) s")
        case .status(let code, _, let url, let excerpt): return Self.apiError(status: code, body: excerpt, url: url, fallback: error)
        default: return .transport(error)
        }
    }

    /// MLflow's `{"error_code": …, "message": …}`; a body without one keeps the HTTP error.
    static func apiError(status: Int, body: String, url: String, fallback: HTTPError? = nil) -> MLflowError {
        struct Document: Decodable {
            var error_code: String?
            var message: String?
        }
        if let document = try? JSONDecoder().decode(Document.self, from: Data(body.utf8)), let code = document.error_code {
            return .api(code: code, message: Redactor.shared.redact((document.message ?? "").oneLine), status: status, endpoint: url)
        }
        // A cut-off excerpt of a JSON error: recover the code by pattern rather than lose it.
        if let range = body.range(of: #""error_code":\s*"([A-Z_]+)""#, options: .regularExpression) {
            let code = body[range].split(separator: "\"").last.map(String.init) ?? "UNKNOWN"
            var message = ""
            if let m = body.range(of: #""message":\s*"[^"]*"#, options: .regularExpression) {
                message = String(body[m].split(separator: "\"", maxSplits: 3).last ?? "")
            }
            return .api(code: code, message: message, status: status, endpoint: url)
        }
        if let fallback { return .transport(fallback) }
        return .api(code: "HTTP_\(status)", message: HTTPClient.excerpt(Data(body.utf8)), status: status, endpoint: url)
    }

    /// An answer with no fields of interest.
    struct Empty: Decodable {}

    // MARK: - experiments

    /// The experiment called `name`, or nil when there is none.
    public func experiment(named name: String) async throws(MLflowError) -> Experiment? {
        struct Answer: Decodable { var experiment: Experiment }
        do throws(MLflowError) {
            return try await call("GET", "experiments/get-by-name", query: [("experiment_name", name)], as: Answer.self).experiment
        } catch where error.errorCode == "RESOURCE_DOES_NOT_EXIST" {
            return nil
        }
    }

    /// Creates an experiment and returns its id.
    public func createExperiment(named name: String) async throws(MLflowError) -> String {
        struct Answer: Decodable { var experiment_id: String }
        return try await call("POST", "experiments/create", body: ["name": name], as: Answer.self).experiment_id
    }

    /// The experiment called `name`, created when missing (a concurrent creation is tolerated).
    public func ensureExperiment(named name: String) async throws(MLflowError) -> Experiment {
        if let found = try await experiment(named: name) { return found }
        do throws(MLflowError) {
            _ = try await createExperiment(named: name)
        } catch where error.errorCode == "RESOURCE_ALREADY_EXISTS" {}
        guard let created = try await experiment(named: name) else { throw MLflowError.notFound("experiment '\(name)'") }
        return created
    }

    // MARK: - runs

    /// Starts a run in `experimentID`.
    public func createRun(experimentID: String, name: String? = nil, tags: [String: String] = [:]) async throws(MLflowError) -> Run {
        struct Answer: Decodable { var run: Run }
        var body: [String: Any] = ["experiment_id": experimentID,
                                   "start_time": Int64(Date().timeIntervalSince1970 * 1000)]
        if let name { body["run_name"] = name }
        if !tags.isEmpty { body["tags"] = tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] } }
        return try await call("POST", "runs/create", body: body, as: Answer.self).run
    }

    /// A run with everything logged to it.
    public func run(id: String) async throws(MLflowError) -> Run {
        struct Answer: Decodable { var run: Run }
        return try await call("GET", "runs/get", query: [("run_id", id)], as: Answer.self).run
    }

    /// Ends (or otherwise changes the state of) a run. Current servers have no `runs/set-terminated`:
    /// `runs/update` with an end time is how a run finishes.
    public func updateRun(id: String, status: RunStatus, endTime: Date? = Date()) async throws(MLflowError) {
        var body: [String: Any] = ["run_id": id, "status": status.rawValue]
        if let endTime { body["end_time"] = Int64(endTime.timeIntervalSince1970 * 1000) }
        _ = try await call("POST", "runs/update", body: body, retryable: true, as: Empty.self)
    }

    /// Logs metrics, params and tags, split into as many `runs/log-batch` requests as MLflow's
    /// limits need (see `LogBatch.split`).
    public func logBatch(runID: String, metrics: [Metric] = [], params: [KeyValue] = [], tags: [KeyValue] = []) async throws(MLflowError) {
        for batch in LogBatch.split(metrics: metrics, params: params, tags: tags) {
            let body: [String: Any] = [
                "run_id": runID,
                "metrics": batch.metrics.map { ["key": $0.key, "value": $0.value, "timestamp": $0.timestamp, "step": $0.step] },
                "params": batch.params.map { ["key": $0.key, "value": $0.value] },
                "tags": batch.tags.map { ["key": $0.key, "value": $0.value] },
            ]
            _ = try await call("POST", "runs/log-batch", body: body, as: Empty.self)
        }
    }

    /// Sets one tag on a run.
    public func setRunTag(runID: String, key: String, value: String) async throws(MLflowError) {
        _ = try await call("POST", "runs/set-tag", body: ["run_id": runID, "key": key, "value": value], retryable: true, as: Empty.self)
    }
}

/// One `runs/log-batch` request's worth of data.
public struct LogBatch: Sendable, Equatable {
    public var metrics: [Metric] = []
    public var params: [KeyValue] = []
    public var tags: [KeyValue] = []

    /// MLflow's per-request limits: 1000 entities in total, of which at most 100 params and 100 tags.
    public static let maxEntities = 1000
    public static let maxParams = 100
    public static let maxTags = 100

    /// Splits everything into as few batches as the limits allow, keeping each kind's order: every
    /// batch takes up to 100 params and 100 tags, then fills up with metrics to 1000 entities.
    public static func split(metrics: [Metric], params: [KeyValue], tags: [KeyValue]) -> [LogBatch] {
        var batches: [LogBatch] = []
        var p = params[...], t = tags[...], m = metrics[...]
        while !p.isEmpty || !t.isEmpty || !m.isEmpty {
            var batch = LogBatch()
            batch.params = Array(p.prefix(maxParams))
            p = p.dropFirst(batch.params.count)
            batch.tags = Array(t.prefix(maxTags))
            t = t.dropFirst(batch.tags.count)
            batch.metrics = Array(m.prefix(maxEntities - batch.params.count - batch.tags.count))
            m = m.dropFirst(batch.metrics.count)
            batches.append(batch)
        }
        return batches
    }
}
