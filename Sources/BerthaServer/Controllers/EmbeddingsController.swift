import BerthaEmbeddings
import Foundation
import Hummingbird

/// `POST /v1/embeddings`: OpenAI's request and response shape over the configured `TextEmbedder`.
struct EmbeddingsController: Sendable {
    let state: ServerState

    struct Body: Decodable {
        var input: StringOrList
        var model: String?
        /// "float" (default) or "base64" (little-endian float32, what the openai Python client asks for).
        var encodingFormat: String?
        var dimensions: Int?
        enum CodingKeys: String, CodingKey {
            case input, model, dimensions
            case encodingFormat = "encoding_format"
        }
    }

    enum Vector: Encodable {
        case floats([Float])
        case base64(String)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .floats(let values): try container.encode(values)
            case .base64(let text): try container.encode(text)
            }
        }
    }

    struct Reply: Encodable {
        struct Item: Encodable {
            var object = "embedding"
            var index: Int
            var embedding: Vector
        }
        struct Usage: Encodable {
            var promptTokens: Int
            var totalTokens: Int
            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens", totalTokens = "total_tokens"
            }
        }
        var object = "list"
        var data: [Item]
        var model: String
        var usage: Usage
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/embeddings") { request, context -> Response in
            guard let embedder = state.embedder else {
                throw ServerError.notFound(message: "This server has no embedding model (start it with --embedding-model).")
            }
            let body = try await decodeBody(Body.self, request, context)
            let texts = body.input.values
            guard !texts.isEmpty, texts.count <= 2048 else {
                throw ServerError.invalidRequest(message: "input must be a string or a list of 1 to 2048 strings.", param: "input")
            }
            guard !texts.contains(where: \.isEmpty) else {
                throw ServerError.invalidRequest(message: "input must not contain empty strings.", param: "input")
            }
            let format = body.encodingFormat ?? "float"
            guard format == "float" || format == "base64" else {
                throw ServerError.invalidRequest(message: "encoding_format must be 'float' or 'base64'.", param: "encoding_format")
            }
            if let dimensions = body.dimensions, dimensions != embedder.dimension {
                throw ServerError.invalidRequest(
                    message: "\(embedder.modelName) has \(embedder.dimension) dimensions; dimensions=\(dimensions) is not supported.",
                    param: "dimensions")
            }
            let vectors = try await embedder.embed(texts)
            let tokens = texts.reduce(0) { $0 + embedder.tokenCount(Substring($1)) }
            let items = vectors.enumerated().map { index, vector in
                Reply.Item(index: index, embedding: format == "base64" ? .base64(Self.base64(vector)) : .floats(vector))
            }
            return try jsonResponse(Reply(data: items, model: embedder.modelName,
                                          usage: .init(promptTokens: tokens, totalTokens: tokens)))
        }
    }

    /// The vector's float32 values, little-endian, base64-encoded.
    static func base64(_ vector: [Float]) -> String {
        var bytes = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes.base64EncodedString()
    }
}
