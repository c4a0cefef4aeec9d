import BerthaCore
import BerthaTestSupport
import Foundation
import Testing

@Suite("ConfigLoader")
struct ConfigLoaderTests {
    private func write(_ yaml: String, in dir: TemporaryDirectory, name: String = "bertha.yaml") throws -> String {
        let url = dir.path(name)
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("defaults apply when there is no file, no environment and no flag")
    func defaults() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let loaded = try ConfigLoader(environment: [:], workingDirectory: dir.url.path).load()
        #expect(loaded.config == BerthaConfig())
        #expect(loaded.file == nil)
        #expect(loaded.origins["server.port"] == .defaultValue)
    }

    @Test("flag beats environment beats file beats default")
    func precedence() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("server:\n  port: 1111\n  host: 0.0.0.0\nmodel:\n  ctx: 1024\n", in: dir)
        let env = ["BERTHA_SERVER_PORT": "2222", "BERTHA_MODEL_CTX": "4096"]
        let flags = [ConfigOverride(key: "server.port", value: "3333", flag: "--port")]
        let loaded = try ConfigLoader(file: file, environment: env, overrides: flags).load()
        #expect(loaded.config.server.port == 3333)
        #expect(loaded.origins["server.port"] == .flag(name: "--port"))
        #expect(loaded.config.model.ctx == 4096)
        #expect(loaded.origins["model.ctx"] == .environment(name: "BERTHA_MODEL_CTX"))
        #expect(loaded.config.server.host == "0.0.0.0")
        #expect(loaded.origins["server.host"] == .file(path: file, line: 3))
        #expect(loaded.config.server.parallel == ServerSection().parallel)
    }

    @Test("BERTHA_* beats the foreign convention, which beats the file")
    func foreignEnvironment() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("mlflow:\n  tracking_uri: http://file:5000\n", in: dir)
        let foreign = try ConfigLoader(file: file, environment: ["MLFLOW_TRACKING_URI": "http://env:5000"]).load()
        #expect(foreign.config.mlflow.trackingURI == "http://env:5000")
        let both = try ConfigLoader(file: file, environment: ["MLFLOW_TRACKING_URI": "http://env:5000",
                                                              "BERTHA_MLFLOW_TRACKING_URI": "http://bertha:5000"]).load()
        #expect(both.config.mlflow.trackingURI == "http://bertha:5000")
    }

    @Test("./bertha.yaml is read when present and $BERTHA_CONFIG names another file")
    func fileDiscovery() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try write("server:\n  port: 1234\n", in: dir)
        let other = try write("server:\n  port: 4321\n", in: dir, name: "other.yaml")
        #expect(try ConfigLoader(environment: [:], workingDirectory: dir.url.path).load().config.server.port == 1234)
        #expect(try ConfigLoader(environment: ["BERTHA_CONFIG": other], workingDirectory: dir.url.path)
            .load().config.server.port == 4321)
    }

    @Test("an unknown key names the key, the file and the line, with a suggestion")
    func unknownKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("server:\n  host: 127.0.0.1\n  prot: 9000\n", in: dir)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader(file: file, environment: [:]).load() }
        #expect(error == .unknownKey(key: "server.prot", source: .file(path: file, line: 3), suggestion: "server.port"))
        #expect(error?.description == "unknown key 'server.prot' (did you mean 'server.port'?) (\(file):3)")
        #expect(error?.exitCode == .usage)
    }

    @Test("an unknown section is an error")
    func unknownSection() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("sever:\n  port: 1\n", in: dir)
        #expect(throws: ConfigError.unknownSection(name: "sever", source: .file(path: file, line: 1))) {
            try ConfigLoader(file: file, environment: [:]).load()
        }
    }

    @Test("a wrong type names the key, the expected type and where", arguments: [
        ("server:\n  port: eighty\n", "server.port must be an integer, got 'eighty'"),
        ("server:\n  rag: maybe\n", "server.rag must be a boolean (true or false), got 'maybe'"),
        ("ingest:\n  include: {a: 1}\n", "ingest.include must be a list of strings, got a mapping"),
        ("server:\n  port: [1, 2]\n", "server.port must be an integer, got a list"),
    ])
    func wrongType(yaml: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write(yaml, in: dir)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader(file: file, environment: [:]).load() }
        #expect(error?.message == message)
        #expect(error?.location == "\(file):2")
    }

    @Test("a wrong type in the environment names the variable")
    func wrongTypeInEnvironment() throws {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader(environment: ["BERTHA_SERVER_PORT": "x"], workingDirectory: "/nonexistent").load()
        }
        #expect(error?.location == "env BERTHA_SERVER_PORT")
    }

    @Test("a missing explicit file is an error, not silently the defaults")
    func missingFile() {
        #expect(throws: ConfigError.fileNotFound(path: "/nonexistent/bertha.yaml")) {
            try ConfigLoader(file: "/nonexistent/bertha.yaml", environment: [:]).load()
        }
    }

    @Test("malformed YAML names the file and line")
    func malformedYAML() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("server:\n  port: 8080\n  host: [unclosed\n", in: dir)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader(file: file, environment: [:]).load() }
        guard case .malformedYAML(let path, let line, _) = error else {
            Issue.record("expected malformedYAML, got \(String(describing: error))")
            return
        }
        #expect(path == file)
        #expect(line == 4)
    }

    @Test("values out of range are rejected after all layers merge", arguments: [
        ("server.port", "70000", "server.port must be between 0 and 65535, got 70000"),
        ("kubernetes.replicas", "-1", "kubernetes.replicas must be between 0 and 1000, got -1"),
        ("alerts.feedback_down_ratio", "1.5", "alerts.feedback_down_ratio must be between 0.0 and 1.0, got 1.5"),
        ("kubernetes.namespace", "Bad_Name", "kubernetes.namespace must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters), got 'Bad_Name'"),
    ])
    func validation(key: String, value: String, message: String) {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader(environment: [:], overrides: [ConfigOverride(key: key, value: value, flag: "--set \(key)")],
                             workingDirectory: "/nonexistent").load()
        }
        #expect(error?.message == message)
        #expect(error?.location == "flag --set \(key)")
    }

    @Test("--set parses section.key=value and rejects anything else")
    func setAssignment() throws {
        let override = try ConfigOverride(assignment: "model.path=a=b.gguf")
        #expect(override.key == "model.path")
        #expect(override.value == "a=b.gguf")
        #expect(throws: ConfigError.malformedOverride(text: "port=1")) { try ConfigOverride(assignment: "port=1") }
    }

    @Test("lists come from YAML sequences and comma-separated environment values")
    func lists() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try write("ingest:\n  include: ['*.{md,txt}', docs/**]\n", in: dir)
        #expect(try ConfigLoader(file: file, environment: [:]).load().config.ingest.include == ["*.{md,txt}", "docs/**"])
        let env = try ConfigLoader(environment: ["BERTHA_RETRAIN_TARGETS": "q, v"], workingDirectory: "/nonexistent").load()
        #expect(env.config.retrain.targets == ["q", "v"])
    }

    @Test("byte sizes accept Ki, Mi and Gi suffixes")
    func byteSizes() throws {
        let loaded = try ConfigLoader(environment: ["BERTHA_S3_PART_SIZE": "32Mi"], workingDirectory: "/nonexistent").load()
        #expect(loaded.config.s3.partSize == 32 << 20)
    }
}
