/// `argoproj.io/v1alpha1/Application` (Argo CD): a Helm chart or a git directory.
public struct Application: Encodable, Sendable, Equatable {
    public struct Helm: Encodable, Sendable, Equatable {
        public var releaseName: String
        public var valuesObject: FreeformValue?
    }
    public struct Source: Encodable, Sendable, Equatable {
        public var repoURL: String
        public var chart: String?
        public var path: String?
        public var targetRevision: String
        public var helm: Helm?
    }
    public struct Destination: Encodable, Sendable, Equatable {
        public var server: String
        public var namespace: String
    }
    public struct Automated: Encodable, Sendable, Equatable {
        public var prune: Bool
        public var selfHeal: Bool
    }
    public struct SyncPolicy: Encodable, Sendable, Equatable {
        public var automated: Automated?
        public var syncOptions: [String]
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var project: String
        public var source: Source
        public var destination: Destination
        public var syncPolicy: SyncPolicy
    }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "Application"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
