import BerthaCore
import Crypto
import Foundation
import Logging

/// An S3 bucket (AWS, MinIO, SeaweedFS) over bertha's `HTTPClient`, signed with SigV4.
///
/// Large files upload in parts read from disk, a bounded number at a time; a failed multipart
/// upload is aborted so no orphan parts stay billed. Downloads stream to a temporary file.
public struct S3ObjectStore: ObjectStore {
    public let endpoint: URL
    public let bucket: String
    public let pathStyle: Bool
    public let multipartThreshold: Int
    public let partSize: Int
    /// Parts in flight at once during a multipart upload (memory use is this × `partSize`).
    public let maxConcurrentParts: Int
    /// Keys asked for per ListObjectsV2 page (S3's own maximum is 1000).
    public var listPageSize = 1000
    let signer: SigV4Signer
    let http: HTTPClient
    private let logger = Logger(label: "bertha.s3")

    public init(endpoint: URL, bucket: String, credentials: S3Credentials, region: String = "us-east-1",
                pathStyle: Bool = true, multipartThreshold: Int = 64 << 20, partSize: Int = 16 << 20,
                maxConcurrentParts: Int = 4, http: HTTPClient = HTTPClient()) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.pathStyle = pathStyle
        self.multipartThreshold = multipartThreshold
        self.partSize = max(5 << 20, partSize)
        self.maxConcurrentParts = max(1, maxConcurrentParts)
        self.signer = SigV4Signer(credentials: credentials, region: region.isEmpty ? "us-east-1" : region)
        self.http = http
        Redactor.shared.register(credentials.secretKey)
        Redactor.shared.register(credentials.sessionToken)
    }

    /// A store for `bucket` (default `s3.bucket`) configured by the `s3:` section.
    public init(section: S3Section, bucket: String? = nil, http: HTTPClient = HTTPClient()) throws(S3Error) {
        guard let endpoint = URL(string: section.endpoint), endpoint.host != nil else {
            throw S3Error.malformedResponse(operation: "configuration", endpoint: section.endpoint, reason: "s3.endpoint is not a URL")
        }
        self.init(endpoint: endpoint, bucket: bucket ?? section.bucket, credentials: try S3Credentials.resolve(section),
                  region: section.region, pathStyle: section.pathStyle, multipartThreshold: section.multipartThreshold,
                  partSize: section.partSize, http: http)
    }

    public var displayName: String { "s3://\(bucket) at \(endpoint.absoluteString)" }

    // MARK: - addressing

    /// The URL of `key` (or of the bucket when nil) with `query` (already in name/value form).
    func url(key: String?, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) ?? URLComponents()
        let base = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        let encodedKey = key.map { $0.split(separator: "/", omittingEmptySubsequences: false).map { SigV4Signer.uriEncode(String($0)) }.joined(separator: "/") }
        if pathStyle {
            components.percentEncodedPath = base + "/" + SigV4Signer.uriEncode(bucket) + (encodedKey.map { "/" + $0 } ?? "")
        } else {
            components.host = "\(bucket).\(endpoint.host ?? "")"
            components.percentEncodedPath = base + "/" + (encodedKey ?? "")
        }
        components.percentEncodedQuery = query.isEmpty ? nil
            : query.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        return components.url ?? endpoint
    }

    /// A presigned GET URL for `key`, valid for `expires` seconds (at most 7 days).
    public func presignedURL(key: String, expires: Int = 3600, date: Date = Date()) -> URL {
        signer.presign(method: "GET", url: url(key: key), expires: min(max(1, expires), 604_800), date: date)
    }

    // MARK: - requests

    private func request(_ method: String, key: String?, query: [(String, String)] = [], headers: [String: String] = [:],
                         body: HTTPRequest.Body = .none, payloadHash: String? = nil, retryable: Bool? = nil) -> HTTPRequest {
        let target = url(key: key, query: query)
        let hash: String = payloadHash ?? {
            switch body {
            case .none: return SigV4Signer.emptyPayloadHash
            case .data(let data): return SigV4Signer.sha256Hex(data)
            case .file: return SigV4Signer.unsignedPayload
            }
        }()
        var all = headers
        for (name, value) in signer.sign(method: method, url: target, headers: headers, payloadHash: hash, date: Date()) {
            all[name] = value
        }
        return HTTPRequest(method: method, url: target, headers: all, body: body, retryable: retryable)
    }

    /// Sends a signed request; 4xx answers come back whole so their XML error is parsed here,
    /// 5xx go through the client's retries first.
    private func send(_ request: HTTPRequest, operation: String, key: String?, accept: Set<Int> = []) async throws(S3Error) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await http.send(request, accept: Set(400..<500))
        } catch {
            if case .status(let status, _, _, let excerpt) = error {
                throw serviceError(status: status, body: Data(excerpt.utf8), key: key, operation: operation)
            }
            throw S3Error.transport(error)
        }
        if (400..<500).contains(response.status), !accept.contains(response.status) {
            throw serviceError(status: response.status, body: response.body, key: key, operation: operation)
        }
        return response
    }

    func serviceError(status: Int, body: Data, key: String?, operation: String) -> S3Error {
        let tree = XMLTree.parse(body)
        let code = tree?.value("Code") ?? Self.fallbackCode(status)
        var message = tree?.value("Message") ?? HTTPClient.excerpt(body)
        if message.isEmpty { message = "\(operation) failed" }
        return S3Error.service(code: code, message: message, status: status, bucket: bucket, key: key,
                               endpoint: endpoint.absoluteString)
    }

    /// HEAD answers have no body: name the usual meaning of the status instead.
    static func fallbackCode(_ status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "AccessDenied"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 500: "InternalError"
        case 503: "SlowDown"
        default: "HTTP\(status)"
        }
    }

    // MARK: - ObjectStore

    public func ensureBucket() async throws(S3Error) {
        let head = try await send(request("HEAD", key: nil), operation: "HeadBucket", key: nil, accept: [404])
        guard head.status == 404 else { return }
        var body = Data()
        if signer.region != "us-east-1" {
            body = Data("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(signer.region.xmlEscaped)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let created = try await send(request("PUT", key: nil, body: body.isEmpty ? .none : .data(body)),
                                     operation: "CreateBucket", key: nil, accept: [409])
        if created.status == 409 {
            // Someone else created it between our HEAD and PUT: fine if it is ours.
            let error = serviceError(status: 409, body: created.body, key: nil, operation: "CreateBucket")
            if error.code != "BucketAlreadyOwnedByYou" { throw error }
        }
        logger.info("created bucket", metadata: ["bucket": "\(bucket)"])
    }

    public func put(data: Data, key: String, contentType: String?) async throws(S3Error) {
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        _ = try await send(request("PUT", key: key, headers: headers, body: .data(data)), operation: "PutObject", key: key)
    }

    public func put(file: URL, key: String, contentType: String?) async throws(S3Error) {
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        } catch {
            throw S3Error.localFile(path: file.path, reason: "cannot read: \(error.localizedDescription)")
        }
        if size > multipartThreshold {
            try await multipartUpload(file: file, size: size, key: key, contentType: contentType)
            return
        }
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        _ = try await send(request("PUT", key: key, headers: headers, body: .file(file)), operation: "PutObject", key: key)
    }

    public func get(key: String, to destination: URL, range: ClosedRange<Int>?) async throws(S3Error) {
        var headers: [String: String] = [:]
        if let range { headers["Range"] = "bytes=\(range.lowerBound)-\(range.upperBound)" }
        let signed = request("GET", key: key, headers: headers)
        do {
            try await http.download(signed, to: destination)
        } catch {
            if case .status(let status, _, _, let excerpt) = error {
                throw serviceError(status: status, body: Data(excerpt.utf8), key: key, operation: "GetObject")
            }
            throw S3Error.transport(error)
        }
    }

    public func getData(key: String) async throws(S3Error) -> Data {
        try await send(request("GET", key: key), operation: "GetObject", key: key).body
    }

    public func head(key: String) async throws(S3Error) -> ObjectInfo? {
        let response = try await send(request("HEAD", key: key), operation: "HeadObject", key: key, accept: [404])
        guard response.status != 404 else { return nil }
        return ObjectInfo(key: key, size: Int(response.header("content-length") ?? "") ?? 0,
                          etag: response.header("etag")?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                          lastModified: response.header("last-modified").flatMap(Self.httpDate))
    }

    public func list(prefix: String, delimiter: String?) async throws(S3Error) -> ObjectListing {
        var listing = ObjectListing()
        var token: String?
        repeat {
            var query: [(String, String)] = [("list-type", "2"), ("max-keys", String(listPageSize)), ("prefix", prefix)]
            if let delimiter, !delimiter.isEmpty { query.append(("delimiter", delimiter)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try await send(request("GET", key: nil, query: query), operation: "ListObjectsV2", key: nil)
            guard let tree = XMLTree.parse(response.body), tree.name == "ListBucketResult" else {
                throw S3Error.malformedResponse(operation: "ListObjectsV2", endpoint: endpoint.absoluteString,
                                                reason: "not a ListBucketResult: \(HTTPClient.excerpt(response.body))")
            }
            for item in tree.all("Contents") {
                guard let key = item.value("Key") else { continue }
                listing.objects.append(ObjectInfo(
                    key: key, size: Int(item.value("Size") ?? "") ?? 0,
                    etag: item.value("ETag")?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                    lastModified: item.value("LastModified").flatMap(Self.isoDate)))
            }
            listing.commonPrefixes += tree.all("CommonPrefixes").compactMap { $0.value("Prefix") }
            let truncated = tree.value("IsTruncated") == "true"
            token = truncated ? tree.value("NextContinuationToken") : nil
            if truncated, token == nil {
                throw S3Error.malformedResponse(operation: "ListObjectsV2", endpoint: endpoint.absoluteString,
                                                reason: "truncated listing without a continuation token")
            }
        } while token != nil
        return listing
    }

    public func delete(key: String) async throws(S3Error) {
        _ = try await send(request("DELETE", key: key), operation: "DeleteObject", key: key, accept: [404])
    }

    // MARK: - multipart

    /// Keys with a multipart upload in progress under `prefix` (ListMultipartUploads): after a failed
    /// upload there should be none, since bertha aborts what it started.
    public func pendingMultipartUploads(prefix: String = "") async throws(S3Error) -> [String] {
        let response = try await send(request("GET", key: nil, query: [("prefix", prefix), ("uploads", "")]),
                                      operation: "ListMultipartUploads", key: nil)
        guard let tree = XMLTree.parse(response.body) else {
            throw S3Error.malformedResponse(operation: "ListMultipartUploads", endpoint: endpoint.absoluteString,
                                            reason: "not XML: \(HTTPClient.excerpt(response.body))")
        }
        return tree.all("Upload").compactMap { $0.value("Key") }
    }

    private func multipartUpload(file: URL, size: Int, key: String, contentType: String?) async throws(S3Error) {
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        // Initiating twice only leaves an unused upload id behind, so the POST may be retried.
        let initiated = try await send(request("POST", key: key, query: [("uploads", "")], headers: headers, retryable: true),
                                       operation: "CreateMultipartUpload", key: key)
        guard let uploadID = XMLTree.parse(initiated.body)?.value("UploadId") else {
            throw S3Error.malformedResponse(operation: "CreateMultipartUpload", endpoint: endpoint.absoluteString,
                                            reason: "no UploadId in \(HTTPClient.excerpt(initiated.body))")
        }
        do throws(S3Error) {
            let etags = try await uploadParts(file: file, size: size, key: key, uploadID: uploadID)
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element.xmlEscaped)</ETag></Part>" }
            let body = Data("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
            let completed = try await send(request("POST", key: key, query: [("uploadId", uploadID)], body: .data(body), retryable: true),
                                           operation: "CompleteMultipartUpload", key: key)
            // S3 may answer 200 and still fail: the error is then in the body.
            if let tree = XMLTree.parse(completed.body), tree.name == "Error" {
                throw serviceError(status: completed.status, body: completed.body, key: key, operation: "CompleteMultipartUpload")
            }
        } catch {
            logger.warning("aborting multipart upload", metadata: ["key": "\(key)", "error": "\(error.message)"])
            _ = try? await send(request("DELETE", key: key, query: [("uploadId", uploadID)]), operation: "AbortMultipartUpload", key: key,
                                accept: [404])
            throw error
        }
    }

    /// Uploads every part with at most `maxConcurrentParts` in flight; returns the ETags in part order.
    private func uploadParts(file: URL, size: Int, key: String, uploadID: String) async throws(S3Error) -> [String] {
        let count = (size + partSize - 1) / partSize
        var etags = [String](repeating: "", count: count)
        do {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var next = 0
                func addPart() {
                    let index = next
                    next += 1
                    group.addTask { try await (index, self.uploadPart(file: file, index: index, size: size, key: key, uploadID: uploadID)) }
                }
                while next < min(count, maxConcurrentParts) { addPart() }
                while let (index, etag) = try await group.next() {
                    etags[index] = etag
                    if next < count { addPart() }
                }
            }
        } catch let error as S3Error {
            throw error
        } catch {
            throw S3Error.localFile(path: file.path, reason: "multipart upload failed: \(error)")
        }
        return etags
    }

    private func uploadPart(file: URL, index: Int, size: Int, key: String, uploadID: String) async throws(S3Error) -> String {
        let offset = index * partSize
        let length = min(partSize, size - offset)
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            data = try handle.read(upToCount: length) ?? Data()
        } catch {
            throw S3Error.localFile(path: file.path, reason: "cannot read part \(index + 1): \(error.localizedDescription)")
        }
        guard data.count == length else {
            throw S3Error.localFile(path: file.path, reason: "file changed during upload (part \(index + 1) short)")
        }
        let response = try await send(request("PUT", key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadID)],
                                              body: .data(data)), operation: "UploadPart", key: key)
        guard let etag = response.header("etag") else {
            throw S3Error.malformedResponse(operation: "UploadPart", endpoint: endpoint.absoluteString, reason: "no ETag for part \(index + 1)")
        }
        return etag
    }

    // MARK: - dates

    static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
