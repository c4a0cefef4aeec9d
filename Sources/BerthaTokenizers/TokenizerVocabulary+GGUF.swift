import BerthaGGUF

extension TokenizerVocabulary {
    /// Reads the vocabulary from a GGUF file's `tokenizer.ggml.*` and `tokenizer.chat_template` keys.
    /// - Parameter gguf: an opened model or vocabulary-only file.
    /// - Throws: `TokenizerError` naming the file and the missing or inconsistent key.
    public init(gguf: GGUFFile) throws(TokenizerError) {
        try self.init(metadata: gguf.metadata, source: gguf.path)
    }

    /// Reads the vocabulary from GGUF metadata.
    /// - Parameters:
    ///   - metadata: the key/value metadata.
    ///   - source: the name errors report (the file's path).
    /// - Throws: `TokenizerError` naming the missing or inconsistent key.
    public init(metadata m: GGUFMetadata, source: String) throws(TokenizerError) {
        guard let modelName = m.string("tokenizer.ggml.model") else {
            throw .missingKey(source: source, key: "tokenizer.ggml.model")
        }
        guard let model = Model(rawValue: modelName) else {
            throw .unsupportedModel(source: source, model: modelName)
        }
        guard let tokens = m.strings("tokenizer.ggml.tokens") else {
            throw .missingKey(source: source, key: "tokenizer.ggml.tokens")
        }
        let scores = m.floats("tokenizer.ggml.scores") ?? []
        if !scores.isEmpty, scores.count != tokens.count {
            throw .lengthMismatch(source: source, key: "tokenizer.ggml.scores", expected: tokens.count, found: scores.count)
        }
        let rawTypes = m.ints("tokenizer.ggml.token_type") ?? []
        if !rawTypes.isEmpty, rawTypes.count != tokens.count {
            throw .lengthMismatch(source: source, key: "tokenizer.ggml.token_type", expected: tokens.count,
                                  found: rawTypes.count)
        }
        let merges = m.strings("tokenizer.ggml.merges") ?? []
        if model == .bytePair, merges.isEmpty {
            throw .missingKey(source: source, key: "tokenizer.ggml.merges")
        }

        func id(_ key: String) throws(TokenizerError) -> Int32? {
            guard let value = m.int("tokenizer.ggml." + key) else { return nil }
            guard value >= 0, value < tokens.count else {
                // llama.cpp treats -1 (and other out-of-range ids) in optional keys as "none".
                if value < 0 { return nil }
                throw .tokenIDOutOfRange(source: source, key: "tokenizer.ggml." + key, id: value,
                                         vocabularySize: tokens.count)
            }
            return Int32(value)
        }

        let bos = try id("bos_token_id"), eos = try id("eos_token_id"), eot = try id("eot_token_id")
        let unknown = try id("unknown_token_id"), padding = try id("padding_token_id")
        let separatorSpelledWrong = try id("seperator_token_id"), separatorSpelled = try id("separator_token_id")
        let classifier = try id("cls_token_id")
        self.init(model: model,
                  preTokenizer: m.string("tokenizer.ggml.pre") ?? "default",
                  tokens: tokens, scores: scores,
                  tokenTypes: rawTypes.map { TokenType(rawValue: $0) ?? .undefined },
                  merges: merges,
                  bosID: bos, eosID: eos, eotID: eot, unknownID: unknown, paddingID: padding,
                  // GGUF spells it `seperator`; accept the correct spelling too.
                  separatorID: separatorSpelledWrong ?? separatorSpelled, classifierID: classifier,
                  addBOS: m.bool("tokenizer.ggml.add_bos_token"),
                  addEOS: m.bool("tokenizer.ggml.add_eos_token"),
                  addSpacePrefix: m.bool("tokenizer.ggml.add_space_prefix"),
                  chatTemplate: m.string("tokenizer.chat_template"),
                  lowercase: true,
                  // GGUF BERT vocabularies (convert_hf_to_gguf) drop `##` and mark word starts with `▁`.
                  continuationPrefix: "", wordPrefix: "\u{2581}")
        if model == .sentencePiece, unknownID == nil {
            unknownID = tokens.firstIndex(of: "<unk>").map(Int32.init)
        }
    }
}
