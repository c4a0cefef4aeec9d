/// `rbac.authorization.k8s.io/v1/RoleBinding` of a Role to one ServiceAccount.
public struct RoleBinding: Encodable, Sendable, Equatable {
    public struct RoleRef: Encodable, Sendable, Equatable {
        public var apiGroup: String
        public var kind: String
        public var name: String
    }
    public struct Subject: Encodable, Sendable, Equatable {
        public var kind: String
        public var name: String
        public var namespace: String
    }

    public var apiVersion = "rbac.authorization.k8s.io/v1"
    public var kind = "RoleBinding"
    public var metadata: ObjectMeta
    public var roleRef: RoleRef
    public var subjects: [Subject]

    public init(metadata: ObjectMeta, role: String, serviceAccount: String, namespace: String) {
        self.metadata = metadata
        roleRef = RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role)
        subjects = [Subject(kind: "ServiceAccount", name: serviceAccount, namespace: namespace)]
    }
}
