import ArgumentParser
import BerthaCore
import Foundation

// A hand-written entry point instead of `@main`: every failure, ours or the parser's, leaves as
// one line `bertha: error: <what> (<where>)` with a documented exit code.
do {
    var command = try Bertha.parseAsRoot()
    if var runnable = command as? any AsyncRunnable {
        try await runnable.run()
    } else if command is any AsyncParsableCommand {
        // A command that only has the protocol's default sync run() would silently print help.
        fatalError("\(type(of: command)) must conform to AsyncRunnable")
    } else {
        try command.run()
    }
} catch {
    exit(CommandLineErrorHandler.handle(error))
}
