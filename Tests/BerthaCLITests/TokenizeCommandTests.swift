import BerthaTestSupport
import Foundation
import Testing

@Suite("bertha tokenize")
struct TokenizeCommandTests {
    func tokenize(_ arguments: [String]) throws -> ProcessResult {
        let dir = try TemporaryDirectory("tokenize-cwd")
        defer { dir.remove() }
        return try runProcess(try TestEnvironment.berthaExecutable(), ["tokenize"] + arguments, currentDirectory: dir.url)
    }

    @Test("prints llama-tokenize style lines with the model's BOS (Gemma)")
    func lines() throws {
        let model = try TestEnvironment.model("gemma-3-270m-q4_k_m.gguf").path
        let result = try tokenize([model, "<start_of_turn>Hello"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "     2 -> '<bos>'")
        #expect(lines.dropFirst().first == "   105 -> '<start_of_turn>'")
        #expect(lines.count == 3)
    }

    @Test("--json --no-bos --no-special gives ids and pieces with special text kept as text (SmolLM2)")
    func json() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let special = try tokenize([model, "<|im_start|>hi", "--json"])
        #expect(special.status == 0, "\(special.stderr)")
        let decoded = try JSONSerialization.jsonObject(with: Data(special.stdout.utf8)) as? [String: Any]
        #expect((decoded?["ids"] as? [Int])?.first == 1)
        #expect((decoded?["pieces"] as? [String])?.first == "<|im_start|>")
        let plain = try tokenize([model, "<|im_start|>hi", "--json", "--no-bos", "--no-special"])
        let plainIDs = (try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])?["ids"] as? [Int]
        #expect(plainIDs?.contains(1) == false)
        #expect((plainIDs?.count ?? 0) > 3)
    }

    @Test("a WordPiece folder is accepted and adds [CLS]/[SEP]")
    func wordPiece() throws {
        let model = try TestEnvironment.model("all-MiniLM-L6-v2").path
        let result = try tokenize([model, "Hello world"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "   101 -> '[CLS]'\n  7592 -> 'hello'\n  2088 -> 'world'\n   102 -> '[SEP]'\n")
    }

    @Test("TEXT and --stdin together are a usage error (exit 2)")
    func usage() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let result = try tokenize([model, "x", "--stdin"])
        #expect(result.status == 2)
    }

    @Test("a path that is not a model is an error naming it")
    func badPath() throws {
        let result = try tokenize(["/nonexistent/model.gguf", "x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/model.gguf"))
    }
}
