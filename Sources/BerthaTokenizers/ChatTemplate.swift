/// Renders a conversation into the prompt text a chat model was trained on.
///
/// Jinja is not interpreted: like llama.cpp's `llm_chat_detect_template`, the model's
/// `tokenizer.chat_template` is recognised by its markers and rendered by a built-in formatter.
/// BOS is not written here; the tokenizer adds it when the vocabulary asks for it.
public struct ChatTemplate: Sendable, Equatable {
    /// The formats bertha renders.
    public enum Format: String, Sendable, Equatable, CaseIterable, Codable {
        /// `<|im_start|>role\ncontent<|im_end|>\n` (Qwen, SmolLM, many fine-tunes).
        case chatml
        /// `[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] assistant </s>` (Llama 2 chat).
        case llama2
        /// `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` (Llama 3.x).
        case llama3
        /// `<start_of_turn>user\ncontent<end_of_turn>\n`, assistant as `model`, system folded into
        /// the first user turn (Gemma 1–3).
        case gemma
        /// `[SYSTEM_PROMPT] system[/SYSTEM_PROMPT][INST] user[/INST] assistant</s>` (Mistral v7).
        case mistral
    }

    public var format: Format
    /// A system message the template inserts when the conversation has none (SmolLM2's
    /// "You are a helpful AI assistant named SmolLM, …"), read from the template text.
    public var defaultSystemPrompt: String?

    public init(format: Format, defaultSystemPrompt: String? = nil) {
        self.format = format
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// The template named `name` (`chatml`, `llama2`, `llama3`, `gemma`, `mistral`), or nil.
    public init?(named name: String) {
        guard let format = Format(rawValue: name.lowercased()) else { return nil }
        self.init(format: format)
    }

    /// Recognises a Jinja chat template by its markers, or nil when none matches.
    public init?(recognizing template: String) {
        let format: Format
        if template.contains("<|im_start|>") {
            format = .chatml
        } else if template.contains("<|start_header_id|>"), template.contains("<|end_header_id|>") {
            format = .llama3
        } else if template.contains("<start_of_turn>") {
            format = .gemma
        } else if template.contains("[INST]") {
            format = template.contains("<<SYS>>") ? .llama2 : .mistral
        } else {
            return nil
        }
        self.init(format: format, defaultSystemPrompt: Self.defaultSystemPrompt(in: template, format: format))
    }

    /// The template for a model: its own `tokenizer.chat_template` when recognised; otherwise
    /// Gemma for Gemma vocabularies (`<start_of_turn>`), ChatML for everything else.
    public init(for vocabulary: TokenizerVocabulary) {
        if let template = vocabulary.chatTemplate, let recognised = ChatTemplate(recognizing: template) {
            self = recognised
        } else if vocabulary.tokens.contains("<start_of_turn>") {
            self.init(format: .gemma)
        } else {
            self.init(format: .chatml)
        }
    }

    /// A ChatML system turn written literally in a template that adds it when the first message
    /// is not a system message.
    static func defaultSystemPrompt(in template: String, format: Format) -> String? {
        guard format == .chatml, template.contains("!= 'system'") || template.contains("!= \"system\"") else {
            return nil
        }
        let marker = "<|im_start|>system"
        guard let start = template.range(of: marker) else { return nil }
        var rest = template[start.upperBound...]
        if rest.hasPrefix("\\n") { rest = rest.dropFirst(2) } else if rest.hasPrefix("\n") { rest = rest.dropFirst() } else { return nil }
        guard let end = rest.range(of: "<|im_end|>") else { return nil }
        let text = rest[..<end.lowerBound]
        // A Jinja expression (`' + message['content'] + '`) means it is not a literal prompt.
        if text.contains("'") || text.contains("{") { return nil }
        return text.replacingOccurrences(of: "\\n", with: "\n")
    }

    /// Renders `messages`.
    /// - Parameters:
    ///   - messages: the conversation, oldest first.
    ///   - addGenerationPrompt: end with the opening of an assistant turn.
    /// - Returns: the prompt text (with special-token text, to be encoded with `parseSpecial`).
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var messages = messages
        if let defaultSystemPrompt, messages.first?.role != "system" {
            messages.insert(.system(defaultSystemPrompt), at: 0)
        }
        var out = ""
        switch format {
        case .chatml:
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            for m in messages { out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content)<|eot_id|>" }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .gemma:
            var system = ""
            for m in messages {
                switch m.role {
                case "system":
                    system += m.content + "\n\n"
                default:
                    let role = m.role == "assistant" ? "model" : m.role
                    out += "<start_of_turn>\(role)\n\(system)\(m.content)<end_of_turn>\n"
                    system = ""
                }
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        case .llama2:
            var system: String?
            var first = true
            for m in messages {
                switch m.role {
                case "system":
                    system = m.content
                case "user":
                    out += (first ? "" : "<s>") + "[INST] "
                    if let s = system { out += "<<SYS>>\n\(s)\n<</SYS>>\n\n"; system = nil }
                    out += "\(m.content) [/INST]"
                    first = false
                default:
                    out += " \(m.content) </s>"
                }
            }
        case .mistral:
            for m in messages {
                switch m.role {
                case "system": out += "[SYSTEM_PROMPT] \(m.content)[/SYSTEM_PROMPT]"
                case "user": out += "[INST] \(m.content)[/INST]"
                default: out += " \(m.content)</s>"
                }
            }
        }
        return out
    }
}
