import BerthaCore
import Synchronization
import Testing

@Suite("ProgressReporter")
struct ProgressReporterTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test("outside a terminal it logs plain lines, rate-limited, and always the final state")
    func plainLines() {
        let out = Lines()
        let progress = ProgressReporter("ingest", total: 10, unit: "docs",
                                        style: OutputStyle(interactive: false), logInterval: 3600,
                                        sink: { out.append($0) })
        #expect(progress.mode == .lines)
        for i in 1...10 { progress.update(completed: Double(i)) }
        progress.finish(detail: "done")
        // No update is drawn before 3600 s have passed, so only the final state prints.
        #expect(out.all.count == 1)
        #expect(out.all[0].hasPrefix("ingest 10/10 docs 100%"))
        #expect(out.all[0].hasSuffix("done\n"))
        #expect(!out.all[0].contains("\u{1B}"))
    }

    @Test("a log line per update when the interval allows, and no duplicate of the last one at finish")
    func noDuplicateFinalLine() {
        let out = Lines()
        let progress = ProgressReporter("bench", total: 2, unit: "runs", style: OutputStyle(interactive: false),
                                        logInterval: 0, sink: { out.append($0) })
        progress.advance(detail: "run 1")
        progress.advance(detail: "run 2")
        progress.finish()
        #expect(out.all.count == 2)
        #expect(out.all.last?.hasPrefix("bench 2/2 runs 100%") == true)
    }

    @Test("--quiet prints nothing")
    func quiet() {
        let out = Lines()
        let progress = ProgressReporter("x", total: 2, style: OutputStyle(quiet: true, interactive: true),
                                        sink: { out.append($0) })
        progress.advance()
        progress.finish()
        #expect(out.all.isEmpty)
    }

    @Test("on a terminal it redraws one line with a bar")
    func bar() throws {
        let out = Lines()
        let progress = ProgressReporter("download", total: 4, unit: "MB", style: OutputStyle(interactive: true),
                                        sink: { out.append($0) })
        progress.update(completed: 4)
        progress.finish()
        let last = try #require(out.all.last)
        #expect(last.hasSuffix("\n"))
        #expect(last.hasPrefix("\r\u{1B}[2Kdownload [========================] 4/4 MB"))
    }
}
