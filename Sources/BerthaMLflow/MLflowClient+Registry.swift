import BerthaCore
import Foundation

extension MLflowClient {
    /// The registered model called `name`, or nil.
    public func registeredModel(named name: String) async throws(MLflowError) -> RegisteredModel? {
        struct Answer: Decodable { var registered_model: RegisteredModel }
        do throws(MLflowError) {
            return try await call("GET", "registered-models/get", query: [("name", name)], as: Answer.self).registered_model
        } catch where error.errorCode == "RESOURCE_DOES_NOT_EXIST" {
            return nil
        }
    }

    /// The registered model called `name`, created when missing.
    @discardableResult
    public func ensureRegisteredModel(named name: String, description: String? = nil) async throws(MLflowError) -> RegisteredModel {
        if let found = try await registeredModel(named: name) { return found }
        struct Answer: Decodable { var registered_model: RegisteredModel }
        var body: [String: Any] = ["name": name]
        if let description { body["description"] = description }
        do throws(MLflowError) {
            return try await call("POST", "registered-models/create", body: body, as: Answer.self).registered_model
        } catch where error.errorCode == "RESOURCE_ALREADY_EXISTS" {
            guard let found = try await registeredModel(named: name) else { throw MLflowError.notFound("registered model '\(name)'") }
            return found
        }
    }

    /// Creates a new version of `name` whose files are at `source`, produced by `runID`.
    public func createModelVersion(name: String, source: String, runID: String?, tags: [String: String] = [:],
                                   description: String? = nil) async throws(MLflowError) -> ModelVersion {
        struct Answer: Decodable { var model_version: ModelVersion }
        var body: [String: Any] = ["name": name, "source": source]
        if let runID { body["run_id"] = runID }
        if let description { body["description"] = description }
        if !tags.isEmpty { body["tags"] = tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] } }
        return try await call("POST", "model-versions/create", body: body, as: Answer.self).model_version
    }

    /// One model version.
    public func modelVersion(name: String, version: String) async throws(MLflowError) -> ModelVersion {
        struct Answer: Decodable { var model_version: ModelVersion }
        return try await call("GET", "model-versions/get", query: [("name", name), ("version", version)], as: Answer.self).model_version
    }

    /// Polls a version until it is READY; FAILED_REGISTRATION or the deadline is an error.
    public func waitUntilReady(name: String, version: String, timeout: Double = 300,
                               interval: Double = 0.5) async throws(MLflowError) -> ModelVersion {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let current = try await modelVersion(name: name, version: version)
            switch current.status ?? .ready {
            case .ready: return current
            case .failedRegistration:
                throw MLflowError.registrationFailed(name: name, version: version, reason: current.statusMessage ?? "FAILED_REGISTRATION")
            case .pendingRegistration:
                guard Date() < deadline else {
                    throw MLflowError.registrationFailed(name: name, version: version, reason: "still PENDING_REGISTRATION after \(Int(timeout)) s")
                }
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            }
        }
    }

    /// Versions matching an MLflow search filter (e.g. `name='smollm2'`), following page tokens.
    public func searchModelVersions(filter: String, maxResults: Int = 1000) async throws(MLflowError) -> [ModelVersion] {
        struct Answer: Decodable {
            var model_versions: [ModelVersion]?
            var next_page_token: String?
        }
        var found: [ModelVersion] = []
        var token: String?
        repeat {
            var query = [("filter", filter), ("max_results", String(maxResults))]
            if let token { query.append(("page_token", token)) }
            let page = try await call("GET", "model-versions/search", query: query, as: Answer.self)
            found += page.model_versions ?? []
            token = page.next_page_token.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return found
    }

    /// Versions of `name` carrying tag `key` = `value`.
    public func modelVersions(name: String, taggedWith key: String, value: String) async throws(MLflowError) -> [ModelVersion] {
        try await searchModelVersions(filter: "name=\(Self.quote(name)) and tags.`\(key)`=\(Self.quote(value))")
    }

    /// Sets a tag on a model version.
    public func setModelVersionTag(name: String, version: String, key: String, value: String) async throws(MLflowError) {
        _ = try await call("POST", "model-versions/set-tag", body: ["name": name, "version": version, "key": key, "value": value],
                           retryable: true, as: Empty.self)
    }

    /// Sets a tag on a registered model.
    public func setRegisteredModelTag(name: String, key: String, value: String) async throws(MLflowError) {
        _ = try await call("POST", "registered-models/set-tag", body: ["name": name, "key": key, "value": value],
                           retryable: true, as: Empty.self)
    }

    // MARK: - aliases

    /// Points `alias` of `name` at `version` (moving it if it pointed elsewhere).
    public func setAlias(name: String, alias: String, version: String) async throws(MLflowError) {
        _ = try await call("POST", "registered-models/alias", body: ["name": name, "alias": alias, "version": version],
                           retryable: true, as: Empty.self)
    }

    /// The version `alias` points at, or nil when the alias is not set.
    public func version(name: String, alias: String) async throws(MLflowError) -> ModelVersion? {
        struct Answer: Decodable { var model_version: ModelVersion }
        do throws(MLflowError) {
            return try await call("GET", "registered-models/alias", query: [("name", name), ("alias", alias)], as: Answer.self).model_version
        } catch where Self.isMissingAlias(error) {
            return nil
        }
    }

    /// Removes `alias` from `name`.
    public func deleteAlias(name: String, alias: String) async throws(MLflowError) {
        _ = try await call("DELETE", "registered-models/alias", body: ["name": name, "alias": alias], as: Empty.self)
    }

    /// MLflow reports a missing alias as INVALID_PARAMETER_VALUE "…alias … not found", a missing model as
    /// RESOURCE_DOES_NOT_EXIST.
    static func isMissingAlias(_ error: MLflowError) -> Bool {
        guard case .api(let code, let message, _, _) = error else { return false }
        return code == "RESOURCE_DOES_NOT_EXIST" || (code == "INVALID_PARAMETER_VALUE" && message.contains("not found"))
    }

    /// A string literal of MLflow's search grammar.
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'" }
}
