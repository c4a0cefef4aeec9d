/// `model:` — which GGUF the engine runs and how.
public struct ModelSection: ConfigSection {
    public static let name = "model"
    public static let help = "The language model the engine runs: file or registry URI, context, threads, KV cache."

    public var path = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    public var ctx = 2048
    public var threads = 0
    public var batch = 512
    public var kvType = "f16"
    public var chatTemplate = ""
    public var lora = ""
    public var cacheDir = "~/.cache/bertha/models"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("path", \.path, help: "GGUF file, or models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN/path, s3://bucket/key"),
        .init("ctx", \.ctx, help: "context length in tokens (KV cache size per slot)", validate: Check.range(16...1_048_576)),
        .init("threads", \.threads, help: "compute threads; 0 means one per core", validate: Check.range(0...1024)),
        .init("batch", \.batch, help: "prompt tokens evaluated per forward pass", validate: Check.range(1...65_536)),
        .init("kv_type", \.kvType, help: "KV cache element type: f16 or f32", validate: Check.oneOf(["f16", "f32"])),
        .init("chat_template", \.chatTemplate,
              help: "chat template name (chatml, llama2, llama3, gemma, mistral); empty means detect from the model"),
        .init("lora", \.lora, help: "LoRA adapter GGUF applied at load time; empty for none"),
        .init("cache_dir", \.cacheDir, help: "content-addressed cache for models resolved from MLflow or S3"),
    ]
}
