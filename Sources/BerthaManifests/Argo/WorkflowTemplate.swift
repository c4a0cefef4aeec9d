/// `argoproj.io/v1alpha1/WorkflowTemplate` (the fields bertha's pipelines use).
public struct WorkflowTemplate: Encodable, Sendable, Equatable {
    public struct Parameter: Encodable, Sendable, Equatable {
        public var name: String
        public var value: String?
        public var valueFrom: ValueFrom?
        public init(name: String, value: String? = nil, valueFrom: ValueFrom? = nil) {
            self.name = name
            self.value = value
            self.valueFrom = valueFrom
        }
    }
    public struct ValueFrom: Encodable, Sendable, Equatable {
        public var path: String
        public var `default`: String?
    }
    public struct Arguments: Encodable, Sendable, Equatable {
        public var parameters: [Parameter]?
        public var artifacts: [Artifact]?
        public init(parameters: [Parameter]? = nil, artifacts: [Artifact]? = nil) {
            self.parameters = parameters
            self.artifacts = artifacts
        }
    }
    public struct RawArtifact: Encodable, Sendable, Equatable { public var data: String }
    public struct Artifact: Encodable, Sendable, Equatable {
        public var name: String
        public var path: String?
        public var from: String?
        public var raw: RawArtifact?
        public var optional: Bool?
        public init(name: String, path: String? = nil, from: String? = nil, raw: RawArtifact? = nil, optional: Bool? = nil) {
            self.name = name
            self.path = path
            self.from = from
            self.raw = raw
            self.optional = optional
        }
    }
    public struct Inputs: Encodable, Sendable, Equatable {
        public var parameters: [Parameter]?
        public var artifacts: [Artifact]?
    }
    public struct Outputs: Encodable, Sendable, Equatable {
        public var parameters: [Parameter]?
        public var artifacts: [Artifact]?
    }
    public struct RetryStrategy: Encodable, Sendable, Equatable {
        public struct Backoff: Encodable, Sendable, Equatable {
            public var duration: String
            public var factor: Int
            public var maxDuration: String
        }
        public var limit: Int
        public var retryPolicy: String
        public var backoff: Backoff
    }
    public struct DAGTask: Encodable, Sendable, Equatable {
        public var name: String
        public var template: String
        public var dependencies: [String]?
        public var when: String?
        public var arguments: Arguments?
    }
    public struct DAG: Encodable, Sendable, Equatable { public var tasks: [DAGTask] }
    public struct Template: Encodable, Sendable, Equatable {
        public var name: String
        public var inputs: Inputs?
        public var outputs: Outputs?
        public var dag: DAG?
        public var container: Container?
        public var volumes: [Volume]?
        public var retryStrategy: RetryStrategy?
        public var activeDeadlineSeconds: Int?
    }
    public struct Mutex: Encodable, Sendable, Equatable { public var name: String }
    public struct Synchronization: Encodable, Sendable, Equatable { public var mutexes: [Mutex] }
    public struct TTLStrategy: Encodable, Sendable, Equatable {
        public var secondsAfterSuccess: Int
        public var secondsAfterFailure: Int
    }
    public struct PodGC: Encodable, Sendable, Equatable { public var strategy: String }
    public struct S3Artifacts: Encodable, Sendable, Equatable {
        public var endpoint: String
        public var bucket: String
        public var region: String
        public var insecure: Bool
        public var keyFormat: String
        public var accessKeySecret: SecretKeySelector
        public var secretKeySecret: SecretKeySelector
    }
    public struct ArtifactRepositoryRef: Encodable, Sendable, Equatable {
        public var configMap: String
        public var key: String
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var entrypoint: String
        public var serviceAccountName: String
        public var arguments: Arguments?
        public var activeDeadlineSeconds: Int?
        public var synchronization: Synchronization?
        public var ttlStrategy: TTLStrategy
        public var podGC: PodGC
        public var securityContext: PodSecurityContext
        public var artifactRepositoryRef: ArtifactRepositoryRef?
        public var templates: [Template]
    }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "WorkflowTemplate"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
