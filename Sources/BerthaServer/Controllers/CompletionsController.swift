import BerthaInference
import BerthaCore
import Foundation
import Hummingbird

/// `POST /v1/chat/completions` and `POST /v1/completions`: decode, admit, generate, encode.
struct CompletionsController: Sendable {
    let state: ServerState

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await chat(request, context)
        }
        router.post("/v1/completions") { request, context in
            try await text(request, context)
        }
    }

    private enum Kind { case chat(messages: [ChatTurn]), text }

    private func chat(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decodeBody(ChatCompletionRequest.self, request, context)
        guard !body.messages.isEmpty else { throw ServerError.invalidRequest(message: "messages must not be empty.", param: "messages") }
        let turns = body.messages.map { ChatTurn(role: $0.role, content: $0.content?.text ?? "") }
        for turn in turns where !["system", "user", "assistant", "developer", "tool"].contains(turn.role) {
            throw ServerError.invalidRequest(message: "Unknown role '\(turn.role)'.", param: "messages")
        }
        let prompt = try await state.backend.renderChat(turns)
        let generation = try RequestTranslation.generationRequest(prompt: prompt, body.sampling)
        return try await respond(kind: .chat(messages: turns), generation, stream: body.stream ?? false,
                                 includeUsage: body.streamOptions?.includeUsage ?? false)
    }

    private func text(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decodeBody(CompletionRequest.self, request, context)
        let prompts = body.prompt.values
        guard prompts.count == 1 else {
            throw ServerError.invalidRequest(message: "prompt must be one string (batched prompts are not supported).", param: "prompt")
        }
        let generation = try RequestTranslation.generationRequest(prompt: prompts[0], body.sampling)
        return try await respond(kind: .text, generation, stream: body.stream ?? false,
                                 includeUsage: body.streamOptions?.includeUsage ?? false)
    }

    private func respond(kind: Kind, _ generation: GenerationRequest, stream: Bool, includeUsage: Bool) async throws -> Response {
        let model = await state.backend.model
        let started = ContinuousClock.now
        try await state.admission.acquire()
        let events: AsyncThrowingStream<GenerationEvent, any Error>
        do {
            events = try await state.backend.generate(generation)
        } catch {
            await state.admission.release()
            throw error
        }
        let id = Self.newID(prefix: { if case .chat = kind { return "chatcmpl-" } else { return "cmpl-" } }())
        let created = Int(Date().timeIntervalSince1970)
        let recorder = LatencyRecorder(metrics: state.metrics, model: model, started: started)

        let admission = state.admission
        if !stream {
            defer { Task { await admission.release() } }
            var text = ""
            var finish: (FinishReason, GenerationTimings, Int)?
            for try await event in events {
                switch event {
                case .text(let piece, let tokens):
                    recorder.tokens(tokens)
                    text += piece
                case .finished(let reason, let timings, let promptTokens):
                    finish = (reason, timings, promptTokens)
                }
            }
            guard let (reason, timings, promptTokens) = finish else {
                throw ServerError.internalError(message: "the generation ended without finishing")
            }
            recorder.finished(timings, status: 200)
            let usage = Usage(prompt: promptTokens, completion: timings.predictedN)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data: Data
            switch kind {
            case .chat(let messages):
                await state.completions.record(id: id, .init(model: model, messages: messages, completion: text))
                let reply = ChatTurn(role: "assistant", content: text)
                data = try encoder.encode(ChatCompletion(id: id, created: created, model: model.id,
                                                         choices: [.init(message: reply, finishReason: reason.openAI)],
                                                         usage: usage, timings: Timings(timings)))
            case .text:
                await state.completions.record(id: id, .init(model: model, messages: [ChatTurn(role: "user", content: generation.prompt)],
                                                             completion: text))
                data = try encoder.encode(TextCompletion(id: id, created: created, model: model.id,
                                                         choices: [.init(text: text, finishReason: reason.openAI)],
                                                         usage: usage, timings: Timings(timings)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
        }

        let isChat: Bool = { if case .chat = kind { return true } else { return false } }()
        let object = isChat ? "chat.completion.chunk" : "text_completion"
        let completions = state.completions
        let body = ResponseBody { writer in
            defer { Task { await admission.release() } }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            func send(_ chunk: CompletionChunk) async throws {
                var buffer = ByteBuffer(string: "data: ")
                buffer.writeBytes(try encoder.encode(chunk))
                buffer.writeString("\n\n")
                try await writer.write(buffer)
            }
            if isChat {
                try await send(CompletionChunk(id: id, object: object, created: created, model: model.id,
                                               choices: [.init(delta: .init(role: "assistant", content: ""))]))
            }
            var text = ""
            for try await event in events {
                switch event {
                case .text(let piece, let tokens):
                    recorder.tokens(tokens)
                    text += piece
                    let choice: CompletionChunk.Choice = isChat ? .init(delta: .init(content: piece)) : .init(text: piece)
                    try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [choice]))
                case .finished(let reason, let timings, let promptTokens):
                    recorder.finished(timings, status: 200)
                    let last: CompletionChunk.Choice = isChat ? .init(delta: .init(), finishReason: reason.openAI)
                                                              : .init(text: "", finishReason: reason.openAI)
                    try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [last],
                                                   timings: Timings(timings)))
                    if includeUsage {
                        try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [],
                                                       usage: Usage(prompt: promptTokens, completion: timings.predictedN)))
                    }
                }
            }
            if case .chat(let messages) = kind {
                await completions.record(id: id, .init(model: model, messages: messages, completion: text))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func newID(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return prefix + hex
    }
}

/// Decodes a JSON body, turning decoding failures into a 400 that names the offending field.
func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
    let buffer = try await request.body.collect(upTo: 16 << 20)
    do {
        return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
    } catch let DecodingError.typeMismatch(expected, ctx) {
        throw ServerError.invalidRequest(message: "\(fieldPath(ctx.codingPath)) must be \(describe(expected)).",
                                         param: fieldPath(ctx.codingPath))
    } catch let DecodingError.keyNotFound(key, ctx) {
        let path = fieldPath(ctx.codingPath + [key])
        throw ServerError.invalidRequest(message: "\(path) is required.", param: path)
    } catch let DecodingError.valueNotFound(_, ctx) {
        throw ServerError.invalidRequest(message: "\(fieldPath(ctx.codingPath)) must not be null.", param: fieldPath(ctx.codingPath))
    } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
        throw ServerError.invalidRequest(message: "\(fieldPath(ctx.codingPath)) is invalid.", param: fieldPath(ctx.codingPath))
    } catch {
        throw ServerError.invalidRequest(message: "The request body is not valid JSON.", param: nil)
    }
}

private func fieldPath(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
}

private func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "a boolean"
    case is Int.Type, is Int64.Type: "an integer"
    case is Double.Type: "a number"
    default: "of another type"
    }
}
