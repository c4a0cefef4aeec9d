import BerthaTestSupport
import Foundation
import Testing

@Suite("bertha ingest and the ingest benchmarks (CLI)")
struct IngestCommandTests {
    private func bertha(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") }
        return try runProcess(TestEnvironment.berthaExecutable(), arguments, environment: env, stdin: stdin,
                              currentDirectory: TestEnvironment.repoRoot)
    }

    @Test("bad invocations are one usage line with exit code 2", arguments: [
        ([String](), "give a source (PATH, s3://bucket/prefix, -) or --event FILE, or --query TEXT"),
        (["docs", "--query", "x"], "--query takes no sources or --event"),
        (["http://example.com/a.txt"], "invalid ingest source: unsupported scheme http://; use a path or s3://bucket/prefix (http://example.com/a.txt)"),
        (["s3://"], "invalid ingest source: s3:// needs a bucket, e.g. s3://docs/manuals/ (s3://)"),
        (["docs", "--store", "redis://x"], "vector_store.url must be embedded:DIR"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let result = try bertha(["ingest"] + arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("bertha: error: \(message)") || result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("an event payload that is not a bucket notification is refused before anything loads")
    func badEvent() throws {
        let result = try bertha(["ingest", "-"], stdin: #"{"hello": 1}"#)
        #expect(result.status == 1)
        #expect(result.stderr == "bertha: error: unrecognised bucket event payload: no Records, notification, body or SeaweedFS event_type found\n")
    }

    @Test("bench --store reports exact-search latency of the embedded store; --chunking the chunking rate")
    func bench() throws {
        let result = try bertha(["bench", "--store", "2000", "--chunking", "Tests/Fixtures/corpus/docs", "-r", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let store = try #require((report["store"] as? [[String: Any]])?.first)
        #expect(store["vectors"] as? Int == 2000 && store["method"] as? String == "exact")
        #expect((store["medianMilliseconds"] as? Double ?? 0) > 0)
        let chunking = try #require(report["chunking"] as? [String: Any])
        #expect(chunking["documents"] as? Int == 17 && chunking["bytes"] as? Int == 435_624)
        #expect((chunking["chunks"] as? Int ?? 0) > 17 && (chunking["megabytesPerSecond"] as? Double ?? 0) > 0)
    }
}
