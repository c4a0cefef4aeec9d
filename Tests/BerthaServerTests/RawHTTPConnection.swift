import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection speaking HTTP/1.1 by hand, so a test can see what URLSession hides: whether a
/// connection stays open between requests and whether the server closes it.
final class RawHTTPConnection {
    struct Response {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: Data
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(Int32), closed(received: Int), malformed(String), timedOut
        var description: String {
            switch self {
            case .connect(let errno): "connect failed (errno \(errno))"
            case .closed(let received): "the server closed the connection after \(received) bytes of the response"
            case .malformed(let head): "malformed response head: \(head)"
            case .timedOut: "no response within the read timeout"
            }
        }
    }

    private let fd: Int32
    private var buffered = Data()

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds.
    init(port: Int, timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            close(fd)
            throw Failure.connect(code)
        }
    }

    deinit { close(fd) }

    /// Sends one request (keep-alive, the HTTP/1.1 default) and reads its Content-Length-framed response.
    func exchange(_ method: String, _ path: String, body: String = "") throws -> Response {
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.closed(received: 0) }
            sent += n
        }
        let separator = Data("\r\n\r\n".utf8)
        while buffered.range(of: separator) == nil { try fill() }
        let end = buffered.range(of: separator)!
        let head = String(decoding: buffered[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        buffered.removeSubrange(..<end.upperBound)
        let statusLine = head[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(head[0]) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(line) }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let length = headers["content-length"].flatMap(Int.init) else { throw Failure.malformed("no Content-Length") }
        while buffered.count < length { try fill() }
        let body = buffered.prefix(length)
        buffered.removeFirst(length)
        return Response(status: status, headers: headers, body: Data(body))
    }

    /// Whether the server closes the connection (end of stream) within the read timeout, with
    /// nothing more sent.
    func serverCloses() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Runs blocking socket calls on a Dispatch thread: the in-process server under test needs the
    /// cooperative pool (two threads on CI) to answer.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (RawHTTPConnection) throws -> T) async throws -> T {
        nonisolated(unsafe) let connection = self
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body(connection) }) }
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n == 0 { throw Failure.closed(received: buffered.count) }
        if n < 0 { throw Failure.timedOut }
        buffered.append(contentsOf: chunk[..<n])
    }
}
