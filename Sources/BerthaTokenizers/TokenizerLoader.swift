import BerthaGGUF
import Foundation

/// Loads the tokenizer of a model on disk: a GGUF file (any of the three algorithms), a Hugging
/// Face `tokenizer.json`, or a folder holding one (WordPiece models such as all-MiniLM-L6-v2).
/// - Parameter path: the file or folder.
/// - Returns: the tokenizer.
/// - Throws: `TokenizerError` or `GGUFError` naming the file and what is wrong with it.
public func loadTokenizer(path: String) throws -> any Tokenizer {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw TokenizerError.unrecognizedSource(path: path)
    }
    if isDirectory.boolValue || path.hasSuffix(".json") {
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent("tokenizer.json") : path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenizerError.unrecognizedSource(path: file)
        }
        return try makeTokenizer(TokenizerVocabulary(huggingFaceJSON: data, source: file), source: file)
    }
    let gguf = try GGUFFile(path: path)
    return try makeTokenizer(TokenizerVocabulary(gguf: gguf), source: path)
}
