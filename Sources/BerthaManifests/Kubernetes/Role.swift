/// `rbac.authorization.k8s.io/v1/Role`.
public struct Role: Encodable, Sendable, Equatable {
    public struct Rule: Encodable, Sendable, Equatable {
        public var apiGroups: [String]
        public var resources: [String]
        public var verbs: [String]
    }

    public var apiVersion = "rbac.authorization.k8s.io/v1"
    public var kind = "Role"
    public var metadata: ObjectMeta
    public var rules: [Rule]

    public init(metadata: ObjectMeta, rules: [Rule]) {
        self.metadata = metadata
        self.rules = rules
    }
}
