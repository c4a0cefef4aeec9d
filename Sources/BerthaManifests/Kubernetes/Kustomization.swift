/// `kustomization.yaml` listing the component files (no `namespace:` override: every object names
/// its own namespace, and the Argo CD Applications live in Argo CD's).
public struct Kustomization: Encodable, Sendable, Equatable {
    public var apiVersion = "kustomize.config.k8s.io/v1beta1"
    public var kind = "Kustomization"
    public var resources: [String]

    public init(resources: [String]) { self.resources = resources }
}
