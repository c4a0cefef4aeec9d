import BerthaInference
import BerthaCore
import Foundation
import Hummingbird

/// `POST /v1/chat/completions` and `POST /v1/completions`: decode, admit, generate, encode.
struct CompletionsController: Sendable {
    let state: ServerState

    func addRoutes(to router: Router<BasicRequestContext>) {
        // A client that disconnects cancels its request: the handler runs under
        // consumeWithCancellationOnInboundClose, so the generation stops and frees its slot.
        // That ends the connection after the response, which the middleware tells the client.
        let watched = router.group().add(middleware: ClosesConnectionMiddleware())
        watched.post("/v1/chat/completions") { request, context in
            try await request.body.consumeWithCancellationOnInboundClose { body in
                try await chat(body, context)
            }
        }
        watched.post("/v1/completions") { request, context in
            try await request.body.consumeWithCancellationOnInboundClose { body in
                try await text(body, context)
            }
        }
    }

    private enum Kind { case chat(messages: [ChatTurn]), text }

    private func chat(_ requestBody: RequestBody, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decodeBody(ChatCompletionRequest.self, requestBody)
        guard !body.messages.isEmpty else { throw ServerError.invalidRequest(message: "messages must not be empty.", param: "messages") }
        let turns = body.messages.map { ChatTurn(role: $0.role, content: $0.content?.text ?? "") }
        for turn in turns where !["system", "user", "assistant", "developer", "tool"].contains(turn.role) {
            throw ServerError.invalidRequest(message: "Unknown role '\(turn.role)'.", param: "messages")
        }
        let backend = try state.backend()
        var sources: [Source]?
        var promptTurns = turns
        if let retriever = state.retriever {
            // The question is the last user message; earlier turns are context the model already has.
            let question = turns.last(where: { $0.role == "user" })?.content ?? ""
            let found = question.isEmpty ? [] : try await retriever.retrieve(question)
            state.metrics.ragRetrievals(await backend.model, hit: !found.isEmpty).increment()
            promptTurns = RAGRetriever.augment(turns, with: found)
            sources = found
        }
        let prompt = try await backend.renderChat(promptTurns)
        let generation = try RequestTranslation.generationRequest(prompt: prompt, body.sampling)
        return try await respond(backend, kind: .chat(messages: turns), generation, sources: sources, stream: body.stream ?? false,
                                 includeUsage: body.streamOptions?.includeUsage ?? false)
    }

    private func text(_ requestBody: RequestBody, _ context: BasicRequestContext) async throws -> Response {
        let body = try await decodeBody(CompletionRequest.self, requestBody)
        let prompts = body.prompt.values
        guard prompts.count == 1 else {
            throw ServerError.invalidRequest(message: "prompt must be one string (batched prompts are not supported).", param: "prompt")
        }
        let backend = try state.backend()
        let generation = try RequestTranslation.generationRequest(prompt: prompts[0], body.sampling)
        return try await respond(backend, kind: .text, generation, stream: body.stream ?? false,
                                 includeUsage: body.streamOptions?.includeUsage ?? false)
    }

    /// Generates on `backend` (taken once, so a model swap mid-request does not affect it) and
    /// answers as one JSON object or as SSE.
    private func respond(_ backend: any InferenceBackend, kind: Kind, _ generation: GenerationRequest, sources: [Source]? = nil,
                         stream: Bool, includeUsage: Bool) async throws -> Response {
        let model = await backend.model
        let started = ContinuousClock.now
        try await state.admission.acquire()
        let events: AsyncThrowingStream<GenerationEvent, any Error>
        do {
            events = Self.limited(try await backend.generate(generation), seconds: state.requestTimeout)
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
            do {
                for try await event in events {
                    switch event {
                    case .text(let piece, let tokens):
                        recorder.tokens(tokens)
                        text += piece
                    case .finished(let reason, let timings, let promptTokens):
                        finish = (reason, timings, promptTokens)
                    }
                }
            } catch {
                recorder.failed(status: Self.status(of: error))
                throw error
            }
            guard let (reason, timings, promptTokens) = finish else {
                // A cancelled consumer sees the stream end early rather than an error.
                if Task.isCancelled {
                    recorder.failed(status: 499)
                    throw CancellationError()
                }
                recorder.failed(status: 500)
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
                                                         usage: usage, timings: Timings(timings), sources: sources))
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
            // Set while writing: an error then means the client went away, not the engine.
            var writing = false
            func send(_ chunk: CompletionChunk) async throws {
                var buffer = ByteBuffer(string: "data: ")
                buffer.writeBytes(try encoder.encode(chunk))
                buffer.writeString("\n\n")
                writing = true
                try await writer.write(buffer)
                writing = false
            }
            if isChat {
                try await send(CompletionChunk(id: id, object: object, created: created, model: model.id,
                                               choices: [.init(delta: .init(role: "assistant", content: ""))]))
            }
            var text = ""
            var finished = false
            do {
                for try await event in events {
                    switch event {
                    case .text(let piece, let tokens):
                        recorder.tokens(tokens)
                        text += piece
                        let choice: CompletionChunk.Choice = isChat ? .init(delta: .init(content: piece)) : .init(text: piece)
                        try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [choice]))
                    case .finished(let reason, let timings, let promptTokens):
                        finished = true
                        recorder.finished(timings, status: 200)
                        let last: CompletionChunk.Choice = isChat ? .init(delta: .init(), finishReason: reason.openAI)
                                                                  : .init(text: "", finishReason: reason.openAI)
                        try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [last],
                                                       timings: Timings(timings), sources: sources))
                        if includeUsage {
                            try await send(CompletionChunk(id: id, object: object, created: created, model: model.id, choices: [],
                                                           usage: Usage(prompt: promptTokens, completion: timings.predictedN)))
                        }
                    }
                }
            } catch let error as ServerError {
                // The status line is long gone: the error travels as a last SSE event, in
                // OpenAI's error shape (the openai client raises it as an APIError).
                recorder.failed(status: Int(error.status.code))
                var buffer = ByteBuffer(string: "data: ")
                buffer.writeBytes(try encoder.encode(ErrorBody(error)))
                buffer.writeString("\n\n")
                try await writer.write(buffer)
                try await writer.finish(nil)
                return
            } catch {
                // A failed write means the client went away (499); otherwise the engine failed.
                if !finished { recorder.failed(status: writing ? 499 : Self.status(of: error)) }
                throw error
            }
            if !finished {
                // The stream ended early without an error: the writer's task was cancelled.
                recorder.failed(status: 499)
                return
            }
            if case .chat(let messages) = kind {
                await completions.record(id: id, .init(model: model, messages: messages, completion: text))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// Ends `events` with `ServerError.timeout` after `seconds`, cancelling the generation behind
    /// it; a consumer that stops early (client gone) cancels it too.
    static func limited(_ events: AsyncThrowingStream<GenerationEvent, any Error>,
                        seconds: Double) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (limited, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let relay = Task {
            do {
                for try await event in events { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let timer = Task {
            try await Task.sleep(for: .seconds(seconds))
            continuation.finish(throwing: ServerError.timeout(seconds: seconds))
            relay.cancel()
        }
        continuation.onTermination = { _ in
            relay.cancel()
            timer.cancel()
        }
        return limited
    }

    /// The HTTP status a failed generation counts under in `bertha_requests_total`
    /// (499, nginx's "client closed request", for a cancelled one).
    static func status(of error: any Error) -> Int {
        if let error = error as? ServerError { return Int(error.status.code) }
        if error is CancellationError { return 499 }
        return 500
    }

    static func newID(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return prefix + hex
    }
}

/// Decodes a JSON body, turning decoding failures into a 400 that names the offending field.
func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T {
    try await decodeBody(type, request.body)
}

func decodeBody<T: Decodable>(_ type: T.Type, _ body: RequestBody) async throws -> T {
    let buffer = try await body.collect(upTo: 16 << 20)
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
