import BerthaTestSupport
import Foundation
import Testing

@Suite("bertha CLI")
struct CLITests {
    private func bertha(_ arguments: [String], environment: [String: String] = [:],
                        directory: URL? = nil) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") }
        env.merge(environment) { $1 }
        return try runProcess(TestEnvironment.berthaExecutable(), arguments, environment: env,
                              currentDirectory: directory ?? FileManager.default.temporaryDirectory)
    }

    @Test("--help lists every subcommand")
    func helpListsSubcommands() throws {
        let result = try bertha(["--help"])
        #expect(result.status == 0)
        for name in ["serve", "ingest", "retrain", "register", "render-manifests", "alert-rules", "bench",
                     "run", "tokenize", "inspect", "events", "config", "version"] {
            #expect(result.stdout.contains("\n  \(name) "), "missing \(name) in --help")
        }
    }

    @Test("config print reads examples/bertha.yaml and prints every section")
    func configPrint() throws {
        let example = TestEnvironment.repoRoot.appendingPathComponent("examples/bertha.yaml").path
        let result = try bertha(["config", "print", "--config", example])
        #expect(result.status == 0, "\(result.stderr)")
        for section in ["model", "server", "embeddings", "ingest", "vector_store", "s3", "mlflow", "retrain",
                        "alerts", "kubernetes", "events", "logging"] {
            #expect(result.stdout.contains("\n\(section):\n") || result.stdout.hasPrefix("\(section):\n"))
        }
    }

    @Test("the README's configuration table is exactly `bertha config reference` (every key, env var and default)")
    func readmeDocumentsEveryKey() throws {
        let result = try bertha(["config", "reference"])
        #expect(result.status == 0, "\(result.stderr)")
        let readme = try String(contentsOf: TestEnvironment.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(result.stdout.split(separator: "\n").count > 100)
        #expect(readme.contains(result.stdout), "README.md's table is stale: regenerate it with `bertha config reference`")
    }

    @Test("environment and --set flow into config print, secrets masked")
    func configPrintLayers() throws {
        let result = try bertha(["config", "print", "--origins", "--set", "server.port=9001"],
                                environment: ["BERTHA_MODEL_CTX": "4096", "AWS_SECRET_ACCESS_KEY": "abcd1234secret"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  port: 9001  # from flag --set server.port"))
        #expect(result.stdout.contains("  ctx: 4096  # from env BERTHA_MODEL_CTX"))
        #expect(result.stdout.contains("  secret_key: \"***\"  # from env AWS_SECRET_ACCESS_KEY"))
        #expect(!result.stdout.contains("abcd1234secret"))
    }

    @Test("a malformed bertha.yaml gives one error line naming file, line and key, and exit code 2", arguments: [
        ("server:\n  port: 8080\n  prot: 1\n", "unknown key 'server.prot' (did you mean 'server.port'?)", 3),
        ("server:\n  port: eighty\n", "server.port must be an integer, got 'eighty'", 2),
        ("model:\n  ctx: [1\n", "malformed YAML", 3),
    ])
    func malformedConfig(yaml: String, message: String, line: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path("bertha.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let result = try bertha(["config", "print", "--config", file.path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(result.stderr.hasPrefix("bertha: error: \(message)"))
        #expect(result.stderr.hasSuffix("(\(file.path):\(line))\n"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a missing --config file is a usage error naming the file")
    func missingConfig() throws {
        let result = try bertha(["config", "print", "--config", "/nonexistent/b.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr == "bertha: error: configuration file not found (/nonexistent/b.yaml)\n")
    }

    @Test("an unknown option is one usage line with exit code 2")
    func unknownOption() throws {
        let result = try bertha(["version", "--bogus"])
        #expect(result.status == 2)
        #expect(result.stderr == "bertha: error: unknown option '--bogus' (see 'bertha --help')\n")
    }

    @Test("version --json reports the version and the kernel ISA")
    func versionJSON() throws {
        let result = try bertha(["version", "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        #expect(object?["version"]?.isEmpty == false)
        #expect(["scalar", "avx2", "avx512-vnni", "neon"].contains(object?["kernels"] ?? ""))
        #expect(object?["libarchive"]?.hasPrefix("libarchive ") == true)
    }

    @Test("shell completion scripts are generated for bash, zsh and fish", arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let result = try bertha(["--generate-completion-script", shell])
        #expect(result.status == 0)
        #expect(result.stdout.contains("render-manifests"))
    }
}
