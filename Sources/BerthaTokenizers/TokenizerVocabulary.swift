/// Everything a tokenizer is built from: the GGUF `tokenizer.ggml.*` metadata, or the parts of a
/// Hugging Face `tokenizer.json` a WordPiece tokenizer needs.
///
/// Plain data: build one by hand for tests, or with `init(gguf:)` / `init(huggingFaceJSON:)`.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// The tokenizer algorithm, as `tokenizer.ggml.model` names it.
    public enum Model: String, Sendable, Equatable {
        /// SentencePiece-style score-driven merges with byte fallback (LLaMA 1/2, Gemma).
        case sentencePiece = "llama"
        /// GPT-2 byte-level BPE with ranked merges (GPT-2, LLaMA 3, Qwen2, SmolLM).
        case bytePair = "gpt2"
        /// BERT WordPiece (greedy longest match, `##` continuations).
        case wordPiece = "bert"
    }

    /// GGUF's `tokenizer.ggml.token_type` values.
    public enum TokenType: Int, Sendable, Equatable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The algorithm.
    public var model: Model
    /// `tokenizer.ggml.pre`: which pre-tokenizer splits text before BPE (`smollm`, `llama-bpe`, …).
    public var preTokenizer: String
    /// Token texts, indexed by id. SentencePiece pieces use `▁` for space; byte-level BPE pieces
    /// use GPT-2's byte-to-character mapping.
    public var tokens: [String]
    /// SentencePiece scores (higher merges first); empty when the model has none.
    public var scores: [Float]
    /// Token types, parallel to `tokens`; empty means every token is normal.
    public var tokenTypes: [TokenType]
    /// BPE merges as `"left right"`, in rank order.
    public var merges: [String]
    public var bosID: Int32?
    public var eosID: Int32?
    /// End of turn (`<end_of_turn>`, `<|eot_id|>`), when the vocabulary names one.
    public var eotID: Int32?
    public var unknownID: Int32?
    public var paddingID: Int32?
    public var separatorID: Int32?
    public var classifierID: Int32?
    /// Prepend BOS when encoding with special tokens.
    public var addBOS: Bool
    /// Append EOS when encoding with special tokens.
    public var addEOS: Bool
    /// SentencePiece: prefix the text with a space (LLaMA 1/2 yes, Gemma no).
    public var addSpacePrefix: Bool
    /// Detokenizing removes the space before `.,!?` and some contractions (llama.cpp's clean_spaces).
    public var cleanSpaces: Bool
    /// The model's Jinja chat template (`tokenizer.chat_template`), if it has one.
    public var chatTemplate: String?
    /// WordPiece: lowercase (and strip accents) before splitting.
    public var lowercase: Bool
    /// WordPiece: continuation pieces carry this prefix (`##` in Hugging Face vocabularies; empty
    /// in GGUF, where word-initial pieces carry `▁` instead).
    public var continuationPrefix: String
    /// WordPiece: word-initial pieces carry this prefix (`▁` in GGUF BERT vocabularies).
    public var wordPrefix: String

    /// A vocabulary from its parts; the defaults are those llama.cpp assumes for `model`.
    public init(model: Model, preTokenizer: String = "default", tokens: [String], scores: [Float] = [],
                tokenTypes: [TokenType] = [], merges: [String] = [], bosID: Int32? = nil, eosID: Int32? = nil,
                eotID: Int32? = nil, unknownID: Int32? = nil, paddingID: Int32? = nil, separatorID: Int32? = nil,
                classifierID: Int32? = nil, addBOS: Bool? = nil, addEOS: Bool? = nil, addSpacePrefix: Bool? = nil,
                cleanSpaces: Bool? = nil, chatTemplate: String? = nil, lowercase: Bool = true,
                continuationPrefix: String = "##", wordPrefix: String = "") {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.bosID = bosID
        self.eosID = eosID
        self.eotID = eotID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.separatorID = separatorID
        self.classifierID = classifierID
        self.chatTemplate = chatTemplate
        self.lowercase = lowercase
        self.continuationPrefix = continuationPrefix
        self.wordPrefix = wordPrefix
        // llama.cpp's per-type defaults (llama_vocab::impl::load), overridable by metadata.
        switch model {
        case .sentencePiece:
            self.addBOS = addBOS ?? true
            self.addEOS = addEOS ?? false
            self.addSpacePrefix = addSpacePrefix ?? true
            self.cleanSpaces = cleanSpaces ?? false
        case .bytePair:
            self.addBOS = addBOS ?? Self.bytePairAddsBOS(preTokenizer)
            self.addEOS = addEOS ?? false
            self.addSpacePrefix = addSpacePrefix ?? false
            self.cleanSpaces = cleanSpaces ?? Self.bytePairCleansSpaces(preTokenizer)
        case .wordPiece:
            self.addBOS = addBOS ?? true
            self.addEOS = addEOS ?? false
            self.addSpacePrefix = addSpacePrefix ?? false
            self.cleanSpaces = cleanSpaces ?? true
        }
    }

    /// Number of tokens.
    public var count: Int { tokens.count }

    /// The type of token `id` (normal when the vocabulary has no types).
    public func type(of id: Int32) -> TokenType {
        let index = Int(id)
        guard tokenTypes.indices.contains(index) else { return .normal }
        return tokenTypes[index]
    }

    /// Pre-tokenizers whose models llama.cpp loads with add_bos on by default.
    static func bytePairAddsBOS(_ pre: String) -> Bool {
        ["llama3", "llama-v3", "llama-bpe", "falcon3"].contains(pre)
    }

    /// llama.cpp turns clean_spaces off for these pre-tokenizers and on for the other BPE ones.
    static func bytePairCleansSpaces(_ pre: String) -> Bool {
        !["qwen2", "deepseek-r1-qwen", "smollm", "deepseek-llm", "deepseek-coder", "gpt-4o", "chatglm-bpe"]
            .contains(pre)
    }
}
