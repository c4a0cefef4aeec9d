/// A user's vote on a completion.
public enum FeedbackScore: String, Sendable, Codable, CaseIterable {
    case up, down
}
