import BerthaInference

/// Turns OpenAI request fields into a validated `GenerationRequest`; every rejection names the field.
enum RequestTranslation {
    static func generationRequest(prompt: String, _ s: SamplingFields) throws(ServerError) -> GenerationRequest {
        var request = GenerationRequest(prompt: prompt)
        if let n = s.n, n != 1 {
            throw .invalidRequest(message: "Only n=1 is supported.", param: "n")
        }
        if let t = s.temperature {
            guard (0...2).contains(t) else { throw .invalidRequest(message: "temperature must be between 0 and 2.", param: "temperature") }
            request.sampling.temperature = Float(t)
        }
        if let p = s.topP {
            guard (0...1).contains(p) else { throw .invalidRequest(message: "top_p must be between 0 and 1.", param: "top_p") }
            // top_p 0 means "only the most likely token"; the sampler needs a positive bound.
            request.sampling.topP = Float(max(p, Double(Float.leastNonzeroMagnitude)))
        }
        if let k = s.topK {
            guard k >= 0 else { throw .invalidRequest(message: "top_k must be 0 (disabled) or positive.", param: "top_k") }
            request.sampling.topK = k
        }
        if let m = s.minP {
            guard (0...1).contains(m) else { throw .invalidRequest(message: "min_p must be between 0 and 1.", param: "min_p") }
            request.sampling.minP = Float(m)
        }
        let maxTokens = s.maxCompletionTokens ?? s.maxTokens
        if let maxTokens {
            guard maxTokens >= 1 else {
                throw .invalidRequest(message: "max_tokens must be at least 1.",
                                      param: s.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens")
            }
            request.maxTokens = maxTokens
        }
        if let stop = s.stop?.values {
            guard stop.count <= 4, !stop.contains(where: \.isEmpty) else {
                throw .invalidRequest(message: "stop takes up to 4 non-empty strings.", param: "stop")
            }
            request.stop = stop
        }
        // Without a seed each request gets a fresh one; with it, the same request gives the same text.
        request.sampling.seed = s.seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: 0...UInt64.max)
        if let p = s.presencePenalty {
            guard (-2...2).contains(p) else { throw .invalidRequest(message: "presence_penalty must be between -2 and 2.", param: "presence_penalty") }
            request.sampling.presencePenalty = Float(p)
        }
        if let p = s.frequencyPenalty {
            guard (-2...2).contains(p) else { throw .invalidRequest(message: "frequency_penalty must be between -2 and 2.", param: "frequency_penalty") }
            request.sampling.frequencyPenalty = Float(p)
        }
        if let p = s.repeatPenalty {
            guard p > 0 else { throw .invalidRequest(message: "repeat_penalty must be positive.", param: "repeat_penalty") }
            request.sampling.repeatPenalty = Float(p)
        }
        if let bias = s.logitBias {
            for (key, value) in bias {
                guard let id = Int32(key), id >= 0 else {
                    throw .invalidRequest(message: "logit_bias keys must be token ids, got '\(key)'.", param: "logit_bias")
                }
                guard (-100...100).contains(value) else {
                    throw .invalidRequest(message: "logit_bias values must be between -100 and 100.", param: "logit_bias")
                }
                request.sampling.logitBias[id] = Float(value)
            }
        }
        return request
    }
}
