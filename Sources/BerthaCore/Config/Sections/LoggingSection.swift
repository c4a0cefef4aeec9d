/// `logging:` — log level.
public struct LoggingSection: ConfigSection {
    public static let name = "logging"
    public static let help = "Logging."

    public var level = "info"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("level", \.level, help: "trace, debug, info, notice, warning, error or critical",
              validate: Check.oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"])),
    ]
}
