import BerthaTokenizers
import Foundation

/// Why generation stopped.
public enum FinishReason: String, Sendable, Codable {
    /// An end-of-generation token (EOS, EOT, end of turn).
    case endOfGeneration = "eog"
    /// One of the stop strings appeared.
    case stop
    /// `maxTokens` were generated.
    case length
}

/// The outcome of one `Generator.generate` call.
public struct GenerationResult: Sendable, Codable {
    /// The prompt's token ids.
    public var promptIDs: [Int32]
    /// The generated ids (including a final end-of-generation id).
    public var generatedIDs: [Int32]
    /// The generated text, cut before a stop string.
    public var text: String
    /// Why it stopped.
    public var finishReason: FinishReason
    /// Counts and times.
    public var timings: GenerationTimings
}

/// Generates text for one sequence of a `Transformer`, streaming pieces as they become whole
/// UTF-8 text.
///
/// Between calls the sequence's KV cache is kept: a prompt that starts with the previous call's
/// tokens only evaluates the new suffix (prefix reuse). When a prompt plus `maxTokens` does not fit
/// the context, a chat session can ask for a context shift instead of an error (`contextShift`).
public final class Generator: @unchecked Sendable {
    /// The model.
    public let transformer: Transformer
    /// The tokenizer.
    public let tokenizer: any Tokenizer
    /// The cache slot this generator owns.
    public let sequence: Int
    /// Tokens currently in the sequence's cache, in order.
    public private(set) var cachedTokens: [Int32] = []

    /// - Parameters:
    ///   - transformer: the model.
    ///   - tokenizer: its tokenizer.
    ///   - sequence: the cache slot to use.
    public init(transformer: Transformer, tokenizer: any Tokenizer, sequence: Int = 0) {
        self.transformer = transformer
        self.tokenizer = tokenizer
        self.sequence = sequence
    }

    /// Generates a continuation of `prompt` (already tokenized).
    /// - Parameters:
    ///   - prompt: the prompt ids.
    ///   - sampling: sampler settings.
    ///   - maxTokens: most tokens to generate.
    ///   - stop: strings that end generation (not included in the text).
    ///   - keep: with `contextShift`, how many leading tokens (the system prompt) always stay.
    ///   - contextShift: when the context fills up, drop the oldest half after `keep` instead of stopping.
    ///   - onPiece: called with each new piece of text; return false to stop early.
    /// - Returns: ids, text, finish reason and timings.
    /// - Throws: `InferenceError.contextOverflow` when the prompt does not fit, or invalid settings.
    @discardableResult
    public func generate(prompt: [Int32], sampling: SamplingParameters, maxTokens: Int, stop: [String] = [],
                         keep: Int = 0, contextShift: Bool = false,
                         onPiece: (String) -> Bool = { _ in true }) throws(InferenceError) -> GenerationResult {
        guard maxTokens >= 0 else { throw .invalidParameter(name: "max tokens", value: String(maxTokens)) }
        guard !prompt.isEmpty else { throw .invalidParameter(name: "prompt", value: "empty") }
        let ctx = transformer.cache.contextLength
        guard prompt.count <= ctx else { throw .contextOverflow(tokens: prompt.count, context: ctx) }
        var sampler = try Sampler(sampling)
        var timings = GenerationTimings()

        // prefix reuse: keep the longest common prefix, but always re-evaluate at least the last
        // prompt token so its logits are fresh.
        var common = 0
        while common < min(cachedTokens.count, prompt.count - 1) && cachedTokens[common] == prompt[common] { common += 1 }
        transformer.cache.truncate(sequence, to: common)
        cachedTokens.removeSubrange(common...)
        let start = Date()
        let suffix = Array(prompt[common...])
        try transformer.evaluate(suffix, sequence: sequence)
        cachedTokens += suffix
        timings.promptN = suffix.count
        timings.promptMS = Date().timeIntervalSince(start) * 1000

        var history = prompt
        var generated: [Int32] = []
        var detokenizer = tokenizer.streamingDetokenizer()
        var text = ""
        var emitted = 0
        var reason = FinishReason.length
        let longestStop = stop.map(\.utf8.count).max() ?? 0
        let decodeStart = Date()
        generation: while generated.count < maxTokens {
            let next = sampler.sample(transformer.logits(0), history: history)
            generated.append(next)
            history.append(next)
            if tokenizer.isEndOfGeneration(next) { reason = .endOfGeneration; break }
            text += detokenizer.append(next)
            if let cut = Self.firstStop(in: text, stop) {
                text = String(text[..<cut])
                reason = .stop
                break generation
            }
            // Hold back what could still become the start of a stop string.
            let safe = Self.safePrefixEnd(text, holdBack: max(0, longestStop - 1))
            if safe > emitted {
                let piece = String(decoding: Array(text.utf8)[emitted..<safe], as: UTF8.self)
                emitted = safe
                if !onPiece(piece) { reason = .stop; break }
            }
            if generated.count == maxTokens { break }
            if cachedTokens.count >= ctx {
                guard contextShift else { reason = .length; break }
                shift(keep: keep)
            }
            try transformer.evaluate([next], sequence: sequence)
            cachedTokens.append(next)
        }
        if reason != .stop { text += detokenizer.flush() }
        if text.utf8.count > emitted {
            _ = onPiece(String(decoding: Array(text.utf8)[emitted...], as: UTF8.self))
        }
        timings.predictedN = generated.count
        timings.predictedMS = Date().timeIntervalSince(decodeStart) * 1000
        return GenerationResult(promptIDs: prompt, generatedIDs: generated, text: text, finishReason: reason, timings: timings)
    }

    /// Drops the oldest half of the tokens after the first `keep` (llama.cpp's context shift),
    /// moving the rest down and re-rotating their keys.
    public func shift(keep: Int) {
        let keep = min(max(keep, 0), cachedTokens.count)
        let discard = (cachedTokens.count - keep) / 2
        guard discard > 0 else { return }
        transformer.shiftContext(sequence: sequence, keep: keep, discard: discard)
        cachedTokens.removeSubrange(keep..<keep + discard)
    }

    /// Forgets the cached tokens (the next prompt is evaluated from scratch).
    public func reset() {
        transformer.cache.clear(sequence)
        cachedTokens.removeAll()
    }

    static func firstStop(in text: String, _ stop: [String]) -> String.Index? {
        var best: String.Index?
        for s in stop where !s.isEmpty {
            if let r = text.range(of: s), best == nil || r.lowerBound < best! { best = r.lowerBound }
        }
        return best
    }

    /// The end (in UTF-8 bytes) of the text that can be shown now: all but the last `holdBack`
    /// bytes, moved back to a character boundary.
    static func safePrefixEnd(_ text: String, holdBack: Int) -> Int {
        let bytes = Array(text.utf8)
        var end = max(0, bytes.count - holdBack)
        while end > 0 && end < bytes.count && (bytes[end] & 0xC0) == 0x80 { end -= 1 }
        return end
    }
}
