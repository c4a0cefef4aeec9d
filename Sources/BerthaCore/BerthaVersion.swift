/// bertha's release version, printed by `bertha version` and sent as the HTTP User-Agent.
public enum BerthaVersion {
    public static let current = "0.1.0"
    public static var userAgent: String { "bertha/\(current)" }
}
