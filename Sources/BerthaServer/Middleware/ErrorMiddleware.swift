import BerthaCore
import Foundation
import Hummingbird
import Logging

/// The one place errors become HTTP: `ServerError` → its status and OpenAI's error body; any
/// other error → 500 with a redacted message. Also echoes/assigns `X-Request-Id` and writes one
/// access-log line per request (method, path, status, duration).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = request.headers[.init("X-Request-Id")!] ?? CompletionsController.newID(prefix: "req-")
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServerError {
            response = Self.render(error)
        } catch let error as Hummingbird.HTTPError {
            let serverError: ServerError = error.status == .notFound
                ? .notFound(message: "No route for \(request.method) \(request.uri.path).")
                : .invalidRequest(message: error.body ?? "\(error.status)", param: nil)
            response = Self.render(serverError)
        } catch is CancellationError {
            response = Self.render(.internalError(message: "The request was cancelled."))
        } catch {
            response = Self.render(.internalError(message: describeError(error).line))
        }
        response.headers[.init("X-Request-Id")!] = requestID
        logger.info("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", (ContinuousClock.now - started).seconds * 1000))ms",
                    metadata: ["request_id": "\(requestID)"])
        return response
    }

    static func render(_ error: ServerError) -> Response {
        let data = (try? JSONEncoder().encode(ErrorBody(error))) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .queueFull(let seconds) = error { headers[.retryAfter] = String(seconds) }
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
    }
}
