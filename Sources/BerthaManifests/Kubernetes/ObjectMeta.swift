/// `metadata` of every object (the fields bertha sets).
public struct ObjectMeta: Encodable, Sendable, Equatable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var labels: StringMap?
    public var annotations: StringMap?

    public init(name: String? = nil, generateName: String? = nil, namespace: String? = nil,
                labels: StringMap? = nil, annotations: StringMap? = nil) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

/// `spec.selector` of workloads, PDBs and Services' equivalents.
public struct LabelSelector: Encodable, Sendable, Equatable {
    public var matchLabels: StringMap
    public init(matchLabels: StringMap) { self.matchLabels = matchLabels }
}
