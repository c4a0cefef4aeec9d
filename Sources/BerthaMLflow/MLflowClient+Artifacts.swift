import BerthaCore
import BerthaObjectStore
import Foundation

extension MLflowClient {
    /// Where an artifact URI's bytes live.
    public enum ArtifactLocation: Sendable, Equatable {
        /// Behind the tracking server's proxy; the path is relative to its artifact root (`1/<run>/artifacts/x`).
        case proxied(path: String)
        /// Directly in an S3 bucket.
        case s3(bucket: String, key: String)
    }

    /// Maps `mlflow-artifacts:/…` (also `mlflow-artifacts://host:port/…`) and `s3://bucket/key` artifact URIs.
    public static func artifactLocation(_ uri: String) throws(MLflowError) -> ArtifactLocation {
        if uri.hasPrefix("mlflow-artifacts:") {
            var rest = uri.dropFirst("mlflow-artifacts:".count)
            if rest.hasPrefix("//") {
                // An authority names the server; bertha talks to its configured tracking URI.
                rest = rest.dropFirst(2)
                rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
            }
            let path = rest.split(separator: "/").joined(separator: "/")
            guard !path.isEmpty else { throw MLflowError.invalidURI(uri, reason: "no artifact path") }
            return .proxied(path: path)
        }
        if uri.hasPrefix("s3://") {
            let rest = uri.dropFirst(5)
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else {
                throw MLflowError.invalidURI(uri, reason: "expected s3://bucket/key")
            }
            return .s3(bucket: String(rest[..<slash]), key: String(rest[rest.index(after: slash)...]))
        }
        throw MLflowError.invalidURI(uri, reason: "unsupported artifact store (bertha reads mlflow-artifacts:/ and s3://)")
    }

    /// The proxy URL of an artifact path (`/api/2.0/mlflow-artifacts/artifacts/<path>`).
    func artifactURL(_ path: String) -> URL {
        var components = URLComponents(url: trackingURI, resolvingAgainstBaseURL: false) ?? URLComponents()
        let base = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        components.path = base + "/api/2.0/mlflow-artifacts/artifacts/" + path
        return components.url ?? trackingURI
    }

    /// Uploads a file to `<artifactRoot>/<path>` (a run's `artifact_uri` and a relative path).
    public func uploadArtifact(file: URL, artifactRoot: String, path: String) async throws(MLflowError) {
        let target = artifactRoot.hasSuffix("/") ? artifactRoot + path : artifactRoot + "/" + path
        switch try Self.artifactLocation(target) {
        case .proxied(let proxied):
            let request = HTTPRequest(method: "PUT", url: artifactURL(proxied), headers: ["Content-Type": "application/octet-stream"],
                                      body: .file(file))
            _ = try await send(request, client: artifactHTTP)
        case .s3(let bucket, let key):
            let store = try objectStore(bucket: bucket)
            do throws(S3Error) {
                try await store.put(file: file, key: key)
            } catch {
                throw MLflowError.objectStore(error)
            }
        }
    }

    /// Downloads the artifact at `uri` to `destination` (through a temporary file renamed into place).
    public func downloadArtifact(_ uri: String, to destination: URL) async throws(MLflowError) {
        switch try Self.artifactLocation(uri) {
        case .proxied(let path):
            do {
                try await artifactHTTP.download(HTTPRequest(url: artifactURL(path)), to: destination)
            } catch {
                if case .status(404, _, _, _) = error { throw MLflowError.notFound("artifact \(uri)") }
                throw mapError(error)
            }
        case .s3(let bucket, let key):
            let store = try objectStore(bucket: bucket)
            do throws(S3Error) {
                try await store.get(key: key, to: destination)
            } catch {
                if error.code == "NoSuchKey" || error.code == "NotFound" { throw MLflowError.notFound("artifact \(uri)") }
                throw MLflowError.objectStore(error)
            }
        }
    }

    /// The files directly under an artifact directory URI.
    public func listArtifacts(_ uri: String) async throws(MLflowError) -> [ArtifactFile] {
        switch try Self.artifactLocation(uri) {
        case .proxied(let path):
            struct Answer: Decodable { var files: [ArtifactFile]? }
            var components = URLComponents(url: artifactURL(""), resolvingAgainstBaseURL: false)
            components?.path.removeLast()  // `…/artifacts?path=…` lists; `…/artifacts/<path>` downloads
            components?.queryItems = [URLQueryItem(name: "path", value: path)]
            let target = components?.url ?? trackingURI
            let response = try await send(HTTPRequest(url: target, headers: ["Accept": "application/json"]), client: artifactHTTP)
            do {
                return try JSONDecoder().decode(Answer.self, from: response.body).files ?? []
            } catch {
                throw MLflowError.malformedResponse(endpoint: HTTPClient.redacted(target), reason: "not an artifact listing: \(error)")
            }
        case .s3(let bucket, let key):
            let prefix = key.hasSuffix("/") ? key : key + "/"
            let store = try objectStore(bucket: bucket)
            do throws(S3Error) {
                let listing = try await store.list(prefix: prefix, delimiter: "/")
                return listing.objects.map { ArtifactFile(path: String($0.key.dropFirst(prefix.count)), isDir: false, fileSize: $0.size) }
                    + listing.commonPrefixes.map { ArtifactFile(path: String($0.dropFirst(prefix.count).dropLast()), isDir: true, fileSize: nil) }
            } catch {
                throw MLflowError.objectStore(error)
            }
        }
    }

    /// The artifact store's bucket, at `mlflow.s3_endpoint` with the `s3:` section's credentials.
    func objectStore(bucket: String) throws(MLflowError) -> S3ObjectStore {
        var section = S3Section()
        if let loaded = s3Section { section = loaded }
        if !s3Endpoint.isEmpty { section.endpoint = s3Endpoint }
        do throws(S3Error) {
            return try S3ObjectStore(section: section, bucket: bucket)
        } catch {
            throw MLflowError.objectStore(error)
        }
    }
}

extension ArtifactFile {
    public init(path: String, isDir: Bool, fileSize: Int?) {
        self.path = path
        self.isDir = isDir
        self.fileSize = fileSize
    }
}
