import Foundation

/// One line per run for `bertha events runs`.
public enum RunSummary {
    /// `ID  STATE  KIND  TARGET  DURATION  NOTE`, columns padded for a terminal.
    public static func line(_ run: Run) -> String {
        let target: String = switch run.job {
        case .ingest(let event): "s3://\(event.bucket)/\(event.key)"
        case .retrain: run.alerts.first.map { "alert \($0.split(separator: "@").first ?? "")" } ?? "manual"
        }
        var note = run.error ?? ""
        if case .retrain = run.job, run.error == nil {
            note = [run.gate.map { "gate \($0)" }, run.modelVersion.map { "version \($0)" },
                    run.alerts.count > 1 ? "\(run.alerts.count) alerts" : nil].compactMap { $0 }.joined(separator: ", ")
        }
        if let retryOf = run.retryOf { note += (note.isEmpty ? "" : "; ") + "retry of \(retryOf)" }
        return [pad(run.id, 33), pad(run.state.rawValue, 10), pad(run.job.kind, 8), pad(target, 40), pad(duration(run), 8), note]
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    static func duration(_ run: Run) -> String {
        guard let start = run.startedAt else { return "-" }
        let seconds = (run.finishedAt ?? Date()).timeIntervalSince(start)
        return seconds < 60 ? String(format: "%.1fs", seconds) : "\(Int(seconds) / 60)m" + String(format: "%02ld", Int(seconds) % 60) + "s"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
