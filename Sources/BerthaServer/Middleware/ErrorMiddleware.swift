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
        } catch {
            response = Self.response(for: error, to: request)
        }
        response.headers[.init("X-Request-Id")!] = requestID
        logger.info("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", (ContinuousClock.now - started).seconds * 1000))ms",
                    metadata: ["request_id": "\(requestID)"])
        return response
    }

    /// The response for an error thrown while answering `request`.
    static func response(for error: any Error, to request: Request) -> Response {
        switch error {
        case let error as ServerError:
            return render(error)
        case let error as Hummingbird.HTTPError:
            return render(error.status == .notFound
                ? .notFound(message: "No route for \(request.method) \(request.uri.path).")
                : .invalidRequest(message: error.body ?? "\(error.status)", param: nil))
        case is CancellationError:
            return render(.internalError(message: "The request was cancelled."))
        default:
            return render(.internalError(message: describeError(error).line))
        }
    }

    static func render(_ error: ServerError) -> Response {
        let data = (try? JSONEncoder().encode(ErrorBody(error))) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .queueFull(let seconds) = error { headers[.retryAfter] = String(seconds) }
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
    }
}
