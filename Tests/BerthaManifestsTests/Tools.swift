import BerthaCore
import BerthaManifests
import BerthaTestSupport
import Foundation

/// The external checkers the acceptance criteria name; a missing one fails the test.
enum Tools {
    static func system(_ name: String) throws -> URL {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw MissingTool(path: name, hint: "apt-get install prometheus prometheus-alertmanager (promtool, amtool) / kubectl")
    }

    static func venv(_ name: String) throws -> URL {
        let url = TestEnvironment.repoRoot.appendingPathComponent(".venv/bin/\(name)")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw MissingTool(path: url.path, hint: "run `make setup` (pip install \(name))")
        }
        return url
    }

    /// Runs a tool and returns its combined output, failing with it when the exit status is not 0.
    @discardableResult
    static func run(_ tool: URL, _ arguments: [String]) throws -> String {
        let result = try runProcess(tool, arguments)
        guard result.status == 0 else {
            throw ToolFailure(tool: tool.lastPathComponent, output: result.stdout + result.stderr)
        }
        return result.stdout + result.stderr
    }
}

/// A checker the test needs is not installed: the test fails with how to install it.
struct MissingTool: Error, CustomStringConvertible {
    let path: String
    let hint: String
    var description: String { "missing \(path): \(hint)" }
}

struct ToolFailure: Error, CustomStringConvertible {
    let tool: String
    let output: String
    var description: String { "\(tool) failed:\n\(output)" }
}

/// Configuration as the CLI would load it, from `--set` style assignments.
func loadConfig(_ assignments: [String] = [], file: String? = nil) throws -> BerthaConfig {
    try ConfigLoader(file: file, environment: [:], overrides: assignments.map { try ConfigOverride(assignment: $0) },
                     workingDirectory: FileManager.default.temporaryDirectory.path).load().config
}
