/// `argoproj.io/v1alpha1/Sensor`: on an event, submit a Workflow from a WorkflowTemplate.
public struct Sensor: Encodable, Sendable, Equatable {
    public struct Template: Encodable, Sendable, Equatable { public var serviceAccountName: String }
    public struct Dependency: Encodable, Sendable, Equatable {
        public var name: String
        public var eventSourceName: String
        public var eventName: String
    }
    public struct ParameterSource: Encodable, Sendable, Equatable {
        public var dependencyName: String
        public var dataKey: String
        public var value: String?
    }
    public struct Parameter: Encodable, Sendable, Equatable {
        public var src: ParameterSource
        public var dest: String
    }
    public struct ArgoWorkflowTrigger: Encodable, Sendable, Equatable {
        public struct Source: Encodable, Sendable, Equatable { public var resource: Workflow }
        public var operation: String
        public var source: Source
        public var parameters: [Parameter]
    }
    public struct TriggerTemplate: Encodable, Sendable, Equatable {
        public var name: String
        public var argoWorkflow: ArgoWorkflowTrigger
    }
    public struct RetryStrategy: Encodable, Sendable, Equatable { public var steps: Int }
    public struct Trigger: Encodable, Sendable, Equatable {
        public var template: TriggerTemplate
        public var retryStrategy: RetryStrategy?
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var eventBusName: String
        public var template: Template
        public var dependencies: [Dependency]
        public var triggers: [Trigger]
    }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "Sensor"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
