import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

@Suite("ChatTemplate")
struct ChatTemplateTests {
    struct Rendering: Decodable, Sendable, CustomTestStringConvertible {
        let id: String
        let prompt: String
        let rendered_prompt: String
        let prompt_ids: [Int32]
        var testDescription: String { id }
    }

    struct File: Decodable {
        let chat_template: String
        let cases: [Rendering]
    }

    static let file: File? = {
        guard let url = try? TestEnvironment.fixture("tokenizer/smollm2-chat-rendering.json"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(File.self, from: data)
    }()

    @Test("SmolLM2's GGUF template is recognised as ChatML with its default system prompt, and renders and tokenizes as jinja2 + llama.cpp did",
          arguments: file?.cases ?? [])
    func smolLMRendering(item: Rendering) throws {
        let tokenizer = try TokenizerFixtures.smolLM.get()
        let template = ChatTemplate(for: tokenizer.vocabulary)
        #expect(template.format == .chatml)
        let rendered = template.render([.user(item.prompt)], addGenerationPrompt: true)
        #expect(rendered == item.rendered_prompt)
        #expect(tokenizer.encode(rendered) == item.prompt_ids)
    }

    @Test("the fixture holds the chat cases") func fixturePresent() { #expect((Self.file?.cases.count ?? 0) == 6) }

    @Test("templates are recognised by their markers", arguments: [
        ("{{'<|im_start|>' + message['role']}}", ChatTemplate.Format.chatml),
        ("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}", .llama3),
        ("{{ '<start_of_turn>' + role + '\n' }}", .gemma),
        ("{{ '[INST] <<SYS>>\\n' + system_message }}", .llama2),
        ("{{ '[INST] ' + message['content'] + '[/INST]' }}", .mistral),
    ])
    func recognise(template: String, format: ChatTemplate.Format) {
        #expect(ChatTemplate(recognizing: template)?.format == format)
    }

    @Test("an unknown template is not guessed") func unknown() {
        #expect(ChatTemplate(recognizing: "{{ messages }}") == nil)
    }

    @Test("Gemma 3 (no template in the file) defaults to the Gemma format")
    func gemmaDefault() throws {
        let tokenizer = try TokenizerFixtures.gemma.get()
        #expect(tokenizer.vocabulary.chatTemplate == nil)
        #expect(ChatTemplate(for: tokenizer.vocabulary).format == .gemma)
    }

    static let conversation: [ChatMessage] = [.system("Be brief."), .user("Hi"), .assistant("Hello."), .user("Bye")]

    @Test("each format renders a multi-turn conversation as the model was trained", arguments: [
        (ChatTemplate.Format.chatml,
         "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"),
        (.llama3,
         "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
        (.gemma,
         "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n"),
        (.llama2,
         "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]"),
        (.mistral,
         "[SYSTEM_PROMPT] Be brief.[/SYSTEM_PROMPT][INST] Hi[/INST] Hello.</s>[INST] Bye[/INST]"),
    ])
    func render(format: ChatTemplate.Format, expected: String) {
        #expect(ChatTemplate(format: format).render(Self.conversation) == expected)
    }

    @Test("Gemma's rendered prompt tokenizes to single turn-marker tokens")
    func gemmaTokens() throws {
        let tokenizer = try TokenizerFixtures.gemma.get()
        let ids = tokenizer.encode(ChatTemplate(format: .gemma).render([.user("Hi")]))
        #expect(ids.first == 2)
        #expect(ids.filter { $0 == 105 }.count == 2)
        #expect(ids.filter { $0 == 106 }.count == 1)
    }
}
