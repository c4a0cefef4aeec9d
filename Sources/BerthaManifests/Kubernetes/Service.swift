/// `v1/Service`.
public struct Service: Encodable, Sendable, Equatable {
    public struct Port: Encodable, Sendable, Equatable {
        public var name: String
        public var port: Int
        public var targetPort: String
        public var `protocol`: String
    }

    public struct Spec: Encodable, Sendable, Equatable {
        public var type: String
        public var selector: StringMap
        public var ports: [Port]
    }

    public var apiVersion = "v1"
    public var kind = "Service"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
