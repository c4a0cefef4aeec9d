import Foundation
import Hummingbird

/// `POST /v1/feedback {"id","score":"up"|"down","comment"?}`: the user-quality signal that drives
/// retraining. One vote per completion (a second replaces the first); appended to the feedback log.
struct FeedbackController: Sendable {
    let state: ServerState

    struct Body: Decodable {
        var id: String
        var score: FeedbackScore
        var comment: String?
    }

    struct Reply: Encodable {
        var id: String
        var score: FeedbackScore
        var replaced: FeedbackScore?
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/feedback") { request, context -> Response in
            let body = try await decodeBody(Body.self, request, context)
            guard let (entry, previous) = await state.completions.vote(id: body.id, score: body.score) else {
                throw ServerError.notFound(message: "No completion with id '\(body.id)' (unknown, or too old to rate).")
            }
            let record = FeedbackRecord(completionID: body.id, score: body.score, comment: body.comment,
                                        model: entry.model.id, modelVersion: entry.model.version,
                                        messages: entry.messages, completion: entry.completion,
                                        timestamp: Date().formatted(.iso8601))
            try await state.feedbackLog.append(record)
            // A replaced vote counts once more under its new score: counters only go up, and
            // the rules look at rates, so a flip shows as one more vote of the new kind.
            if previous != body.score {
                state.metrics.feedback(entry.model, score: body.score).increment()
            }
            return try jsonResponse(Reply(id: body.id, score: body.score, replaced: previous))
        }
    }
}

func jsonResponse<T: Encodable>(_ value: T, status: HTTPTypes.HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
}
