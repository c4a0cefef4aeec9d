import Foundation

/// The result of running a child process to completion.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` with `arguments`, feeding `stdin`, and waits for it. Output is collected
/// through files rather than pipes so a chatty child can never block on a full pipe.
@discardableResult
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                       stdin: String? = nil, currentDirectory: URL? = nil) throws -> ProcessResult {
    let dir = try TemporaryDirectory("bertha-proc")
    defer { dir.remove() }
    let out = dir.path("stdout"), err = dir.path("stderr")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment {
        process.environment = environment
    }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    if let stdin {
        let input = dir.path("stdin")
        try Data(stdin.utf8).write(to: input)
        process.standardInput = try FileHandle(forReadingFrom: input)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Runs a Python snippet in the test venv (`.venv/bin/python -c`), throwing with its stderr on failure.
@discardableResult
public func runPython(_ code: String, arguments: [String] = []) throws -> String {
    let result = try runProcess(TestEnvironment.python(), ["-c", code] + arguments)
    guard result.status == 0 else {
        throw PythonFailure(stderr: result.stderr)
    }
    return result.stdout
}

public struct PythonFailure: Error, CustomStringConvertible {
    public let stderr: String
    public var description: String { "python failed: \(stderr)" }
}
