import BerthaCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A collection in Milvus, over its REST API: v2 (`/v2/vectordb/…`, Milvus ≥ 2.4) or v1
/// (`/v1/vector/…`, Milvus 2.3), chosen by probing `POST /v2/vectordb/collections/list` once.
///
/// Layout (LlamaIndex's MilvusVectorStore): primary key `id`, vector field `embedding` (metric IP on
/// unit vectors = cosine), `doc_id`, `text`, and every metadata key as a dynamic field, plus
/// `doc_hash` (the document's content hash) for idempotent re-ingest. Over v2 bertha creates `id`
/// as VARCHAR. The v1 API can only create collections with an auto-generated INT64 key; there the
/// record id goes to the dynamic field `chunk_id`. An existing collection with a VARCHAR `id` (made
/// by LlamaIndex or pymilvus) is written with `id` on either API.
///
/// Milvus has no transactions: `replaceDocument` removes leftovers of an interrupted attempt,
/// inserts the new rows, then deletes the rows of other hashes. A reader may briefly see both
/// versions; a crash in between leaves a document whose rows disagree on `doc_hash`, which
/// `documentHash` reports as nil so the next ingest replaces it again.
public actor MilvusVectorStore: VectorStore {
    public enum APIVersion: String, Sendable { case v1, v2 }

    static let batchSize = 100
    static let maxVarChar = 65_535

    public nonisolated let baseURL: URL
    public nonisolated let collection: String
    private let token: String?
    private let transport: any MilvusTransport
    private let retries: Int
    private let retryDelay: Duration
    private var version: APIVersion?
    /// Learned from `describe`: whether records carry their id in the VARCHAR primary key.
    private var layout: Layout?

    private struct Layout {
        var dimension: Int
        var stringPrimaryKey: Bool
        var idField: String { stringPrimaryKey ? "id" : "chunk_id" }
    }

    /// - Parameters:
    ///   - token: `user:password` or an API key, sent as `Authorization: Bearer …`.
    ///   - retries: extra attempts after an HTTP 5xx or a transport failure.
    public init(baseURL: URL, collection: String, token: String? = nil, transport: any MilvusTransport = URLSessionTransport(),
                retries: Int = 3, retryDelay: Duration = .milliseconds(200), version: APIVersion? = nil) {
        self.baseURL = baseURL
        self.collection = collection
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.transport = transport
        self.retries = retries
        self.retryDelay = retryDelay
        self.version = version
    }

    /// The API in use, probing the server the first time.
    public func apiVersion() async throws -> APIVersion {
        if let version { return version }
        let (status, _) = try await send(path: "/v2/vectordb/collections/list", body: [:], method: "POST", checkCode: false)
        let probed: APIVersion = status == 404 ? .v1 : .v2
        version = probed
        return probed
    }

    // MARK: VectorStore

    public func upsert(_ records: [VectorRecord]) async throws {
        guard let first = records.first else { return }
        let layout = try await ensureCollection(dimension: first.vector.count)
        let rows = try records.map { try row(for: $0, layout: layout, hash: nil) }
        // v1 has no upsert; delete the ids first (v2 with a VARCHAR key upserts natively).
        if try await apiVersion() == .v1 || !layout.stringPrimaryKey {
            for batch in records.map(\.id).chunked(Self.batchSize) {
                try await delete(filter: "\(layout.idField) in \(Self.literal(batch))")
            }
            try await insert(rows, upsert: false)
        } else {
            try await insert(rows, upsert: true)
        }
    }

    public func replaceDocument(_ documentID: String, contentHash: String, records: [VectorRecord]) async throws {
        for record in records where record.documentID != documentID {
            throw VectorStoreError.wrongDocument(recordID: record.id, expected: documentID, actual: record.documentID)
        }
        guard let first = records.first else {
            try await deleteDocument(documentID)
            return
        }
        let layout = try await ensureCollection(dimension: first.vector.count)
        var rows = try records.map { try row(for: $0, layout: layout, hash: contentHash) }
        // Every row carries the document's chunk count, so a crash between two insert batches of a
        // new document is seen as incomplete by `documentHash`, not as stored.
        for i in rows.indices { rows[i]["doc_chunks"] = records.count }
        let doc = Self.literal(documentID), hash = Self.literal(contentHash)
        try await delete(filter: "doc_id == \(doc) and doc_hash == \(hash)")
        try await insert(rows, upsert: false)
        try await delete(filter: "doc_id == \(doc) and doc_hash != \(hash)")
    }

    public func deleteDocument(_ documentID: String) async throws {
        guard try await collectionExists() else { return }
        try await delete(filter: "doc_id == \(Self.literal(documentID))")
    }

    public func documentHash(_ documentID: String) async throws -> String? {
        guard try await collectionExists() else { return nil }
        let rows = try await query(filter: "doc_id == \(Self.literal(documentID))", outputFields: ["doc_hash", "doc_chunks"], limit: 16_384)
        let hashes = Set(rows.map { $0["doc_hash"] as? String ?? "" })
        guard hashes.count == 1, let hash = hashes.first, !hash.isEmpty else { return nil }
        // Rows written before doc_chunks existed have none; then the hash alone decides.
        if let expected = rows.first.flatMap({ ($0["doc_chunks"] as? NSNumber)?.intValue ?? Int("\($0["doc_chunks"] ?? "")") }),
           expected != rows.count {
            return nil
        }
        return hash
    }

    public func documentIDs(withPrefix prefix: String) async throws -> [String] {
        guard try await collectionExists() else { return [] }
        // Milvus' `like` is a prefix match only with a trailing %; cut the pattern before any
        // character it could read as a wildcard and filter exactly here.
        let safe = String(prefix.prefix { $0 != "%" && $0 != "_" && $0 != "\\" })
        let filter = safe.isEmpty ? "doc_id != \"\"" : "doc_id like \(Self.literal(safe + "%"))"
        // 16384 is Milvus' largest query window; a prefix never covers that many chunks in ingest's use.
        let rows = try await query(filter: filter, outputFields: ["doc_id"], limit: 16_384)
        return Set(rows.compactMap { $0["doc_id"] as? String }.filter { $0.hasPrefix(prefix) }).sorted()
    }

    public func search(_ vector: [Float], k: Int, filter: SearchFilter = .none, minScore: Float? = nil) async throws -> [ScoredRecord] {
        guard k > 0, try await collectionExists() else { return [] }
        let layout = try await loadLayout()
        guard vector.count == layout.dimension else {
            throw VectorStoreError.dimensionMismatch(recordID: "query", expected: layout.dimension, actual: vector.count)
        }
        guard let query = VectorMath.normalized(vector) else { throw VectorStoreError.invalidVector(recordID: "query") }
        var body: [String: Any] = ["collectionName": collection, "limit": k, "outputFields": ["*"]]
        if let expression = Self.expression(for: filter) { body["filter"] = expression }
        let path: String
        if try await apiVersion() == .v1 {
            path = "/v1/vector/search"
            body["vector"] = query.map(Double.init)
        } else {
            path = "/v2/vectordb/entities/search"
            body["data"] = [query.map(Double.init)]
            body["annsField"] = "embedding"
        }
        let data = try await call(path, body)
        guard let hits = data as? [[String: Any]] else { throw malformed(path, "search data is not a list") }
        return hits.compactMap { hit in
            let score = Float((hit["distance"] as? NSNumber)?.doubleValue ?? -1)
            if let minScore, score < minScore { return nil }
            return ScoredRecord(record: record(from: hit, layout: layout), score: score)
        }
    }

    public func count() async throws -> Int {
        guard try await collectionExists() else { return 0 }
        // limit 0: Milvus 2.3's v1 query otherwise applies a default limit, which count(*) refuses.
        let rows = try await query(filter: "doc_id != \"\"", outputFields: ["count(*)"], limit: try await apiVersion() == .v1 ? 0 : nil)
        // v1 sends the count as a string, v2 as a number.
        let value = rows.first?["count(*)"]
        if let number = value as? NSNumber, !(value is String) { return number.intValue }
        guard let text = value as? String, let count = Int(text) else { throw malformed("query", "no count(*) in the answer") }
        return count
    }

    public func drop() async throws {
        guard try await collectionExists() else { return }
        if try await apiVersion() == .v1 {
            _ = try await call("/v1/vector/collections/drop", ["collectionName": collection])
        } else {
            _ = try await call("/v2/vectordb/collections/drop", ["collectionName": collection])
        }
        layout = nil
    }

    // MARK: collection

    private func collectionExists() async throws -> Bool {
        if layout != nil { return true }
        return try await describe() != nil
    }

    private func loadLayout() async throws -> Layout {
        if let layout { return layout }
        guard let described = try await describe() else {
            throw VectorStoreError.incompatibleCollection(name: collection, reason: "the collection does not exist")
        }
        layout = described
        return described
    }

    /// The collection's layout, or nil when it does not exist.
    private func describe() async throws -> Layout? {
        let data: Any
        do {
            if try await apiVersion() == .v1 {
                data = try await call("/v1/vector/collections/describe", query: ["collectionName": collection])
            } else {
                let has = try await call("/v2/vectordb/collections/has", ["collectionName": collection])
                guard (has as? [String: Any])?["has"] as? Bool == true else { return nil }
                data = try await call("/v2/vectordb/collections/describe", ["collectionName": collection])
            }
        } catch VectorStoreError.server(_, let code, let message) where code == 100 || message.contains("not found") {
            return nil
        }
        guard let info = data as? [String: Any], let fields = info["fields"] as? [[String: Any]] else {
            throw malformed("describe", "no fields")
        }
        var dimension: Int?
        var stringKey = false
        var hasDocID = false
        for field in fields {
            let name = field["name"] as? String ?? ""
            let type = field["type"] as? String ?? ""
            if name == "embedding" {
                // v1 spells the type "FloatVector(384)"; v2 gives params [{key: dim, value: "384"}].
                if let open = type.firstIndex(of: "("), let close = type.lastIndex(of: ")") {
                    dimension = Int(type[type.index(after: open)..<close])
                }
                for param in field["params"] as? [[String: Any]] ?? [] where param["key"] as? String == "dim" {
                    dimension = Int("\(param["value"] ?? "")")
                }
            }
            if name == "id", field["primaryKey"] as? Bool == true {
                stringKey = type.lowercased().hasPrefix("varchar") && (field["autoId"] as? Bool) != true
            }
            if name == "doc_id" { hasDocID = true }
        }
        guard let dimension else {
            throw VectorStoreError.incompatibleCollection(name: collection, reason: "no FloatVector field named embedding")
        }
        let dynamic = info["enableDynamicField"] as? Bool ?? false
        guard hasDocID || dynamic else {
            throw VectorStoreError.incompatibleCollection(name: collection, reason: "no doc_id field and dynamic fields are off")
        }
        return Layout(dimension: dimension, stringPrimaryKey: stringKey)
    }

    private func ensureCollection(dimension: Int) async throws -> Layout {
        if layout == nil { layout = try await describe() }
        if let layout {
            guard layout.dimension == dimension else {
                throw VectorStoreError.dimensionMismatch(recordID: "collection \(collection)", expected: layout.dimension, actual: dimension)
            }
            return layout
        }
        if try await apiVersion() == .v1 {
            _ = try await call("/v1/vector/collections/create", [
                "collectionName": collection, "dimension": dimension, "metricType": "IP",
                "primaryField": "id", "vectorField": "embedding",
                "description": "bertha chunks (LlamaIndex MilvusVectorStore layout)",
            ])
        } else {
            let varchar: [String: Any] = ["max_length": String(Self.maxVarChar)]
            _ = try await call("/v2/vectordb/collections/create", [
                "collectionName": collection,
                "schema": [
                    "autoId": false, "enabledDynamicField": true,
                    "fields": [
                        ["fieldName": "id", "dataType": "VarChar", "isPrimary": true, "elementTypeParams": varchar],
                        ["fieldName": "embedding", "dataType": "FloatVector", "elementTypeParams": ["dim": String(dimension)]],
                        ["fieldName": "doc_id", "dataType": "VarChar", "elementTypeParams": varchar],
                        ["fieldName": "text", "dataType": "VarChar", "elementTypeParams": varchar],
                    ] as [[String: Any]],
                ] as [String: Any],
                "indexParams": [["fieldName": "embedding", "indexName": "embedding", "metricType": "IP"]],
            ])
        }
        let created = try await loadLayout()
        return created
    }

    // MARK: rows

    private func row(for record: VectorRecord, layout: Layout, hash: String?) throws -> [String: Any] {
        guard record.vector.count == layout.dimension else {
            throw VectorStoreError.dimensionMismatch(recordID: record.id, expected: layout.dimension, actual: record.vector.count)
        }
        guard let unit = VectorMath.normalized(record.vector) else { throw VectorStoreError.invalidVector(recordID: record.id) }
        var row: [String: Any] = [:]
        for (key, value) in record.metadata where !Self.reservedFields.contains(key) { row[key] = value }
        row[layout.idField] = record.id
        row["embedding"] = unit.map(Double.init)
        row["doc_id"] = record.documentID
        row["text"] = record.text
        if let hash { row["doc_hash"] = hash }
        return row
    }

    static let reservedFields: Set<String> = ["id", "chunk_id", "embedding", "doc_id", "text", "doc_hash", "doc_chunks", "distance", "$meta"]

    private func record(from hit: [String: Any], layout: Layout) -> VectorRecord {
        var metadata: [String: String] = [:]
        for (key, value) in hit where !Self.reservedFields.contains(key) {
            metadata[key] = value as? String ?? "\(value)"
        }
        let vector = (hit["embedding"] as? [NSNumber])?.map { $0.floatValue } ?? []
        return VectorRecord(id: hit[layout.idField] as? String ?? "\(hit["id"] ?? "")", documentID: hit["doc_id"] as? String ?? "",
                            text: hit["text"] as? String ?? "", vector: vector, metadata: metadata)
    }

    private func insert(_ rows: [[String: Any]], upsert: Bool) async throws {
        let v1 = try await apiVersion() == .v1
        let path = v1 ? "/v1/vector/insert" : (upsert ? "/v2/vectordb/entities/upsert" : "/v2/vectordb/entities/insert")
        for batch in rows.chunked(Self.batchSize) {
            _ = try await call(path, ["collectionName": collection, "data": batch])
        }
    }

    private func delete(filter: String) async throws {
        let path = try await apiVersion() == .v1 ? "/v1/vector/delete" : "/v2/vectordb/entities/delete"
        _ = try await call(path, ["collectionName": collection, "filter": filter])
    }

    private func query(filter: String, outputFields: [String], limit: Int?) async throws -> [[String: Any]] {
        let path = try await apiVersion() == .v1 ? "/v1/vector/query" : "/v2/vectordb/entities/query"
        var body: [String: Any] = ["collectionName": collection, "filter": filter, "outputFields": outputFields]
        if let limit { body["limit"] = limit }
        let data = try await call(path, body)
        guard let rows = data as? [[String: Any]] else { throw malformed(path, "query data is not a list") }
        return rows
    }

    // MARK: filters

    /// A Milvus boolean expression for `filter`, or nil when it is empty. Metadata keys are dynamic fields.
    static func expression(for filter: SearchFilter) -> String? {
        var clauses: [String] = []
        if let ids = filter.documentIDs { clauses.append("doc_id in \(literal(ids.sorted()))") }
        for (key, value) in filter.metadata.sorted(by: { $0.key < $1.key }) {
            let field = reservedFields.contains(key) || isIdentifier(key) ? key : "$meta[\(literal(key))]"
            clauses.append("\(field) == \(literal(value))")
        }
        return clauses.isEmpty ? nil : clauses.joined(separator: " and ")
    }

    /// A string literal in Milvus' expression language (double quotes, backslash escapes).
    static func literal(_ value: String) -> String {
        var out = "\""
        for ch in value.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    static func literal(_ values: [String]) -> String { "[" + values.map { literal($0) }.joined(separator: ", ") + "]" }

    static func isIdentifier(_ key: String) -> Bool { VectorStoreLocation.isValidCollectionName(key) }

    // MARK: HTTP

    /// Sends a raw request body to an API path, throwing what Milvus rejects (tests and diagnostics).
    func rawCall(_ path: String, _ body: [String: any Sendable]) async throws {
        _ = try await call(path, body)
    }

    private func malformed(_ path: String, _ reason: String) -> VectorStoreError {
        .transport(url: baseURL.absoluteString + path, reason: "unexpected answer: \(reason)")
    }

    /// POSTs (or GETs, with `query`) and returns `data` of a successful answer; a non-success `code`
    /// becomes `VectorStoreError.server` with the URL and Milvus' message.
    private func call(_ path: String, _ body: [String: Any] = [:], query: [String: String]? = nil) async throws -> Any {
        let (_, data) = try await send(path: path, body: body, method: query == nil ? "POST" : "GET", query: query, checkCode: true)
        return data
    }

    @discardableResult
    private func send(path: String, body: [String: Any], method: String, query: [String: String]? = nil,
                      checkCode: Bool) async throws -> (Int, Any) {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if let query { components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let url = components?.url else { throw VectorStoreError.transport(url: baseURL.absoluteString + path, reason: "bad URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if method == "POST" {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let shownURL = url.absoluteString
        var attempt = 0
        while true {
            attempt += 1
            let status: Int, payload: Data
            do {
                (status, payload) = try await transport.send(request)
            } catch {
                guard attempt <= retries else { throw VectorStoreError.transport(url: shownURL, reason: describeError(error).line) }
                try await Task.sleep(for: retryDelay * attempt)
                continue
            }
            if status >= 500, attempt <= retries {
                try await Task.sleep(for: retryDelay * attempt)
                continue
            }
            if !checkCode { return (status, [:] as [String: Any]) }
            let json = try? JSONSerialization.jsonObject(with: payload)
            guard let object = json as? [String: Any] else {
                let text = String(decoding: payload.prefix(200), as: UTF8.self)
                if status == 401 || status == 403 { throw VectorStoreError.server(url: shownURL, code: status, message: "not authorised: \(text)") }
                throw VectorStoreError.transport(url: shownURL, reason: "HTTP \(status): \(text)")
            }
            let code = (object["code"] as? NSNumber)?.intValue ?? status
            // v1 reports success as 200, v2 as 0.
            guard code == 0 || code == 200 else {
                throw VectorStoreError.server(url: shownURL, code: code, message: object["message"] as? String ?? "no message")
            }
            guard (200..<300).contains(status) else {
                throw VectorStoreError.server(url: shownURL, code: status, message: object["message"] as? String ?? "HTTP \(status)")
            }
            return (status, object["data"] ?? [:] as [String: Any])
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
