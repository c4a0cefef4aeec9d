import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation

/// `Tests/Fixtures/engine/logits-*.json`: per-position top-10 logits of llama.cpp and of an fp32
/// transformers forward over the same GGUF (format: /work/shared/fixtures/logits/README.md).
struct LogitsFixture: Decodable {
    struct Position: Decodable {
        let pos: Int
        let token: Int32
        let llamacpp_top10: [[Double]]
        let hf_top10: [[Double]]
    }
    struct Case: Decodable {
        let prompt: String
        let ids: [Int32]
        let positions: [Position]
    }
    let model_file: String
    let cases: [Case]
}

/// `Tests/Fixtures/engine/generation-*.json`: llama.cpp greedy continuations with the top-2 margin
/// of every step (format: /work/shared/fixtures/generation/README.md).
struct GenerationFixture: Decodable {
    struct Case: Decodable {
        let id: String
        let prompt_ids: [Int32]
        let completion_ids: [Int32]
        let top2_margin: [Double]
        let runner_up_ids: [Int32]
    }
    let model_file: String
    let cases: [Case]
}

enum ReferenceModels {
    static let smollm = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let gemma = "gemma-3-270m-q4_k_m.gguf"

    /// The fixture stem of each model file.
    static func stem(_ model: String) -> String {
        model == smollm ? "smollm2-135m-instruct-q4_1" : "gemma-3-270m-q4_k_m"
    }

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let url = try TestEnvironment.fixture("engine/\(name)")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static func weights(_ model: String) throws -> ModelWeights {
        try ModelWeights(file: GGUFFile(path: TestEnvironment.model(model).path))
    }
}

/// Index of the largest value (lowest index on ties, like the fixtures' argmax).
func argmax(_ values: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return Int32(best)
}
