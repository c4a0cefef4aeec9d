/// OpenAI's error envelope: `{"error":{"message","type","param","code"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var message: String
        var type: String
        var param: String?
        var code: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(message, forKey: .message)
            try c.encode(type, forKey: .type)
            if let param { try c.encode(param, forKey: .param) } else { try c.encodeNil(forKey: .param) }
            if let code { try c.encode(code, forKey: .code) } else { try c.encodeNil(forKey: .code) }
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code }
    }

    var error: Detail

    init(_ error: ServerError) {
        self.error = Detail(message: error.message, type: error.type, param: error.param, code: error.code)
    }
}
