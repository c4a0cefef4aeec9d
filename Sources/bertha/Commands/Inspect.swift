import ArgumentParser
import BerthaCore
import BerthaGGUF

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a GGUF file's architecture, sizes, tensor types, tokenizer and chat template.",
        discussion: "The file is fully validated first: a corrupt or truncated file is an error (exit 1) naming the key or tensor at fault.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The GGUF model file.", valueName: "model.gguf"))
    var model: String

    @Flag(help: "List every tensor's name, type and shape.")
    var tensors = false

    @Flag(help: "List every metadata key with its type and value (arrays by length).")
    var metadata = false

    /// Chat template lines shown in text output; --json carries the whole template.
    static let templatePreviewLines = 8

    func run() async throws {
        _ = try global.loadConfig()
        let file = try GGUFFile(path: model)
        let summary = GGUFSummary(file, includeTensors: tensors, includeMetadata: metadata)
        if global.json {
            try printJSON(summary)
        } else {
            print(Self.render(summary), terminator: "")
        }
    }

    /// The human-readable report.
    static func render(_ s: GGUFSummary) -> String {
        var out = ""
        func row(_ label: String, _ value: String?) {
            out += "  " + label.padding(toLength: 18, withPad: " ", startingAt: 0) + (value ?? "-") + "\n"
        }
        out += "\(s.path)\n"
        row("architecture", s.architecture)
        row("name", s.name)
        row("size label", s.sizeLabel)
        row("file size", "\(grouped(s.fileSize)) bytes (\(mebibytes(s.fileSize)))")
        row("parameters", grouped(s.parameterCount))
        row("GGUF version", "\(s.version)")
        row("alignment", "\(s.alignment)")
        row("tensors", "\(s.tensorCount)")
        row("metadata keys", "\(s.metadataKeyCount)")
        out += "tensor types\n"
        for usage in s.tensorTypes {
            row(usage.type, "\(usage.tensors) tensors, \(grouped(usage.bytes)) bytes (\(mebibytes(usage.bytes)))")
        }
        out += "hyperparameters\n"
        let h = s.hyperparameters
        row("context length", h.contextLength.map(String.init))
        row("embedding length", h.embeddingLength.map(String.init))
        row("layers", h.layers.map(String.init))
        row("heads", h.heads.map(String.init))
        row("kv heads", h.kvHeads.map(String.init))
        row("feed-forward", h.feedForwardLength.map(String.init))
        out += "tokenizer\n"
        let t = s.tokenizer
        row("model", t.model)
        row("pre", t.pre)
        row("vocab size", t.vocabSize.map(String.init))
        row("BOS id", t.bosTokenID.map(String.init))
        row("EOS id", t.eosTokenID.map(String.init))
        if let template = s.chatTemplate {
            let lines = template.split(separator: "\n", omittingEmptySubsequences: false)
            let shown = lines.prefix(templatePreviewLines)
            let note = lines.count > shown.count ? " (first \(shown.count) of \(lines.count) lines; --json has all)" : ""
            out += "chat template\(note)\n"
            for line in shown { out += "  \(line)\n" }
        } else {
            out += "chat template\n  (none in the file)\n"
        }
        if let entries = s.metadata {
            out += "metadata (key, type, value)\n"
            let width = entries.map(\.key.count).max() ?? 0
            for entry in entries {
                let value: String
                switch entry.value {
                case .string(let text): value = text.count > 60 || text.contains("\n") ? "\"\(text.prefix(60).split(separator: "\n").first ?? "")…\" (\(text.utf8.count) bytes)" : "\"\(text)\""
                case .array(let array): value = "\(array.count) × \(array.elementType)"
                default: value = entry.value.description
                }
                let key = entry.key.padding(toLength: width, withPad: " ", startingAt: 0)
                let type = entry.value.type.description.padding(toLength: 8, withPad: " ", startingAt: 0)
                out += "  \(key)  \(type)  \(value)\n"
            }
        }
        if let tensors = s.tensors {
            out += "tensors (name, type, shape innermost first, bytes)\n"
            for tensor in tensors {
                out += "  \(tensor.name)  \(tensor.type)  [\(tensor.shape.map(String.init).joined(separator: ", "))]  \(tensor.bytes)\n"
            }
        }
        return out
    }

    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    private static func mebibytes(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return String(Int((mib * 10).rounded()) / 10) + "." + String(Int((mib * 10).rounded()) % 10) + " MiB"
    }
}
