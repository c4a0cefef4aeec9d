import Foundation
import Hummingbird

/// `/v1/models`, `/health`, `/metrics`, `/tokenize`, `/detokenize`.
struct ModelController: Sendable {
    let state: ServerState

    struct ModelList: Encodable {
        struct Entry: Encodable {
            var id: String
            var object = "model"
            var created: Int
            var ownedBy = "bertha"
            var version: String
            var sha256: String
            var contextLength: Int
            enum CodingKeys: String, CodingKey {
                case id, object, created, version, sha256
                case ownedBy = "owned_by", contextLength = "context_length"
            }
        }
        var object = "list"
        var data: [Entry]
    }

    struct TokenizeBody: Decodable {
        var content: String
        var addSpecial: Bool?
        var parseSpecial: Bool?
        enum CodingKeys: String, CodingKey {
            case content
            case addSpecial = "add_special", parseSpecial = "parse_special"
        }
    }

    struct DetokenizeBody: Decodable { var tokens: [Int32] }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/models") { _, _ -> Response in
            let model = await state.backend.model
            return try jsonResponse(ModelList(data: [.init(id: model.id, created: Int(Date().timeIntervalSince1970),
                                                           version: model.version, sha256: model.sha256,
                                                           contextLength: model.contextLength)]))
        }
        router.get("/health") { _, _ -> Response in
            try jsonResponse(["status": "ok"])
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.render())))
        }
        router.post("/tokenize") { request, context -> Response in
            let body = try await decodeBody(TokenizeBody.self, request, context)
            let ids = try await state.backend.tokenize(body.content, addSpecial: body.addSpecial ?? false,
                                                       parseSpecial: body.parseSpecial ?? true)
            return try jsonResponse(["tokens": ids])
        }
        router.post("/detokenize") { request, context -> Response in
            let body = try await decodeBody(DetokenizeBody.self, request, context)
            return try jsonResponse(["content": try await state.backend.detokenize(body.tokens)])
        }
    }
}
