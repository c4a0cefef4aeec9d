import BerthaCore
@testable import BerthaObjectStore
import BerthaTestSupport
import Foundation
import Testing

/// `S3ObjectStore` against the real SeaweedFS S3 gateway of `scripts/services.sh start s3` (SigV4
/// enforced). Each test works in its own fresh bucket.
@Suite("S3ObjectStore against SeaweedFS")
struct S3IntegrationTests {
    static let credentials = S3Credentials(accessKey: TestServices.s3AccessKey, secretKey: TestServices.s3SecretKey)

    private func store(bucket: String = "bertha-it-" + UUID().uuidString.prefix(8).lowercased(),
                       endpoint: String = TestServices.s3Endpoint, credentials: S3Credentials = Self.credentials,
                       multipartThreshold: Int = 64 << 20, partSize: Int = 16 << 20,
                       http: HTTPClient = HTTPClient(timeout: 30)) throws -> S3ObjectStore {
        S3ObjectStore(endpoint: try #require(URL(string: endpoint)), bucket: bucket, credentials: credentials,
                      multipartThreshold: multipartThreshold, partSize: partSize, http: http)
    }

    /// A file of `size` bytes whose content differs every 8 bytes (so a misplaced part changes the hash).
    private func patternFile(_ url: URL, size: Int) throws {
        var data = Data(count: size)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices { words[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }
        }
        try data.write(to: url)
    }

    @Test("a wrong secret is a SignatureDoesNotMatch error naming the setting to check, without the secret")
    func wrongSecret() async throws {
        let bad = try store(credentials: S3Credentials(accessKey: TestServices.s3AccessKey, secretKey: "not-the-secret-xyz"))
        do throws(S3Error) {
            try await bad.put(data: Data("x".utf8), key: "k")
            Issue.record("a wrong secret was accepted")
        } catch {
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.message.contains("SignatureDoesNotMatch"))
            #expect(error.message.contains("s3.secret_key"))
            #expect(!error.description.contains("not-the-secret-xyz"))
            #expect(error.exitCode == .failure)
        }
    }

    @Test("create bucket if missing, put/head/get (whole and ranged)/list/delete round trip")
    func roundTrip() async throws {
        let s3 = try store()
        try await s3.ensureBucket()
        try await s3.ensureBucket()  // idempotent
        let dir = try TemporaryDirectory("bertha-s3")
        defer { dir.remove() }

        try await s3.put(data: Data("hello world".utf8), key: "docs/a.txt", contentType: "text/plain")
        let file = dir.path("b.bin")
        try patternFile(file, size: 300_000)
        try await s3.put(file: file, key: "docs/sub/b.bin")
        try await s3.put(data: Data("top".utf8), key: "top.txt")

        let info = try #require(try await s3.head(key: "docs/sub/b.bin"))
        #expect(info.size == 300_000)
        #expect(info.etag?.isEmpty == false)
        #expect(try await s3.head(key: "docs/missing") == nil)

        let back = dir.path("back.bin")
        try await s3.get(key: "docs/sub/b.bin", to: back)
        #expect(try Data(contentsOf: back) == Data(contentsOf: file))
        let part = dir.path("part.bin")
        try await s3.get(key: "docs/sub/b.bin", to: part, range: 1000...1999)
        #expect(try Data(contentsOf: part) == Data(contentsOf: file)[1000...1999])
        #expect(try await s3.getData(key: "docs/a.txt") == Data("hello world".utf8))

        let all = try await s3.list()
        #expect(all.objects.map(\.key).sorted() == ["docs/a.txt", "docs/sub/b.bin", "top.txt"])
        let folded = try await s3.list(prefix: "docs/", delimiter: "/")
        #expect(folded.objects.map(\.key) == ["docs/a.txt"])
        #expect(folded.commonPrefixes == ["docs/sub/"])

        try await s3.delete(key: "docs/a.txt")
        try await s3.delete(key: "docs/a.txt")  // deleting a missing object succeeds
        #expect(try await s3.head(key: "docs/a.txt") == nil)
        do throws(S3Error) {
            _ = try await s3.getData(key: "docs/a.txt")
            Issue.record("a deleted object was read")
        } catch {
            #expect(error.code == "NoSuchKey")
            #expect(error.message.contains("docs/a.txt"))
        }
        // Nothing half-written is left behind by a failed download.
        let failed = dir.path("never.bin")
        await #expect(throws: S3Error.self) { try await s3.get(key: "docs/a.txt", to: failed) }
        #expect(!FileManager.default.fileExists(atPath: failed.path))
    }

    @Test("ListObjectsV2 follows continuation tokens over 2,500 keys (pages of 1,000)")
    func pagination() async throws {
        let s3 = try store()
        try await s3.ensureBucket()
        let keys = (0..<2500).map { String(format: "many/%05d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<16 {
                let key = keys[next]
                next += 1
                group.addTask { try await s3.put(data: Data(key.utf8), key: key) }
            }
            while try await group.next() != nil, next < keys.count {
                let key = keys[next]
                next += 1
                group.addTask { try await s3.put(data: Data(key.utf8), key: key) }
            }
            try await group.waitForAll()
        }
        #expect(s3.listPageSize == 1000)
        let listing = try await s3.list(prefix: "many/")
        #expect(listing.objects.count == 2500)
        #expect(listing.objects.map(\.key) == keys)
    }

    @Test("a 100 MB file uploads in parallel parts; a connection killed mid-upload is retried")
    func multipartWithKilledConnection() async throws {
        let bucket = "bertha-it-" + UUID().uuidString.prefix(8).lowercased()
        try await store(bucket: bucket).ensureBucket()
        let upstream = try #require(URL(string: TestServices.s3Endpoint)?.port)
        let proxy = try FaultProxy(["tcp", String(upstream), "--drop-after", String(3 << 20), "--drop-count", "1"])
        let port = try await proxy.port()
        let s3 = try store(bucket: bucket, endpoint: "http://127.0.0.1:\(port)",
                           http: HTTPClient(timeout: 60, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.1)))
        let dir = try TemporaryDirectory("bertha-s3")
        defer { dir.remove() }
        let file = dir.path("big.bin")
        try patternFile(file, size: 100 << 20)

        let started = Date()
        try await s3.put(file: file, key: "big/model.bin")
        let seconds = Date().timeIntervalSince(started)
        #expect(proxy.output.contains("dropped 1"), "the proxy never cut a connection: \(proxy.output)")
        let info = try #require(try await s3.head(key: "big/model.bin"))
        #expect(info.size == 100 << 20)
        #expect(info.etag?.hasSuffix("-7") == true, "expected a 7-part ETag, got \(info.etag ?? "nil")")
        let back = dir.path("back.bin")
        try await s3.get(key: "big/model.bin", to: back)
        #expect(try SHA256Hex.ofFile(at: back.path) == SHA256Hex.ofFile(at: file.path))
        #expect(try await s3.pendingMultipartUploads().isEmpty)
        print("multipart 100 MB through the fault proxy: \(String(format: "%.1f", seconds)) s")
        try await proxy.stop()
    }

    @Test("a multipart upload whose parts keep failing is aborted: no pending upload stays behind")
    func multipartAbortedOnFailure() async throws {
        let bucket = "bertha-it-" + UUID().uuidString.prefix(8).lowercased()
        let direct = try store(bucket: bucket)
        try await direct.ensureBucket()
        let upstream = try #require(URL(string: TestServices.s3Endpoint)?.port)
        let proxy = try FaultProxy(["tcp", String(upstream), "--drop-after", String(1 << 20), "--drop-count", "-1"])
        let port = try await proxy.port()
        let s3 = try store(bucket: bucket, endpoint: "http://127.0.0.1:\(port)", multipartThreshold: 5 << 20, partSize: 5 << 20,
                           http: HTTPClient(timeout: 30, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.05)))
        let dir = try TemporaryDirectory("bertha-s3")
        defer { dir.remove() }
        let file = dir.path("mid.bin")
        try patternFile(file, size: 12 << 20)
        do throws(S3Error) {
            try await s3.put(file: file, key: "doomed.bin")
            Issue.record("the upload succeeded through a proxy that kills every connection")
        } catch {
            // A reset mid-body surfaces as a lost connection or, when SeaweedFS answers the cut-off
            // request first, as its error; either way the upload must fail, not hang or succeed.
            #expect(!error.message.isEmpty)
        }
        #expect(try await direct.pendingMultipartUploads().isEmpty)
        #expect(try await direct.head(key: "doomed.bin") == nil)
        try await proxy.stop()
    }

    @Test("a presigned GET URL is fetched by plain curl, and fails once tampered with")
    func presignedGet() async throws {
        let s3 = try store()
        try await s3.ensureBucket()
        try await s3.put(data: Data("presigned body".utf8), key: "dir/with space+plus.txt")
        let url = s3.presignedURL(key: "dir/with space+plus.txt", expires: 300)
        #expect(!url.absoluteString.contains(TestServices.s3SecretKey))
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        let ok = try runProcess(curl, ["-sf", url.absoluteString])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "presigned body")
        let tampered = url.absoluteString.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=301")
        let bad = try runProcess(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", tampered])
        #expect(bad.stdout == "403")
    }
}

/// `Tests/Fixtures/http/fault_proxy.py` running in the test venv.
final class FaultProxy: Sendable {
    let process: BackgroundProcess

    init(_ arguments: [String]) throws {
        process = try BackgroundProcess(TestEnvironment.python(),
                                        [try TestEnvironment.fixture("http/fault_proxy.py").path] + arguments)
    }

    func port() async throws -> Int {
        try #require(Int(try await process.waitFor("^(\\d+)$", timeout: 30)))
    }

    var output: String { process.output }

    func stop() async throws { try await process.stop() }
}
