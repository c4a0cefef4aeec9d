import Hummingbird

/// Requires `Authorization: Bearer <key>` on every path except /health and /metrics (unless
/// `metricsAuth`) and the chat page. Compares in constant time.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let key: String
    let metricsAuth: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let open = path == "/" || (!metricsAuth && (path == "/health" || path == "/metrics"))
        if !open {
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("Bearer "), Self.constantTimeEquals(String(header.dropFirst(7)), key) else {
                throw ServerError.unauthorized
            }
        }
        return try await next(request, context)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
