import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a request sends as its body.
public enum URLSessionBody: Sendable {
    case none
    case data(Data)
    case file(URL)
}

extension URLSession {
    /// `data(for:)` / `upload(for:)` with a cancellation that cannot crash or deadlock.
    ///
    /// FoundationNetworking's `URLSessionTask.cancel()` is unsafe around completion: from the Swift
    /// task's cancellation handler it deadlocked a task group of multipart part uploads (the handler
    /// runs under the task's status lock while a finishing request waits for it), and cancelled from
    /// another queue it races the request's own completion and traps ("Trying to access a behaviour
    /// for a task that in not in the registry", seen in CI). So a cancelled call is abandoned rather
    /// than cancelled: it throws `CancellationError` at once, and the transfer finishes or times out
    /// in the background with its result discarded.
    public func cancellableData(for request: URLRequest, body: URLSessionBody = .none) async throws -> (Data, URLResponse) {
        let box = AbandonableCall<(Data, URLResponse)>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                guard box.begin(continuation) else { return }
                let completion: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
                    if let error {
                        box.finish(.failure(error))
                    } else if let response {
                        box.finish(.success((data ?? Data(), response)))
                    } else {
                        box.finish(.failure(URLError(.badServerResponse)))
                    }
                }
                let task: URLSessionTask = switch body {
                case .none: dataTask(with: request, completionHandler: completion)
                case .data(let data): uploadTask(with: request, from: data, completionHandler: completion)
                case .file(let file): uploadTask(with: request, fromFile: file, completionHandler: completion)
                }
                task.resume()
            }
        } onCancel: {
            box.abandon()
        }
    }

    /// `download(for:)` with the same safe cancellation. The body is moved out of URLSession's
    /// temporary file (deleted when the completion returns) into a file of the caller's: returned, and
    /// to be moved or deleted by the caller. An abandoned download's file is deleted when it lands.
    public func cancellableDownload(for request: URLRequest, into directory: URL) async throws -> (URL, URLResponse) {
        let box = AbandonableCall<(URL, URLResponse)>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(URL, URLResponse), any Error>) in
                guard box.begin(continuation) else { return }
                let task = downloadTask(with: request) { location, response, error in
                    if let error {
                        box.finish(.failure(error))
                        return
                    }
                    guard let location, let response else {
                        box.finish(.failure(URLError(.badServerResponse)))
                        return
                    }
                    let kept = directory.appendingPathComponent(".bertha-download-\(UUID().uuidString)")
                    do {
                        try FileManager.default.moveItem(at: location, to: kept)
                        if !box.finish(.success((kept, response))) { try? FileManager.default.removeItem(at: kept) }
                    } catch {
                        box.finish(.failure(error))
                    }
                }
                task.resume()
            }
        } onCancel: {
            box.abandon()
        }
    }
}

/// One call's continuation, resumed exactly once: by the transfer's completion or by abandonment.
private final class AbandonableCall<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?
    private var done = false

    /// Stores the continuation; false (and the continuation resumed) when the call was already abandoned.
    func begin(_ continuation: CheckedContinuation<Value, any Error>) -> Bool {
        lock.lock()
        if done {
            lock.unlock()
            continuation.resume(throwing: CancellationError())
            return false
        }
        self.continuation = continuation
        lock.unlock()
        return true
    }

    /// Resumes with the transfer's result; false when the call was abandoned first (result dropped).
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        lock.lock()
        guard !done else {
            lock.unlock()
            return false
        }
        done = true
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume(with: result)
        return true
    }

    func abandon() {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume(throwing: CancellationError())
    }
}
