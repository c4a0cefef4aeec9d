import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Streams one chat completion over plain HTTP/1.1 with SwiftNIO, timestamping each SSE event.
///
/// Why not URLSession: on Linux, FoundationNetworking's libcurl multi loop spins while a response
/// streams (measured: 9.4 s of CPU for 6 streamed completions in 11.5 s, ~70 syscalls per SSE
/// event). A load generator that eats most of a core on a 2-core machine measures itself, not the
/// server. NIO waits in epoll and costs next to nothing per event. https URLs keep URLSession.
enum NIOStreamingCompletion {
    /// Sends `body` as `POST path` to `host:port` and reads the SSE stream to its end.
    static func run(group: any EventLoopGroup, host: String, port: Int, path: String,
                    headers extra: [(String, String)], body: Data) async throws -> StreamedCompletion {
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let (seconds, attoseconds) = (ContinuousClock.now - started).components
            return Double(seconds) + Double(attoseconds) / 1e18
        }
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            head.headers.add(name: "Host", value: "\(host):\(port)")
            head.headers.add(name: "Content-Length", value: String(body.count))
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in extra { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))

            var parser = SSETimingParser()
            var status = 0
            for try await part in inbound {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                case .body(let buffer):
                    if status == 200 { parser.consume(Array(buffer.readableBytesView), at: elapsed()) }
                case .end:
                    return parser.result(status: status, duration: elapsed())
                }
            }
            return parser.result(status: status, duration: elapsed())
        }
    }
}

/// Splits an SSE byte stream into events and records when content deltas arrived, the final
/// usage and the server's own `timings`.
struct SSETimingParser {
    private var buffer: [UInt8] = []
    private var firstToken: Double?
    private var lastToken: Double?
    private var gaps: [Double] = []
    private var deltas = 0
    private var usageTokens: Int?
    private var promptMS: Double?
    private var perTokenMS: Double?

    mutating func consume(_ bytes: [UInt8], at time: Double) {
        buffer += bytes
        var start = 0
        var index = 0
        // Events end with a blank line ("\n\n").
        while index + 1 < buffer.count {
            if buffer[index] == 0x0A, buffer[index + 1] == 0x0A {
                event(buffer[start..<index], at: time)
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        buffer.removeFirst(start)
    }

    private mutating func event(_ bytes: ArraySlice<UInt8>, at time: Double) {
        let prefix = Array("data: {".utf8)
        guard bytes.starts(with: prefix),
              let chunk = try? JSONSerialization.jsonObject(with: Data(bytes.dropFirst(6))) as? [String: Any] else { return }
        let delta = ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        if let delta, !delta.isEmpty {
            if let last = lastToken { gaps.append(time - last) } else { firstToken = time }
            lastToken = time
            deltas += 1
        }
        if let usage = chunk["usage"] as? [String: Any] { usageTokens = usage["completion_tokens"] as? Int }
        if let timings = chunk["timings"] as? [String: Any] {
            promptMS = timings["prompt_ms"] as? Double
            perTokenMS = timings["predicted_per_token_ms"] as? Double
        }
    }

    func result(status: Int, duration: Double) -> StreamedCompletion {
        StreamedCompletion(timeToFirstToken: firstToken, interTokenGaps: gaps, duration: duration,
                           completionTokens: usageTokens ?? deltas, promptMS: promptMS,
                           predictedPerTokenMS: perTokenMS, status: status)
    }
}
