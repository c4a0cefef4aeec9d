import BerthaTokenizers
import Foundation
import Synchronization

/// Runs many generations on one `Transformer` at once: every step is ONE forward pass holding the
/// next token of each decoding sequence plus (a chunk of) the prompt of each newly joined one.
///
/// Continuous batching as llama.cpp's server does it: a request takes a free cache slot between
/// steps, its prompt is evaluated in chunks of at most `promptChunk` tokens per step (so a long
/// prompt does not stall the others' decoding for long), and it leaves its slot as soon as it
/// finishes or is cancelled. Each slot samples with its own `Sampler` (own settings and seed), so a
/// request's output does not depend on what else is in the batch: the kernels compute every row of
/// a batch exactly as they compute a single row.
///
/// All compute happens on one dedicated thread (the kernels' worker pool serves one caller at a
/// time, and a forward pass blocks for milliseconds, which must not happen on Swift's cooperative
/// pool). Callbacks run on that thread and must return quickly.
public final class ContinuousBatcher: @unchecked Sendable {
    /// One generation to run.
    public struct Job: Sendable {
        public var prompt: [Int32]
        public var sampling: SamplingParameters
        public var maxTokens: Int
        public var stop: [String]

        public init(prompt: [Int32], sampling: SamplingParameters, maxTokens: Int, stop: [String] = []) {
            self.prompt = prompt
            self.sampling = sampling
            self.maxTokens = maxTokens
            self.stop = stop
        }
    }

    /// What a job reports, in order: pieces of text, then exactly one `finished` or `failed`.
    public enum Event: Sendable {
        /// New complete UTF-8 text (stop strings held back until they cannot match any more).
        case piece(String)
        /// The generation ended.
        case finished(GenerationResult)
        /// The generation could not run (invalid settings, prompt beyond the context).
        case failed(InferenceError)
    }

    /// Cancels one job: its slot is freed before the next step.
    public final class Ticket: Sendable {
        fileprivate let cancelled = Atomic<Bool>(false)
        public func cancel() { cancelled.store(true, ordering: .relaxed) }
    }

    /// Counters of the scheduling loop, for tests and metrics.
    public struct Statistics: Sendable, Equatable {
        /// Forward passes run.
        public var forwardCalls = 0
        /// Tokens evaluated over all passes (prompt and decode).
        public var tokensEvaluated = 0
        /// Passes that carried tokens of two or more sequences.
        public var sharedSteps = 0
        /// Most sequences in one pass.
        public var maxSequencesInStep = 0
        /// Jobs finished (any reason, including cancellation).
        public var jobsCompleted = 0
    }

    /// The model.
    public let transformer: Transformer
    /// The tokenizer.
    public let tokenizer: any Tokenizer
    /// Most prompt tokens one step evaluates (over all joining sequences).
    public let promptChunk: Int

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [(job: Job, ticket: Ticket, onEvent: @Sendable (Event) -> Bool)] = []
    private var stopping = false
    private var stats = Statistics()
    // Touched only by the loop thread.
    private var slots: [Slot]

    /// - Parameters:
    ///   - transformer: the model; one slot per cache sequence (up to `slots`).
    ///   - tokenizer: its tokenizer.
    ///   - slots: sequences decoded together; at most `transformer.cache.sequences` and `transformer.logitCapacity`.
    ///   - promptChunk: most prompt tokens evaluated per step.
    public init(transformer: Transformer, tokenizer: any Tokenizer, slots: Int, promptChunk: Int = 128) {
        self.transformer = transformer
        self.tokenizer = tokenizer
        self.promptChunk = max(1, promptChunk)
        let count = max(1, min(slots, transformer.cache.sequences, transformer.logitCapacity))
        self.slots = (0..<count).map { Slot(sequence: $0) }
        // The thread holds the batcher until `shutdown()`.
        let thread = Thread { self.loop() }
        thread.name = "bertha.batcher"
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Sequences decoded together.
    public var slotCount: Int { slots.count }

    /// Counters so far.
    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Queues `job`; it joins the batch at the next step with a free slot.
    /// - Parameter onEvent: called on the compute thread with each event; return false to cancel.
    /// - Returns: a ticket that cancels the job.
    @discardableResult
    public func submit(_ job: Job, onEvent: @escaping @Sendable (Event) -> Bool) -> Ticket {
        let ticket = Ticket()
        condition.lock()
        if stopping {
            condition.unlock()
            _ = onEvent(.failed(.invalidParameter(name: "batcher", value: "shut down")))
            return ticket
        }
        pending.append((job, ticket, onEvent))
        condition.signal()
        condition.unlock()
        return ticket
    }

    /// Stops the loop after the current step; queued and running jobs are cancelled.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    // MARK: loop

    private final class Slot {
        let sequence: Int
        var cachedTokens: [Int32] = []
        var run: Running?
        init(sequence: Int) { self.sequence = sequence }
    }

    private struct Running {
        var job: Job
        var ticket: Ticket
        var onEvent: @Sendable (Event) -> Bool
        var sampler: Sampler
        /// Prompt tokens not evaluated yet.
        var remaining: ArraySlice<Int32>
        /// The token to feed in the next step once decoding.
        var next: Int32?
        var history: [Int32]
        var generated: [Int32] = []
        var detokenizer: StreamingDetokenizer
        var text = ""
        var emitted = 0
        var longestStop: Int
        var timings = GenerationTimings()
        var started = Date()
        var decodeStarted: Date?
    }

    private func loop() {
        while true {
            condition.lock()
            while !stopping && pending.isEmpty && !slots.contains(where: { $0.run != nil }) { condition.wait() }
            if stopping {
                let queued = pending
                pending.removeAll()
                condition.unlock()
                for q in queued { _ = q.onEvent(.failed(.invalidParameter(name: "batcher", value: "shut down"))) }
                for slot in slots where slot.run != nil { finish(slot, reason: .stop) }
                return
            }
            var joining: [(job: Job, ticket: Ticket, onEvent: @Sendable (Event) -> Bool)] = []
            let free = slots.count { $0.run == nil }
            while !pending.isEmpty && joining.count < free { joining.append(pending.removeFirst()) }
            condition.unlock()
            for j in joining { admit(j.job, j.ticket, j.onEvent) }
            step()
        }
    }

    /// Puts a job into the free slot whose cached tokens share the longest prefix with its prompt.
    private func admit(_ job: Job, _ ticket: Ticket, _ onEvent: @escaping @Sendable (Event) -> Bool) {
        let ctx = transformer.cache.contextLength
        let sampler: Sampler
        do throws(InferenceError) {
            guard job.maxTokens >= 0 else { throw .invalidParameter(name: "max tokens", value: String(job.maxTokens)) }
            guard !job.prompt.isEmpty else { throw .invalidParameter(name: "prompt", value: "empty") }
            guard job.prompt.count + job.maxTokens <= ctx || job.prompt.count <= ctx && job.maxTokens == 0 else {
                throw .contextOverflow(tokens: job.prompt.count + job.maxTokens, context: ctx)
            }
            sampler = try Sampler(job.sampling)
        } catch {
            _ = onEvent(.failed(error))
            return
        }
        var best: Slot?
        var bestCommon = -1
        for slot in slots where slot.run == nil {
            let common = Self.commonPrefix(slot.cachedTokens, job.prompt)
            if common > bestCommon { best = slot; bestCommon = common }
        }
        guard let slot = best else { preconditionFailure("admit without a free slot") }
        // Always re-evaluate at least the last prompt token so its logits are fresh.
        let common = min(bestCommon, job.prompt.count - 1)
        transformer.cache.truncate(slot.sequence, to: common)
        slot.cachedTokens.removeSubrange(common...)
        slot.run = Running(job: job, ticket: ticket, onEvent: onEvent, sampler: sampler,
                           remaining: job.prompt[common...], history: job.prompt,
                           detokenizer: tokenizer.streamingDetokenizer(),
                           longestStop: job.stop.map(\.utf8.count).max() ?? 0)
        slot.run!.timings.promptN = job.prompt.count - common
    }

    static func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        var n = 0
        while n < min(a.count, b.count) && a[n] == b[n] { n += 1 }
        return n
    }

    /// One forward pass over every active slot, then sampling for the slots that got logits.
    private func step() {
        for slot in slots where slot.run?.ticket.cancelled.load(ordering: .relaxed) == true {
            finish(slot, reason: .stop)
        }
        var tokens: [Int32] = [], positions: [Int] = [], sequences: [Int] = [], logitIndices: [Int] = []
        var sampled: [Slot] = []
        var sequencesInStep = 0
        // Decoding slots first: one token each.
        for slot in slots {
            guard let run = slot.run, let next = run.next else { continue }
            positions.append(transformer.cache.count(of: slot.sequence))
            tokens.append(next)
            sequences.append(slot.sequence)
            logitIndices.append(tokens.count - 1)
            sampled.append(slot)
            sequencesInStep += 1
        }
        // Then prompt chunks within the budget.
        var budget = promptChunk
        for slot in slots where budget > 0 {
            guard var run = slot.run, run.next == nil, !run.remaining.isEmpty else { continue }
            let take = min(budget, run.remaining.count)
            let start = transformer.cache.count(of: slot.sequence)
            let chunk = run.remaining.prefix(take)
            tokens += chunk
            positions += start..<start + take
            sequences += repeatElement(slot.sequence, count: take)
            run.remaining = run.remaining.dropFirst(take)
            budget -= take
            sequencesInStep += 1
            if run.remaining.isEmpty {
                logitIndices.append(tokens.count - 1)
                sampled.append(slot)
            }
            slot.run = run
        }
        guard !tokens.isEmpty else { return }
        do throws(InferenceError) {
            try transformer.forward(tokens: tokens, positions: positions, sequenceIDs: sequences, logitIndices: logitIndices)
        } catch {
            // The batch was validated as a whole, so nothing was written: fail everyone in it.
            for slot in slots where slot.run != nil {
                _ = slot.run!.onEvent(.failed(error))
                transformer.cache.truncate(slot.sequence, to: 0)
                slot.cachedTokens.removeAll()
                slot.run = nil
            }
            return
        }
        for i in tokens.indices {
            slots[sequences[i]].cachedTokens.append(tokens[i])
        }
        condition.lock()
        stats.forwardCalls += 1
        stats.tokensEvaluated += tokens.count
        if sequencesInStep > 1 { stats.sharedSteps += 1 }
        stats.maxSequencesInStep = max(stats.maxSequencesInStep, sequencesInStep)
        condition.unlock()
        for (row, slot) in sampled.enumerated() { sample(slot, row: row) }
    }

    /// Samples the next token of `slot` from logit row `row` and streams what became text.
    private func sample(_ slot: Slot, row: Int) {
        guard var run = slot.run else { return }
        if run.decodeStarted == nil {
            let now = Date()
            run.timings.promptMS = now.timeIntervalSince(run.started) * 1000
            run.decodeStarted = now
        }
        if run.job.maxTokens == 0 {
            slot.run = run
            return finish(slot, reason: .length)
        }
        let next = run.sampler.sample(transformer.logits(row), history: run.history)
        run.generated.append(next)
        run.history.append(next)
        run.next = next
        if tokenizer.isEndOfGeneration(next) {
            slot.run = run
            return finish(slot, reason: .endOfGeneration)
        }
        run.text += run.detokenizer.append(next)
        if let cut = Generator.firstStop(in: run.text, run.job.stop) {
            run.text = String(run.text[..<cut])
            slot.run = run
            return finish(slot, reason: .stop, flush: false)
        }
        let safe = Generator.safePrefixEnd(run.text, holdBack: max(0, run.longestStop - 1))
        if safe > run.emitted {
            let piece = String(decoding: Array(run.text.utf8)[run.emitted..<safe], as: UTF8.self)
            run.emitted = safe
            if !run.onEvent(.piece(piece)) {
                slot.run = run
                return finish(slot, reason: .stop, flush: false)
            }
        }
        slot.run = run
        if run.generated.count >= run.job.maxTokens { return finish(slot, reason: .length) }
    }

    /// Ends the slot's job: the rest of the text, the result, and the slot is free again (its cache
    /// kept for prefix reuse by the next request).
    private func finish(_ slot: Slot, reason: FinishReason, flush: Bool = true) {
        guard var run = slot.run else { return }
        slot.run = nil
        if flush && reason != .stop { run.text += run.detokenizer.flush() }
        if run.text.utf8.count > run.emitted {
            _ = run.onEvent(.piece(String(decoding: Array(run.text.utf8)[run.emitted...], as: UTF8.self)))
        }
        run.timings.predictedN = run.generated.count
        run.timings.predictedMS = run.decodeStarted.map { Date().timeIntervalSince($0) * 1000 } ?? 0
        if run.decodeStarted == nil { run.timings.promptMS = Date().timeIntervalSince(run.started) * 1000 }
        // Counted before the event: a caller that reads the statistics after its stream ended must see it.
        condition.lock()
        stats.jobsCompleted += 1
        condition.unlock()
        // A job cancelled mid-prompt leaves a partly evaluated cache: keep what was evaluated.
        _ = run.onEvent(.finished(GenerationResult(promptIDs: run.job.prompt, generatedIDs: run.generated, text: run.text,
                                                   finishReason: reason, timings: run.timings)))
    }
}
