import Foundation

/// When and how often a failed request is sent again.
///
/// Only idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) are retried unless the caller marks
/// a request retryable: repeating a POST that reached the server could apply it twice.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first (1 = no retries).
    public var maxAttempts: Int
    /// Delay before the first retry; doubles each retry.
    public var baseDelay: Double
    /// Upper bound of one delay.
    public var maxDelay: Double
    /// Statuses that mean "try again later" rather than "your request is wrong".
    public var retryableStatuses: Set<Int>

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.25, maxDelay: Double = 8,
                retryableStatuses: Set<Int> = [502, 503, 504]) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryableStatuses = retryableStatuses
    }

    /// One attempt, no retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before retry number `retry` (1-based): exponential with "equal jitter", i.e.
    /// uniformly in [d/2, d] for d = min(maxDelay, baseDelay·2^(retry-1)). Half the delay stays fixed
    /// so a struggling server always gets a pause; the random half spreads out clients that failed together.
    public func delay(beforeRetry retry: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exponent = Double(max(0, retry - 1))
        let full = min(maxDelay, baseDelay * pow(2, exponent))
        return full / 2 + full / 2 * random
    }
}
