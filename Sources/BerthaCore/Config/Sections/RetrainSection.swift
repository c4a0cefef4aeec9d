/// `retrain:` — `bertha retrain`.
public struct RetrainSection: ConfigSection {
    public static let name = "retrain"
    public static let help = "LoRA fine-tuning and the evaluation gate."

    public var data: [String] = []
    public var rank = 8
    public var alpha = 16.0
    public var dropout = 0.0
    public var targets: [String] = ["q", "k", "v", "o"]
    public var learningRate = 2e-4
    public var steps = 200
    public var batch = 4
    public var ctx = 256
    public var evalSplit = 0.1
    public var evalData = ""
    public var seed = 42
    public var minImprovement = 0.0
    public var maxCanaryRegression = 0.0
    public var outputDir = "data/retrain"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("data", \.data, help: "curated chat datasets (JSONL with messages), paths or s3:// URIs"),
        .init("rank", \.rank, help: "LoRA rank", validate: Check.range(1...1024)),
        .init("alpha", \.alpha, help: "LoRA alpha (scale = alpha / rank)", validate: Check.range(0.0...1e6)),
        .init("dropout", \.dropout, help: "LoRA dropout probability", validate: Check.range(0.0...0.99)),
        .init("targets", \.targets, help: "projections to adapt: q, k, v, o, gate, up, down"),
        .init("learning_rate", \.learningRate, help: "peak AdamW learning rate", validate: Check.range(0.0...1.0)),
        .init("steps", \.steps, help: "optimizer steps", validate: Check.range(1...10_000_000)),
        .init("batch", \.batch, help: "sequences per step", validate: Check.range(1...4096)),
        .init("ctx", \.ctx, help: "training sequence length in tokens", validate: Check.range(8...131_072)),
        .init("eval_split", \.evalSplit, help: "share of examples held out for evaluation", validate: Check.range(0.0...0.9)),
        .init("eval_data", \.evalData, help: "a fixed held-out chat JSONL; empty holds out eval_split of the data"),
        .init("seed", \.seed, help: "seed for the split, initialisation and dropout"),
        .init("min_improvement", \.minImprovement,
              help: "relative eval-loss improvement a run needs to be promoted", validate: Check.range(-1.0...1.0)),
        .init("max_canary_regression", \.maxCanaryRegression,
              help: "largest drop in canary score a promoted run may have", validate: Check.range(0.0...1.0)),
        .init("output_dir", \.outputDir, help: "where checkpoints, adapters and reports are written"),
    ]
}
