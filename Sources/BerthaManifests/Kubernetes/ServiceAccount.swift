/// `v1/ServiceAccount`.
public struct ServiceAccount: Encodable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "ServiceAccount"
    public var metadata: ObjectMeta
    public var automountServiceAccountToken: Bool?

    public init(metadata: ObjectMeta, automountServiceAccountToken: Bool? = nil) {
        self.metadata = metadata
        self.automountServiceAccountToken = automountServiceAccountToken
    }
}
