/// `v1/PersistentVolumeClaim`.
public struct PersistentVolumeClaim: Encodable, Sendable, Equatable {
    public struct Spec: Encodable, Sendable, Equatable {
        public var accessModes: [String]
        public var storageClassName: String?
        public var resources: ResourceRequirements
    }

    public var apiVersion = "v1"
    public var kind = "PersistentVolumeClaim"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, size: String, storageClass: String?, accessMode: String = "ReadWriteOnce") {
        self.metadata = metadata
        spec = Spec(accessModes: [accessMode], storageClassName: storageClass,
                    resources: ResourceRequirements(requests: ["storage": size]))
    }
}
