import BerthaText
import Foundation
import Hummingbird
import Logging

/// Which object-store events become runs.
public struct BucketFilter: Sendable {
    /// Only this bucket (`s3.bucket`); empty accepts every bucket.
    public var bucket: String
    /// Only keys under this prefix (`events.prefix`).
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix
    }

    public func accepts(_ event: IngestEvent) -> Bool {
        (bucket.isEmpty || event.bucket == bucket) && event.key.hasPrefix(prefix)
    }
}

/// The answer to a bucket notification.
struct BucketResponse: Codable {
    var runs: [String]
    var ignored: Int
}

/// The receiver's endpoints:
/// - `POST /alertmanager`: Alertmanager webhook (payload version 4);
/// - `POST /bucket` (also `/minio`, `/seaweedfs`): MinIO/S3 notifications, their Argo Events
///   wrappings and SeaweedFS filer webhook events (anything `BucketEventParser` reads);
/// - `GET /runs`, `GET /runs/{id}`, `POST /runs/{id}/retry`; `GET /health`.
public func buildEventsRouter(runner: PipelineRunner, filter: BucketFilter,
                              logger: Logger = Logger(label: "bertha.events")) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.get("health") { _, _ in json(["status": "ok"]) }

    router.post("alertmanager") { request, _ in
        let body = try await readBody(request)
        do throws(EventsError) {
            let payload = try AlertmanagerPayload.decode(body)
            let decision = try await runner.submit(payload)
            logger.info("alertmanager notification", metadata: [
                "status": "\(payload.status)", "alerts": "\(payload.alerts.count)", "action": "\(decision.action.rawValue)"])
            return json(decision, status: .accepted)
        } catch {
            return failure(error)
        }
    }

    for path in ["bucket", "minio", "seaweedfs"] {
        router.post(RouterPath(path)) { request, _ in
            let body = try await readBody(request)
            let events: [IngestEvent]
            do {
                events = try BucketEventParser.parse(body)
            } catch {
                return failure(.invalidPayload(endpoint: path, reason: "\(error)"))
            }
            let accepted = events.filter(filter.accepts)
            do throws(EventsError) {
                let runs = try await runner.submit(accepted)
                if !events.isEmpty {
                    logger.info("bucket notification", metadata: ["events": "\(events.count)", "runs": "\(runs.count)"])
                }
                return json(BucketResponse(runs: runs.map(\.id), ignored: events.count - accepted.count), status: .accepted)
            } catch {
                return failure(error)
            }
        }
    }

    router.get("runs") { _, _ in
        do throws(EventsError) { return json(try await runner.runs()) } catch { return failure(error) }
    }
    router.get("runs/:id") { _, context in
        let id = context.parameters.get("id") ?? ""
        do throws(EventsError) {
            let live = try await runner.runs().first { $0.id == id }
            guard let live else { throw .unknownRun(id: id) }
            return json(live)
        } catch {
            return failure(error)
        }
    }
    router.post("runs/:id/retry") { _, context in
        let id = context.parameters.get("id") ?? ""
        do throws(EventsError) { return json(try await runner.retry(id), status: .accepted) } catch { return failure(error) }
    }
    return router
}

private func readBody(_ request: Request) async throws -> Data {
    // Alertmanager groups and SeaweedFS entries are small; 8 MiB bounds a misbehaving sender.
    let buffer = try await request.body.collect(upTo: 8 << 20)
    return Data(buffer.readableBytesView)
}

private func json<T: Encodable>(_ value: T, status: HTTPTypes.HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

private func failure(_ error: EventsError) -> Response {
    let status: HTTPTypes.HTTPResponse.Status = switch error {
    case .invalidPayload: .badRequest
    case .unknownRun: .notFound
    case .notRetryable: .conflict
    default: .internalServerError
    }
    return json(["error": error.description], status: status)
}
