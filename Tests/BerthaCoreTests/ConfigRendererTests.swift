import BerthaCore
import BerthaTestSupport
import Foundation
import Testing

@Suite("ConfigRenderer")
struct ConfigRendererTests {
    @Test("config print masks secrets that are set and leaves unset ones empty")
    func masksSecrets() throws {
        let loaded = try ConfigLoader(environment: ["AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG",
                                                    "BERTHA_SERVER_API_KEY": "sk-local-12345"],
                                      workingDirectory: "/nonexistent").load()
        let text = ConfigRenderer.yaml(loaded.config)
        #expect(!text.contains("wJalrXUtnFEMI"))
        #expect(!text.contains("sk-local-12345"))
        #expect(text.contains("  secret_key: \"***\"\n"))
        #expect(text.contains("  session_token: \"\"\n"))
        #expect(Redactor.shared.redact("signature failed for wJalrXUtnFEMI/K7MDENG") == "signature failed for ***")
    }

    @Test("the printed configuration loads back to the same values")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var overrides = [ConfigOverride(key: "ingest.include", value: "a,b", flag: "--set")]
        overrides.append(ConfigOverride(key: "model.chat_template", value: "chatml", flag: "--set"))
        overrides.append(ConfigOverride(key: "alerts.for", value: "1m", flag: "--set"))
        let original = try ConfigLoader(environment: [:], overrides: overrides, workingDirectory: "/nonexistent").load().config
        let file = dir.path("printed.yaml")
        try ConfigRenderer.yaml(original).write(to: file, atomically: true, encoding: .utf8)
        #expect(try ConfigLoader(file: file.path, environment: [:]).load().config == original)
    }

    @Test("examples/bertha.yaml is the documented example and loads to the defaults")
    func exampleIsCurrent() throws {
        let example = TestEnvironment.repoRoot.appendingPathComponent("examples/bertha.yaml")
        let committed = try String(contentsOf: example, encoding: .utf8)
        #expect(committed == ConfigRenderer.documentedExample(), "regenerate with `bertha config example > examples/bertha.yaml`")
        #expect(try ConfigLoader(file: example.path, environment: [:]).load().config == BerthaConfig())
    }

    @Test("URL credentials and presigned signatures are masked")
    func urlCredentials() {
        let redactor = Redactor()
        #expect(redactor.redact("GET http://user:pa55word@host:5000/x failed") == "GET http://user:***@host:5000/x failed")
        #expect(redactor.redact("https://b.s3/k?X-Amz-Signature=abcdef&X-Amz-Date=1")
                == "https://b.s3/k?X-Amz-Signature=***&X-Amz-Date=1")
    }
}
