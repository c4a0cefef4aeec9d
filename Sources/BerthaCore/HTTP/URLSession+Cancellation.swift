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
    /// `data(for:)` / `upload(for:)` with a cancellation that cannot deadlock.
    ///
    /// FoundationNetworking's async methods cancel their `URLSessionTask` synchronously from the
    /// Swift task's cancellation handler, which runs while the task's status lock is held; `cancel()`
    /// then waits on the session's queue, where a finishing request may be resuming the same task and
    /// waits for that lock. Cancelling a task group of multipart part uploads after one failed hung
    /// the process that way. Here the cancel is handed to another queue and the lock is released at once.
    public func cancellableData(for request: URLRequest, body: URLSessionBody = .none) async throws -> (Data, URLResponse) {
        let box = CancellableTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let completion: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                let task: URLSessionTask = switch body {
                case .none: dataTask(with: request, completionHandler: completion)
                case .data(let data): uploadTask(with: request, from: data, completionHandler: completion)
                case .file(let file): uploadTask(with: request, fromFile: file, completionHandler: completion)
                }
                box.start(task)
            }
        } onCancel: {
            box.cancel()
        }
    }

    /// `download(for:)` with the same safe cancellation. The body is moved out of URLSession's
    /// temporary file (deleted when the completion returns) into a file of the caller's: returned, and
    /// to be moved or deleted by the caller.
    public func cancellableDownload(for request: URLRequest, into directory: URL) async throws -> (URL, URLResponse) {
        let box = CancellableTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(URL, URLResponse), any Error>) in
                let task = downloadTask(with: request) { location, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                        return
                    }
                    guard let location, let response else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                        return
                    }
                    let kept = directory.appendingPathComponent(".bertha-download-\(UUID().uuidString)")
                    do {
                        try FileManager.default.moveItem(at: location, to: kept)
                        continuation.resume(returning: (kept, response))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                box.start(task)
            }
        } onCancel: {
            box.cancel()
        }
    }
}

/// The URLSessionTask of one request, and whether it was cancelled before it existed.
private final class CancellableTaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionTask?
    private var cancelled = false

    func start(_ task: URLSessionTask) {
        lock.lock()
        self.task = task
        let cancelled = self.cancelled
        lock.unlock()
        task.resume()
        if cancelled { Self.cancelLater(task) }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        if let task { Self.cancelLater(task) }
    }

    private static func cancelLater(_ task: URLSessionTask) {
        DispatchQueue.global().async { task.cancel() }
    }
}
