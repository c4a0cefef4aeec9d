/// `autoscaling/v2/HorizontalPodAutoscaler` scaling on CPU utilization.
public struct HorizontalPodAutoscaler: Encodable, Sendable, Equatable {
    public struct Target: Encodable, Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var name: String
    }
    public struct Metric: Encodable, Sendable, Equatable {
        public struct Resource: Encodable, Sendable, Equatable {
            public struct Goal: Encodable, Sendable, Equatable {
                public var type: String
                public var averageUtilization: Int
            }
            public var name: String
            public var target: Goal
        }
        public var type: String
        public var resource: Resource
    }
    public struct Spec: Encodable, Sendable, Equatable {
        public var scaleTargetRef: Target
        public var minReplicas: Int
        public var maxReplicas: Int
        public var metrics: [Metric]
    }

    public var apiVersion = "autoscaling/v2"
    public var kind = "HorizontalPodAutoscaler"
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(metadata: ObjectMeta, deployment: String, minReplicas: Int, maxReplicas: Int, cpuUtilization: Int) {
        self.metadata = metadata
        spec = Spec(scaleTargetRef: Target(apiVersion: "apps/v1", kind: "Deployment", name: deployment),
                    minReplicas: minReplicas, maxReplicas: maxReplicas,
                    metrics: [Metric(type: "Resource", resource: .init(
                        name: "cpu", target: .init(type: "Utilization", averageUtilization: cpuUtilization)))])
    }
}
