import ArgumentParser
import BerthaCore
import BerthaTokenizers
import Foundation

struct Tokenize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids and pieces a model's tokenizer produces for a text.",
        discussion: """
            Output matches llama-tokenize: one `id -> 'piece'` line per token. By default the model's \
            BOS/EOS are added and special-token text such as <|im_start|> becomes its single id.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("A GGUF model file, or a Hugging Face folder with tokenizer.json (WordPiece).",
                                 valueName: "model"))
    var model: String

    @Argument(help: "The text to tokenize (omit with --stdin).")
    var text: String?

    @Flag(name: .customLong("no-bos"), help: "Do not add the model's BOS/EOS (or [CLS]/[SEP]) tokens.")
    var noBOS = false

    @Flag(name: .customLong("no-special"), help: "Tokenize special-token text like <|im_start|> as plain text.")
    var noSpecial = false

    @Flag(help: "Read the text from standard input (all of it, newlines included).")
    var stdin = false

    func validate() throws {
        if stdin, text != nil { throw ValidationError("give either TEXT or --stdin, not both") }
        if !stdin, text == nil { throw ValidationError("missing TEXT (or pass --stdin)") }
    }

    /// The `--json` shape.
    struct Output: Encodable {
        let ids: [Int32]
        let pieces: [String]
    }

    func run() async throws {
        _ = try global.loadConfig()
        let input: String
        if stdin {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            input = text ?? ""
        }
        let tokenizer = try loadTokenizer(path: model)
        let ids = tokenizer.encode(input, addSpecial: !noBOS, parseSpecial: !noSpecial)
        let pieces = ids.map { tokenizer.piece($0) }
        if global.json {
            try printJSON(Output(ids: ids, pieces: pieces))
        } else {
            print(Self.render(ids: ids, pieces: pieces), terminator: "")
        }
    }

    /// llama-tokenize's `%6d -> '%s'` lines.
    static func render(ids: [Int32], pieces: [String]) -> String {
        zip(ids, pieces).map { id, piece in
            let number = String(id)
            return String(repeating: " ", count: max(0, 6 - number.count)) + number + " -> '" + piece + "'\n"
        }.joined()
    }
}
