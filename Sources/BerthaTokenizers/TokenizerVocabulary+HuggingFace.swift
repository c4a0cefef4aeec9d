import Foundation

extension TokenizerVocabulary {
    /// Reads a WordPiece vocabulary from a Hugging Face `tokenizer.json` (BERT-family models such as
    /// all-MiniLM-L6-v2): the `model.vocab` map, `[UNK]`/`[CLS]`/`[SEP]`/`[PAD]`, and the
    /// normalizer's lowercase flag.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: the name errors report (the file's path).
    /// - Throws: `TokenizerError.invalidTokenizerJSON` when it is not a WordPiece tokenizer.
    public init(huggingFaceJSON data: Data, source: String) throws(TokenizerError) {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizerError.invalidTokenizerJSON(source: source, reason: "top level is not an object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw .invalidTokenizerJSON(source: source, reason: "not JSON (\(error.localizedDescription))")
        }
        guard let modelObject = root["model"] as? [String: Any],
              (modelObject["type"] as? String) == "WordPiece",
              let vocab = modelObject["vocab"] as? [String: Any] else {
            throw .invalidTokenizerJSON(source: source, reason: "model.type is not WordPiece with a vocab")
        }
        var tokens = [String](repeating: "", count: vocab.count)
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, tokens.indices.contains(id) else {
                throw .invalidTokenizerJSON(source: source, reason: "token '\(token)' has id \(value)")
            }
            tokens[id] = token
        }
        let unknownToken = modelObject["unk_token"] as? String ?? "[UNK]"
        let prefix = modelObject["continuing_subword_prefix"] as? String ?? "##"
        let normalizer = root["normalizer"] as? [String: Any]
        let lowercase = normalizer?["lowercase"] as? Bool ?? true
        func id(_ token: String) -> Int32? { (vocab[token] as? NSNumber).map { Int32($0.intValue) } }
        var types = [TokenType](repeating: .normal, count: tokens.count)
        for added in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let index = (added["id"] as? NSNumber)?.intValue, types.indices.contains(index),
               added["special"] as? Bool == true {
                types[index] = .control
            }
        }
        self.init(model: .wordPiece, preTokenizer: "bert", tokens: tokens, tokenTypes: types,
                  bosID: id("[CLS]"), eosID: id("[SEP]"), unknownID: id(unknownToken), paddingID: id("[PAD]"),
                  separatorID: id("[SEP]"), classifierID: id("[CLS]"), addBOS: true, addEOS: true,
                  lowercase: lowercase, continuationPrefix: prefix, wordPrefix: "")
    }
}
