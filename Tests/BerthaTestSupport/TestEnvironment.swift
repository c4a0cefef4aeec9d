import Foundation

/// Where the tests find what `make setup` installs: the repo, the Python venv, the models, the fixtures.
///
/// A test that needs one of these must fail when it is missing (never skip): CI installs all of
/// them, so a missing one means the setup is broken, and a skipped test would hide that.
public enum TestEnvironment {
    /// The package root, found from this file's path (Tests/BerthaTestSupport/TestEnvironment.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// True under CI (`CI=true`), where every service and model must be present.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) throws -> URL {
        try require(repoRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative),
                     hint: "fixtures are committed under Tests/Fixtures")
    }

    /// `models/<name>`, put there by `make models`.
    public static func model(_ name: String) throws -> URL {
        try require(repoRoot.appendingPathComponent("models").appendingPathComponent(name),
                    hint: "run `make models`")
    }

    /// The venv interpreter with the reference tools (`gguf`, `numpy`, `mlflow`, …), made by `make setup`.
    public static func python() throws -> URL {
        try require(repoRoot.appendingPathComponent(".venv/bin/python"), hint: "run `make setup`")
    }

    /// The built `bertha` executable of this build (debug or release, whichever `swift test` built).
    public static func berthaExecutable() throws -> URL {
        let candidates = ["debug", "release"].map { repoRoot.appendingPathComponent(".build/\($0)/bertha") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw MissingTestResource(path: candidates[0].path, hint: "run `swift build` before the CLI tests")
        }
        return found
    }

    private static func require(_ url: URL, hint: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingTestResource(path: url.path, hint: hint)
        }
        return url
    }
}

/// Thrown when a test's model, fixture or tool is not installed; it fails the test with a fix.
public struct MissingTestResource: Error, CustomStringConvertible {
    public let path: String
    public let hint: String
    public var description: String { "missing \(path): \(hint)" }
}
