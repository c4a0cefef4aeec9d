/// `argoproj.io/v1alpha1/Workflow` that runs a WorkflowTemplate with arguments (what Sensors submit).
public struct Workflow: Encodable, Sendable, Equatable {
    public struct TemplateRef: Encodable, Sendable, Equatable { public var name: String }
    public struct Spec: Encodable, Sendable, Equatable {
        public var workflowTemplateRef: TemplateRef
        public var arguments: WorkflowTemplate.Arguments
    }

    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "Workflow"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(generateName: String, namespace: String, template: String, parameters: [String]) {
        metadata = ObjectMeta(generateName: generateName, namespace: namespace)
        spec = Spec(workflowTemplateRef: TemplateRef(name: template),
                    arguments: .init(parameters: parameters.map { .init(name: $0, value: "") }))
    }
}
