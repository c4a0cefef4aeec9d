import BerthaCore
import BerthaEmbeddings
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("EmbeddingModels")
struct EmbeddingModelsTests {
    /// A copy of the Hugging Face folder with `change` applied: the big weights are symlinked
    /// unless the change replaces them.
    private func folderCopy(_ change: (URL) throws -> Void) throws -> TemporaryDirectory {
        let source = try TestEnvironment.model("all-MiniLM-L6-v2")
        let dir = try TemporaryDirectory("bertha-embed")
        for name in ["config.json", "tokenizer.json", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.path(name))
        }
        try FileManager.default.createSymbolicLink(at: dir.path("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        try change(dir.url)
        return dir
    }

    @Test("a truncated model.safetensors is one error naming the file and the first tensor (in data order) past the end")
    func truncatedWeights() throws {
        let dir = try folderCopy { url in
            let weights = url.appendingPathComponent("model.safetensors")
            let full = try Data(contentsOf: weights.resolvingSymlinksInPath())
            try FileManager.default.removeItem(at: weights)
            try full.prefix(full.count / 2).write(to: weights)
        }
        defer { dir.remove() }
        let error = #expect(throws: SafeTensorsError.self) { try EmbeddingModels.open(path: dir.url.path) }
        let line = describeError(try #require(error)).line
        #expect(line.contains("the file is truncated"), "\(line)")
        #expect(line.hasSuffix("(\(dir.path("model.safetensors").path))"), "\(line)")
        // Cut at half: the word embedding (bytes 796,672 to 47,678,464 of the data) is the first tensor cut.
        #expect(line.hasPrefix("safetensors tensor 'embeddings.word_embeddings.weight' data ends at byte 47678464"), "\(line)")
    }

    @Test("a folder without tokenizer.json (or config.json, or weights) names the missing file", arguments: [
        "tokenizer.json", "config.json", "model.safetensors",
    ])
    func missingFile(name: String) throws {
        let dir = try folderCopy { try FileManager.default.removeItem(at: $0.appendingPathComponent(name)) }
        defer { dir.remove() }
        let error = #expect(throws: EmbeddingError.self) { try EmbeddingModels.open(path: dir.url.path) }
        #expect(error?.location == dir.path(name).path)
        #expect(error?.message.hasPrefix("the embedding model folder has no \(name)") == true)
        #expect(error?.exitCode == .failure)
    }

    @Test("a path that does not exist is a usage error (exit 2) naming it")
    func missingModel() throws {
        var section = EmbeddingsSection()
        section.model = "/nonexistent/all-MiniLM-L6-v2"
        let error = #expect(throws: EmbeddingError.self) { try EmbeddingModels.open(section: section) }
        #expect(error == .modelNotFound(path: "/nonexistent/all-MiniLM-L6-v2"))
        #expect(error?.exitCode == .usage)
    }

    @Test("config.json of another architecture or activation is refused naming the field and file", arguments: [
        (#""hidden_act": "gelu""#, #""hidden_act": "relu""#, "invalid value 'relu' (supported: gelu) for metadata key 'hidden_act'"),
        (#""model_type": "bert""#, #""model_type": "roberta""#, "invalid value 'roberta' (supported: bert) for metadata key 'model_type'"),
        (#""hidden_size": 384,"#, "", "the model has no metadata key 'hidden_size'"),
    ])
    func badConfig(find: String, replace: String, message: String) throws {
        let dir = try folderCopy { url in
            let config = url.appendingPathComponent("config.json")
            let text = try String(contentsOf: config, encoding: .utf8)
            #expect(text.contains(find))
            try text.replacingOccurrences(of: find, with: replace).write(to: config, atomically: true, encoding: .utf8)
        }
        defer { dir.remove() }
        let error = #expect(throws: InferenceError.self) { try EmbeddingModels.open(path: dir.url.path) }
        #expect(error?.message == message)
        #expect(error?.location == dir.path("config.json").path)
    }

    @Test("pooling comes from 1_Pooling/config.json; max pooling is refused")
    func pooling() throws {
        let dir = try folderCopy { url in
            let pooling = url.appendingPathComponent("1_Pooling")
            try FileManager.default.createDirectory(at: pooling, withIntermediateDirectories: true)
            try #"{"word_embedding_dimension": 384, "pooling_mode_max_tokens": true}"#
                .write(to: pooling.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        }
        defer { dir.remove() }
        let error = #expect(throws: EmbeddingError.self) { try EmbeddingModels.open(path: dir.url.path) }
        #expect(error?.message == "pooling 'pooling_mode_max_tokens' is not supported (supported: mean, cls)")
    }

    @Test("a decoder GGUF is not an embedding model: the error names general.architecture and the file")
    func decoderGGUF() throws {
        let path = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let error = #expect(throws: InferenceError.self) { try EmbeddingModels.open(path: path) }
        #expect(error?.message.contains("'general.architecture'") == true)
        #expect(error?.location == path)
    }

    @Test("the default configuration opens the Hugging Face folder as a TextEmbedder")
    func defaultSection() async throws {
        var section = EmbeddingsSection()
        section.model = try TestEnvironment.model("all-MiniLM-L6-v2").path
        section.threads = 1
        section.batchSize = 3
        let embedder = try EmbeddingModels.open(section: section)
        #expect(embedder.modelName == "all-MiniLM-L6-v2" && embedder.dimension == 384)
        let vectors = try await embedder.embed(["one", "two", "three", "four"])
        #expect(vectors.count == 4 && vectors.allSatisfy { $0.count == 384 })
    }
}
