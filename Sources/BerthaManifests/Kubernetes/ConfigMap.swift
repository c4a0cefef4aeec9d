/// `v1/ConfigMap`.
public struct ConfigMap: Encodable, Sendable, Equatable {
    public var apiVersion = "v1"
    public var kind = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: StringMap

    public init(metadata: ObjectMeta, data: StringMap) {
        self.metadata = metadata
        self.data = data
    }
}
