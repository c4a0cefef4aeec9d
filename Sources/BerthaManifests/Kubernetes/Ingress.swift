/// `networking.k8s.io/v1/Ingress` for one host, all paths to one Service port.
public struct Ingress: Encodable, Sendable, Equatable {
    public struct Backend: Encodable, Sendable, Equatable {
        public struct ServiceRef: Encodable, Sendable, Equatable {
            public struct Port: Encodable, Sendable, Equatable { public var name: String }
            public var name: String
            public var port: Port
        }
        public var service: ServiceRef
    }
    public struct Path: Encodable, Sendable, Equatable {
        public var path: String
        public var pathType: String
        public var backend: Backend
    }
    public struct Rule: Encodable, Sendable, Equatable {
        public struct HTTP: Encodable, Sendable, Equatable { public var paths: [Path] }
        public var host: String
        public var http: HTTP
    }
    public struct Spec: Encodable, Sendable, Equatable { public var rules: [Rule] }

    public var apiVersion = "networking.k8s.io/v1"
    public var kind = "Ingress"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, host: String, service: String, portName: String) {
        self.metadata = metadata
        let backend = Backend(service: .init(name: service, port: .init(name: portName)))
        spec = Spec(rules: [Rule(host: host, http: .init(paths: [Path(path: "/", pathType: "Prefix", backend: backend)]))])
    }
}
