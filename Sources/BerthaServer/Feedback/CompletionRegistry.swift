/// The completions the server has answered recently, so a vote can find the conversation it
/// rates. Bounded: the oldest entries go first, and a vote for one that was dropped is a 404
/// like an id that never existed.
actor CompletionRegistry {
    struct Entry: Sendable {
        var model: ServedModel
        var messages: [ChatTurn]
        var completion: String
        var vote: FeedbackScore?
    }

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func record(id: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: id) == nil { order.append(id) }
        if order.count > capacity {
            let drop = order.count - capacity
            for old in order.prefix(drop) { entries[old] = nil }
            order.removeFirst(drop)
        }
    }

    /// Sets the vote of `id`, returning the entry and the vote it replaced, or nil for an unknown id.
    func vote(id: String, score: FeedbackScore) -> (entry: Entry, previous: FeedbackScore?)? {
        guard var entry = entries[id] else { return nil }
        let previous = entry.vote
        entry.vote = score
        entries[id] = entry
        return (entry, previous)
    }
}
