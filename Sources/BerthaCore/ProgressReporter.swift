import Foundation
import Synchronization

/// Progress of long work (downloads, ingest, training, benchmarks).
///
/// On a terminal it redraws one line on stderr (`label [=====>    ] 42/100 3.1/s ETA 0:19 detail`);
/// when stderr is a log (CI, pipe) it prints a plain line at most every `logInterval` seconds and
/// at the end; with `--quiet` it prints nothing. Safe to update from several tasks.
public final class ProgressReporter: Sendable {
    public enum Mode: Sendable, Equatable { case bar, lines, silent }

    private struct State {
        var completed: Double = 0
        var detail = ""
        var lastDraw: Double = 0
        var drawnCompleted: Double?
        var finished = false
    }

    public let label: String
    public let total: Double?
    public let mode: Mode
    private let unit: String
    private let logInterval: Double
    private let start = Date()
    private let state = Mutex(State())
    private let sink: @Sendable (String) -> Void

    /// - Parameters:
    ///   - label: what is being done ("ingest", "download smollm2").
    ///   - total: the amount of work, or nil for a spinner with a count.
    ///   - unit: shown after rates ("docs", "MB", "tok").
    ///   - style: the global output style; decides the mode.
    public init(_ label: String, total: Double?, unit: String = "", style: OutputStyle,
                logInterval: Double = 10, sink: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.logInterval = logInterval
        self.mode = style.quiet ? .silent : (style.interactive ? .bar : .lines)
        self.sink = sink ?? { StandardError.write($0) }
    }

    /// Sets the amount done so far and an optional detail ("loss 1.92").
    public func update(completed: Double, detail: String? = nil) {
        let line: String? = state.withLock { s in
            s.completed = completed
            if let detail { s.detail = detail }
            let now = Date().timeIntervalSince(start)
            let interval = mode == .bar ? 0.1 : logInterval
            guard mode != .silent, !s.finished, now - s.lastDraw >= interval else { return nil }
            s.lastDraw = now
            s.drawnCompleted = s.completed
            return render(s, elapsed: now)
        }
        if let line { emit(line, final: false) }
    }

    /// Adds `amount` to the work done.
    public func advance(by amount: Double = 1, detail: String? = nil) {
        let current = state.withLock { $0.completed }
        update(completed: current + amount, detail: detail)
    }

    /// Draws the final state once and ends the line.
    public func finish(detail: String? = nil) {
        let line: String? = state.withLock { s in
            guard !s.finished else { return nil }
            s.finished = true
            if let detail { s.detail = detail }
            // A log already holds the final state when the last update drew it; a bar still needs its newline.
            if mode == .lines && detail == nil && s.drawnCompleted == s.completed { return nil }
            return mode == .silent ? nil : render(s, elapsed: Date().timeIntervalSince(start))
        }
        if let line { emit(line, final: true) }
    }

    private func emit(_ line: String, final: Bool) {
        switch mode {
        case .bar: sink("\r\u{1B}[2K" + line + (final ? "\n" : ""))
        case .lines: sink(line + "\n")
        case .silent: break
        }
    }

    private func render(_ s: State, elapsed: Double) -> String {
        let rate = elapsed > 0 ? s.completed / elapsed : 0
        var parts = [label]
        if let total, total > 0 {
            let fraction = min(1, max(0, s.completed / total))
            if mode == .bar {
                let width = 24
                let filled = Int(fraction * Double(width))
                parts.append("[" + String(repeating: "=", count: filled) + (filled < width ? ">" : "")
                             + String(repeating: " ", count: max(0, width - filled - 1)) + "]")
            }
            parts.append("\(Self.number(s.completed))/\(Self.number(total))\(unit.isEmpty ? "" : " " + unit)")
            parts.append(String(format: "%3.0f%%", fraction * 100))
            if rate > 0, s.completed < total {
                parts.append("ETA " + Self.duration((total - s.completed) / rate))
            }
        } else {
            parts.append("\(Self.number(s.completed))\(unit.isEmpty ? "" : " " + unit)")
        }
        if rate > 0 { parts.append(String(format: "%.1f%@/s", rate, unit.isEmpty ? "" : " " + unit)) }
        parts.append(Self.duration(elapsed))
        if !s.detail.isEmpty { parts.append(s.detail) }
        return parts.joined(separator: " ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
                             : String(format: "%d:%02d", total / 60, total % 60)
    }
}
