import ArgumentParser
import BerthaCore
import BerthaInference
import BerthaMLflow
import BerthaTokenizers
import Foundation

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate a completion from a prompt or a chat turn with a GGUF model, streaming the text.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The GGUF model file or a models:/, runs:/, s3:// URI (default: model.path from the configuration).")
    var model: String?

    @Option(name: .shortAndLong, help: "The prompt text.")
    var prompt: String

    @Flag(help: "Render the prompt as a user message with the model's chat template.")
    var chat = false

    @Option(help: "System message for --chat.")
    var system: String?

    @Option(name: .customShort("n"), help: "Most tokens to generate.")
    var maxTokens = 128

    @Option(help: "Temperature; 0 is greedy.")
    var temp: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Top-k (0 disables).")
    var topK = 40

    @Option(name: .customLong("top-p"), help: "Top-p (1 disables).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Min-p (0 disables).")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty over the last 64 tokens (1 disables).")
    var repeatPenalty: Float = 1

    @Option(help: "Random seed (same seed, same output).")
    var seed: UInt64 = 0

    @Option(help: "Stop string (repeatable).")
    var stop: [String] = []

    @Option(help: "Context length in tokens (model.ctx).")
    var ctx: Int?

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Compute threads; 0 means one per core (model.threads).")
    var threads: Int?

    @Option(help: "LoRA adapter GGUF (llama.cpp's format, e.g. from bertha retrain) applied on top of the model (model.lora).")
    var lora: String?

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("-n must be 0 or more") }
        guard system == nil || chat else { throw ValidationError("--system needs --chat") }
    }

    struct Output: Encodable {
        let model: String
        let prompt_ids: [Int32]
        let generated_ids: [Int32]
        let text: String
        let finish_reason: String
        let timings: GenerationTimings
        let load_ms: Double
    }

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("model.ctx", ctx, flag: "--ctx")
        flags.add("model.threads", threads, flag: "--threads")
        flags.add("model.lora", lora, flag: "--lora")
        let full = try global.loadConfig(flags).config
        let config = full.model
        let path = try await ModelReference.localPath(model ?? config.path, config: full).path
        let loaded = try LoadedModel(path: path, contextLength: config.ctx, threads: config.threads, batchSize: config.batch,
                                     kvType: KVCacheType(rawValue: config.kvType) ?? .f16,
                                     lora: config.lora.isEmpty ? nil : config.lora)
        let text: String
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            text = loaded.chatTemplate.render(messages)
        } else {
            text = prompt
        }
        let ids = loaded.tokenizer.encode(text)
        var sampling = SamplingParameters()
        sampling.temperature = temp
        sampling.topK = topK
        sampling.topP = topP
        sampling.minP = minP
        sampling.repeatPenalty = repeatPenalty
        sampling.seed = seed
        let generator = Generator(transformer: loaded.transformer, tokenizer: loaded.tokenizer)
        let stream = !global.json
        let result = try generator.generate(prompt: ids, sampling: sampling, maxTokens: maxTokens, stop: stop) { piece in
            if stream { FileHandle.standardOutput.write(Data(piece.utf8)) }
            return true
        }
        if global.json {
            try printJSON(Output(model: path, prompt_ids: result.promptIDs, generated_ids: result.generatedIDs, text: result.text,
                                 finish_reason: result.finishReason.rawValue, timings: result.timings,
                                 load_ms: loaded.loadSeconds * 1000))
        } else {
            FileHandle.standardOutput.write(Data("\n".utf8))
            if !global.quiet {
                let t = result.timings
                FileHandle.standardError.write(Data(String(
                    format: "prompt: %d tokens in %.1f ms (%.1f t/s); generated: %d tokens in %.1f ms (%.1f t/s); %@\n",
                    t.promptN, t.promptMS, t.promptPerSecond, t.predictedN, t.predictedMS, t.predictedPerSecond,
                    result.finishReason.rawValue).utf8))
            }
        }
    }
}
