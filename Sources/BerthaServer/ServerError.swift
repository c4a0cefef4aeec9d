import BerthaCore
import HTTPTypes

/// A request the server refuses or cannot serve. Each case maps to one HTTP status and one
/// OpenAI-shaped error body (`{"error":{"message","type","param","code"}}`), in one place.
public enum ServerError: BerthaError, Equatable {
    case invalidRequest(message: String, param: String?)
    case unauthorized
    case forbidden(message: String)
    case notFound(message: String)
    case contextExceeded(promptTokens: Int, requested: Int, contextLength: Int)
    case queueFull(retryAfterSeconds: Int)
    case modelLoading
    case timeout(seconds: Double)
    case internalError(message: String)

    public var message: String {
        switch self {
        case .invalidRequest(let message, _): message
        case .unauthorized: "Invalid or missing API key. Send it as 'Authorization: Bearer <key>'."
        case .notFound(let message), .forbidden(let message): message
        case .contextExceeded(let prompt, let requested, let context):
            "This model's maximum context length is \(context) tokens. However, you requested \(prompt + requested) tokens (\(prompt) in the prompt, \(requested) for the completion). Please reduce the length of the messages or completion."
        case .queueFull(let seconds): "The server is busy: every slot is generating and the queue is full. Retry after \(seconds) s."
        case .modelLoading: "Loading model"
        case .timeout(let seconds): "The request did not finish within \(Int(seconds)) s and was cancelled."
        case .internalError(let message): message
        }
    }

    public var status: HTTPTypes.HTTPResponse.Status {
        switch self {
        case .invalidRequest, .contextExceeded: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .queueFull, .modelLoading: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .internalError: .internalServerError
        }
    }

    /// OpenAI's `error.type`.
    var type: String {
        switch self {
        case .invalidRequest, .contextExceeded, .notFound: "invalid_request_error"
        case .unauthorized: "authentication_error"
        case .forbidden: "permission_error"
        case .queueFull, .modelLoading: "unavailable_error"
        case .timeout: "timeout_error"
        case .internalError: "server_error"
        }
    }

    var param: String? {
        switch self {
        case .invalidRequest(_, let param): param
        case .contextExceeded: "messages"
        default: nil
        }
    }

    var code: String? {
        switch self {
        case .contextExceeded: "context_length_exceeded"
        case .unauthorized: "invalid_api_key"
        case .queueFull: "queue_full"
        default: nil
        }
    }
}
