import BerthaCore
import Foundation
import Hummingbird

/// `/v1/models`, `/health`, `/metrics`, `/tokenize`, `/detokenize`, `/admin/reload`.
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

    struct ReloadReply: Encodable {
        struct Model: Encodable {
            var id: String
            var version: String
            var sha256: String
            init(_ model: ServedModel) {
                id = model.id
                version = model.version
                sha256 = model.sha256
            }
        }
        var status: String
        var model: Model
        var previous: Model?
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/models") { _, _ -> Response in
            let model = try await state.backend().model
            return try jsonResponse(ModelList(data: [.init(id: model.id, created: Int(Date().timeIntervalSince1970),
                                                           version: model.version, sha256: model.sha256,
                                                           contextLength: model.contextLength)]))
        }
        // 503 {"error":{"message":"Loading model",…}} until the first model is installed: the
        // listener starts before the model loads, so probes see the difference.
        router.get("/health") { _, _ -> Response in
            _ = try state.backend()
            return try jsonResponse(["status": "ok"])
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.render())))
        }
        router.post("/tokenize") { request, context -> Response in
            let body = try await decodeBody(TokenizeBody.self, request, context)
            let ids = try await state.backend().tokenize(body.content, addSpecial: body.addSpecial ?? false,
                                                       parseSpecial: body.parseSpecial ?? true)
            return try jsonResponse(["tokens": ids])
        }
        // Loads the model the source points at now beside the serving one and swaps it in. Needs
        // the API key: without one configured, reloading over HTTP is off.
        router.post("/admin/reload") { _, _ -> Response in
            guard state.apiKey != nil else {
                throw ServerError.forbidden(message: "POST /admin/reload needs server.api_key to be set.")
            }
            guard let reloader = state.reloader else {
                throw ServerError.notFound(message: "This server has no model source to reload from.")
            }
            let outcome: ModelReloader.Outcome
            do {
                outcome = try await reloader.reload()
            } catch {
                let serving = state.models.model.map { "\($0.id)@\($0.version)" } ?? "none"
                throw ServerError.internalError(message: "Reload failed, still serving \(serving): \(describeError(error).line)")
            }
            switch outcome {
            case .unchanged(let model):
                return try jsonResponse(ReloadReply(status: "unchanged", model: .init(model), previous: nil))
            case .swapped(let model, let previous):
                return try jsonResponse(ReloadReply(status: "swapped", model: .init(model), previous: previous.map { .init($0) }))
            }
        }
        router.post("/detokenize") { request, context -> Response in
            let body = try await decodeBody(DetokenizeBody.self, request, context)
            return try jsonResponse(["content": try await state.backend().detokenize(body.tokens)])
        }
    }
}
