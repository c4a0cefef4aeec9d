import Hummingbird

/// Marks every response of a route that watches for its client going away
/// (`consumeWithCancellationOnInboundClose`) with `Connection: close`.
///
/// Hummingbird watches by reading the connection while the handler runs, and ends that read by
/// cancelling it, which ends the connection's inbound stream: the server closes the connection
/// after the response. A keep-alive client that was not told so sends its next request on the
/// closing connection; under load that request was lost and the client waited out its timeout
/// (URLSession: 5 of 300 chat + tokenize rounds timed out with both cores busy). Saying
/// `Connection: close` makes every client open a fresh connection instead, which costs about
/// 0.1 ms on loopback against milliseconds of generation.
///
/// Errors are rendered here (the same mapping as `ErrorMiddleware`) so that they carry the header too.
struct ClosesConnectionMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMiddleware.response(for: error, to: request)
        }
        response.headers[.connection] = "close"
        return response
    }
}
