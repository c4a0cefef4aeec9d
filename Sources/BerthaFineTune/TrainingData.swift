import BerthaCore
import BerthaInference
import BerthaTokenizers
import Foundation

/// One supervised conversation: the model learns every assistant message.
public struct TrainingExample: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// `file:line` it came from (reports, errors).
    public var origin: String

    public init(messages: [ChatMessage], origin: String) {
        self.messages = messages
        self.origin = origin
    }

    /// Identity for de-duplication: the conversation itself, not where it came from.
    var key: String { messages.map { "\($0.role)\u{1}\($0.content)" }.joined(separator: "\u{2}") }
}

/// Reads curated chat datasets (OpenAI fine-tuning JSONL: `{"messages":[{"role","content"}…]}`)
/// and the feedback log `bertha serve` writes.
public enum TrainingData {
    private struct MessagesLine: Decodable {
        var messages: [ChatMessage]
    }

    /// The examples of a JSONL chat dataset.
    /// - Throws: `FineTuneError.malformedLine` naming the file and line of the first bad line,
    ///   `.unreadable` when the file cannot be read.
    public static func loadChatJSONL(path: String) throws(FineTuneError) -> [TrainingExample] {
        var examples: [TrainingExample] = []
        for (number, line) in try lines(path) {
            let decoded: MessagesLine
            do {
                decoded = try JSONDecoder().decode(MessagesLine.self, from: Data(line.utf8))
            } catch {
                throw .malformedLine(file: path, line: number, reason: "expected {\"messages\":[{\"role\":…,\"content\":…}]}: \(describeDecoding(error))")
            }
            try validate(decoded.messages, file: path, line: number)
            examples.append(TrainingExample(messages: decoded.messages, origin: "\(path):\(number)"))
        }
        return examples
    }

    /// One line of the feedback log (the fields `retrain` needs of serve's `FeedbackRecord`).
    private struct FeedbackLine: Decodable {
        var completionID: String
        var score: String
        var messages: [ChatMessage]
        var completion: String
        enum CodingKeys: String, CodingKey {
            case score, messages, completion
            case completionID = "completion_id"
        }
    }

    /// One line of a review file: an operator's corrected answer for a 👎 completion.
    private struct ReviewLine: Decodable {
        var completionID: String
        var completion: String
        enum CodingKeys: String, CodingKey {
            case completion
            case completionID = "completion_id"
        }
    }

    /// The examples in a feedback log: 👍 conversations as they were answered, 👎 ones only when
    /// `review` holds a corrected answer for their completion id (which replaces the answer). A
    /// later vote on the same completion replaces an earlier one, as in the server.
    /// - Parameters:
    ///   - path: the JSONL log written by `bertha serve` (`server.feedback_log`).
    ///   - review: JSONL lines `{"completion_id": …, "completion": corrected answer}`, or nil.
    /// - Throws: `FineTuneError.malformedLine` for a bad line in either file.
    public static func loadFeedback(path: String, review: String? = nil) throws(FineTuneError) -> (examples: [TrainingExample], skipped: Int) {
        var corrections: [String: String] = [:]
        if let review {
            for (number, line) in try lines(review) {
                do {
                    let r = try JSONDecoder().decode(ReviewLine.self, from: Data(line.utf8))
                    corrections[r.completionID] = r.completion
                } catch {
                    throw .malformedLine(file: review, line: number,
                                         reason: "expected {\"completion_id\":…,\"completion\":…}: \(describeDecoding(error))")
                }
            }
        }
        var latest: [String: (line: Int, record: FeedbackLine)] = [:]
        var order: [String] = []
        for (number, line) in try lines(path) {
            let record: FeedbackLine
            do {
                record = try JSONDecoder().decode(FeedbackLine.self, from: Data(line.utf8))
            } catch {
                throw .malformedLine(file: path, line: number, reason: "not a feedback record: \(describeDecoding(error))")
            }
            guard record.score == "up" || record.score == "down" else {
                throw .malformedLine(file: path, line: number, reason: "score must be up or down, got \(record.score)")
            }
            if latest[record.completionID] == nil { order.append(record.completionID) }
            latest[record.completionID] = (number, record)
        }
        var examples: [TrainingExample] = []
        var skipped = 0
        for id in order {
            guard let (number, record) = latest[id] else { continue }
            let answer: String
            if let corrected = corrections[id] {
                answer = corrected
            } else if record.score == "up" {
                answer = record.completion
            } else {
                skipped += 1
                continue
            }
            let messages = record.messages + [.assistant(answer)]
            try validate(messages, file: path, line: number)
            examples.append(TrainingExample(messages: messages, origin: "\(path):\(number)"))
        }
        return (examples, skipped)
    }

    /// Drops repeated conversations, keeping the first.
    public static func deduplicate(_ examples: [TrainingExample]) -> [TrainingExample] {
        var seen = Set<String>()
        return examples.filter { seen.insert($0.key).inserted }
    }

    /// A deterministic split: the examples shuffled by `seed`, the first `ceil(share · n)` held
    /// out (at least one when `share > 0` and there are two or more examples).
    public static func split(_ examples: [TrainingExample], evalShare: Double, seed: UInt64) -> (train: [TrainingExample], eval: [TrainingExample]) {
        var rng = SeededRandom(seed: seed ^ 0x5EED_5EED)
        let shuffled = examples.shuffled(using: &rng)
        guard evalShare > 0, shuffled.count > 1 else { return (shuffled, []) }
        let held = min(shuffled.count - 1, max(1, Int((evalShare * Double(shuffled.count)).rounded(.up))))
        return (Array(shuffled[held...]), Array(shuffled[..<held]))
    }

    static func validate(_ messages: [ChatMessage], file: String, line: Int) throws(FineTuneError) {
        guard !messages.isEmpty else { throw .malformedLine(file: file, line: line, reason: "messages is empty") }
        for (i, m) in messages.enumerated() where !["system", "user", "assistant"].contains(m.role) {
            throw .malformedLine(file: file, line: line, reason: "messages[\(i)].role must be system, user or assistant, got \(m.role)")
        }
        guard messages.contains(where: { $0.role == "assistant" }) else {
            throw .malformedLine(file: file, line: line, reason: "no assistant message to learn from")
        }
    }

    /// The non-blank lines of a file with their 1-based numbers.
    static func lines(_ path: String) throws(FineTuneError) -> [(Int, String)] {
        if path.hasPrefix("s3://") {
            throw .unreadable(path: path, reason: "s3:// datasets are not supported by the trainer yet; download the file first")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not UTF-8 text" : "no such file")
        }
        var out: [(Int, String)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { out.append((i + 1, trimmed)) }
        }
        return out
    }

    static func describeDecoding(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return String(describing: error)
        }
    }
}

/// Turns conversations into token ids with the model's chat template and marks the tokens the
/// loss is computed on: each assistant message's content and its end-of-turn marker.
public struct ExampleEncoder: Sendable {
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate

    public init(tokenizer: any Tokenizer, template: ChatTemplate) {
        self.tokenizer = tokenizer
        self.template = template
    }

    /// Token ids and the target mask of `example`, cut to `maxTokens`.
    ///
    /// The rendered text is split where each assistant turn starts and ends (the template's text
    /// up to the generation prompt is a prefix of the text with the answer), and each piece is
    /// tokenized on its own, so the boundaries are exact.
    public func encode(_ example: TrainingExample, maxTokens: Int) -> (ids: [Int32], mask: [Bool]) {
        let messages = example.messages
        var ids: [Int32] = []
        var mask: [Bool] = []
        var done = ""  // text already tokenized
        func add(_ text: String, target: Bool) {
            guard !text.isEmpty else { return }
            let piece = tokenizer.encode(text, addSpecial: ids.isEmpty, parseSpecial: true)
            ids += piece
            mask += Array(repeating: target, count: piece.count)
        }
        for (i, m) in messages.enumerated() where m.role == "assistant" {
            let prompt = template.render(Array(messages[..<i]), addGenerationPrompt: true)
            let withAnswer = template.render(Array(messages[...i]), addGenerationPrompt: false)
            if prompt.hasPrefix(done) { add(String(prompt.dropFirst(done.count)), target: false) } else { add(prompt, target: false) }
            if withAnswer.hasPrefix(prompt) {
                add(String(withAnswer.dropFirst(prompt.count)), target: true)
            } else {
                add(m.content, target: true)
            }
            done = withAnswer
        }
        if ids.count > maxTokens {
            ids.removeLast(ids.count - maxTokens)
            mask.removeLast(mask.count - maxTokens)
        }
        return (ids, mask)
    }
}

/// Packs encoded examples into rows of at most `ctx` tokens, in order, never splitting one.
public enum SequencePacker {
    public static func pack(_ encoded: [(ids: [Int32], mask: [Bool])], ctx: Int) -> [PackedSequence] {
        var rows: [PackedSequence] = []
        var current = PackedSequence()
        for e in encoded where !e.ids.isEmpty {
            if current.count + e.ids.count > ctx, current.count > 0 {
                rows.append(current)
                current = PackedSequence()
            }
            current.append(e.ids, mask: e.mask)
        }
        if current.count > 0 { rows.append(current) }
        return rows
    }
}
