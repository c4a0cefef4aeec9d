import ArgumentParser
import BerthaCore
import Foundation

/// Turns any error that reaches the top into output and an exit code.
enum CommandLineErrorHandler {
    static func handle(_ error: any Error) -> Int32 {
        if let error = error as? any BerthaError {
            let (line, code) = describeError(error)
            StandardError.write("bertha: error: \(line)\n")
            return code.rawValue
        }
        if let exit = error as? ExitCode {
            return exit.rawValue
        }
        // The parser's own outcomes: --help, --version, completion scripts, and usage errors.
        let code = Bertha.exitCode(for: error)
        if code == .success {
            print(Bertha.fullMessage(for: error))
            return 0
        }
        if error is CleanExit { return code.rawValue }
        let message = Bertha.message(for: error).oneLine
        if message.isEmpty { return code.rawValue }
        if code.rawValue == ExitCode.validationFailure.rawValue || error is ValidationError {
            StandardError.write("bertha: error: \(lowercaseFirst(message)) (see 'bertha --help')\n")
            return BerthaExitCode.usage.rawValue
        }
        StandardError.write("bertha: error: \(Redactor.shared.redact(message))\n")
        return BerthaExitCode.failure.rawValue
    }

    private static func lowercaseFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
