/// Renders a configuration as bertha.yaml text: for `bertha config print` (effective values,
/// secrets masked) and for `examples/bertha.yaml` (defaults with every key's help as a comment).
public enum ConfigRenderer {
    /// The effective configuration as YAML. Secrets that are set print as `"***"`.
    /// - Parameter origins: when given, each key gets a `# from …` comment.
    public static func yaml(_ config: BerthaConfig, origins: [String: ConfigSource]? = nil) -> String {
        var lines: [String] = []
        for section in BerthaConfig.sections {
            lines.append("\(section.name):")
            for field in section.keys {
                var value = render(field, config)
                if field.isSecret && value != "\"\"" { value = "\"***\"" }
                var line = "  \(field.key): \(value)"
                if let origin = origins?["\(section.name).\(field.key)"] { line += "  # from \(origin)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The documented example: every section and key with its default and help comment.
    public static func documentedExample() -> String {
        let defaults = BerthaConfig()
        var lines = [
            "# bertha.yaml: every key with its default. Each key can also be set by the environment",
            "# variable BERTHA_<SECTION>_<KEY> (e.g. BERTHA_SERVER_PORT) and by a flag (--set server.port=9000,",
            "# or the subcommand's named flag). Precedence: flag > environment > this file > default.",
        ]
        for section in BerthaConfig.sections {
            lines.append("")
            lines.append("# \(section.help)")
            lines.append("\(section.name):")
            for field in section.keys {
                var comment = "  # \(field.help)."
                if field.isSecret { comment += " Secret: prefer the environment variable." }
                if !field.environmentAliases.isEmpty { comment += " Also read from \(field.environmentAliases.joined(separator: ", "))." }
                lines.append(comment)
                lines.append("  \(field.key): \(render(field, defaults))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The configuration reference table for the README: key, environment variable, default, help.
    public static func markdownReference() -> String {
        let defaults = BerthaConfig()
        var lines = ["| key | environment | default | meaning |", "|---|---|---|---|"]
        for section in BerthaConfig.sections {
            for field in section.keys {
                let env = ([BerthaConfig.environmentName(section: section.name, key: field.key)] + field.environmentAliases)
                    .map { "`\($0)`" }.joined(separator: ", ")
                let value = field.text(defaults)
                lines.append("| `\(section.name).\(field.key)` | \(env) | \(value.isEmpty ? "" : "`\(value)`") | \(field.help) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ field: AnySection.AnyKey, _ config: BerthaConfig) -> String {
        field.yaml(config)
    }

    /// Quotes a scalar when YAML would otherwise read it as another type or structure.
    public static func quoteScalar(_ value: String) -> String {
        if value.isEmpty { return "\"\"" }
        let special = ":#{}[],&*!|>'\"%@`"
        let needsQuotes = value.contains(where: { special.contains($0) }) || value.hasPrefix(" ") || value.hasSuffix(" ")
            || value.hasPrefix("-") || ["true", "false", "yes", "no", "null", "~", "on", "off"].contains(value.lowercased())
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
