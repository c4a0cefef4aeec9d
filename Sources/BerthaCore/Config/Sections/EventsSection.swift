/// `events:` — `bertha events`, the local event receiver and pipeline runner.
public struct EventsSection: ConfigSection {
    public static let name = "events"
    public static let help = "The local event receiver that runs ingest and retrain pipelines."

    public var host = "127.0.0.1"
    public var port = 9400
    public var stateDir = "data/events"
    public var pollInterval = 0.0
    public var prefix = ""
    public var command = ""
    public var maxParallelIngest = 1

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("host", \.host, help: "address to listen on"),
        .init("port", \.port, help: "TCP port for Alertmanager and object-store webhooks", validate: Check.range(0...65_535)),
        .init("state_dir", \.stateDir, help: "run history, logs and state"),
        .init("poll_interval", \.pollInterval, help: "seconds between bucket polls for stores without notifications; 0 disables",
              validate: Check.range(0.0...86_400.0)),
        .init("prefix", \.prefix, help: "only objects under this key prefix of s3.bucket are ingested (notifications and polling)"),
        .init("command", \.command, help: "executable run for each pipeline step with bertha's arguments; empty means this bertha binary"),
        .init("max_parallel_ingest", \.maxParallelIngest, help: "ingest runs of different objects that may run at once",
              validate: Check.range(1...64)),
    ]
}
