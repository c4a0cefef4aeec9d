/// `spec.template` of a Deployment.
public struct PodTemplateSpec: Encodable, Sendable, Equatable {
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public init(metadata: ObjectMeta, spec: PodSpec) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// `PodSpec` (the fields bertha sets). Also the shape Argo embeds for its pods' security context.
public struct PodSpec: Encodable, Sendable, Equatable {
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var securityContext: PodSecurityContext?
    public var terminationGracePeriodSeconds: Int?
    public var containers: [Container]
    public var volumes: [Volume]?

    public init(serviceAccountName: String? = nil, automountServiceAccountToken: Bool? = nil,
                securityContext: PodSecurityContext? = nil, terminationGracePeriodSeconds: Int? = nil,
                containers: [Container], volumes: [Volume]? = nil) {
        self.serviceAccountName = serviceAccountName
        self.automountServiceAccountToken = automountServiceAccountToken
        self.securityContext = securityContext
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.containers = containers
        self.volumes = volumes
    }
}

/// Pod-level `securityContext`.
public struct PodSecurityContext: Encodable, Sendable, Equatable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var fsGroup: Int?
    public var seccompProfile: SeccompProfile?

    /// The non-root user the Dockerfile creates (uid/gid 10001).
    public static let berthaUser = PodSecurityContext(
        runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001,
        seccompProfile: SeccompProfile(type: "RuntimeDefault"))
}

public struct SeccompProfile: Encodable, Sendable, Equatable {
    public var type: String
}

/// A container (the fields bertha sets).
public struct Container: Encodable, Sendable, Equatable {
    public var name: String
    public var image: String
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvVar]?
    public var ports: [ContainerPort]?
    public var resources: ResourceRequirements?
    public var volumeMounts: [VolumeMount]?
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var securityContext: SecurityContext?

    public init(name: String, image: String, imagePullPolicy: String? = nil, command: [String]? = nil,
                args: [String]? = nil, env: [EnvVar]? = nil, ports: [ContainerPort]? = nil,
                resources: ResourceRequirements? = nil, volumeMounts: [VolumeMount]? = nil,
                livenessProbe: Probe? = nil, readinessProbe: Probe? = nil, startupProbe: Probe? = nil,
                securityContext: SecurityContext? = nil) {
        self.name = name
        self.image = image
        self.imagePullPolicy = imagePullPolicy
        self.command = command
        self.args = args
        self.env = env
        self.ports = ports
        self.resources = resources
        self.volumeMounts = volumeMounts
        self.livenessProbe = livenessProbe
        self.readinessProbe = readinessProbe
        self.startupProbe = startupProbe
        self.securityContext = securityContext
    }
}

/// An environment variable, literal or from a Secret key.
public struct EnvVar: Encodable, Sendable, Equatable {
    public struct Source: Encodable, Sendable, Equatable {
        public var secretKeyRef: SecretKeySelector
    }

    public var name: String
    public var value: String?
    public var valueFrom: Source?

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(name: String, secret: String, key: String, optional: Bool? = nil) {
        self.name = name
        valueFrom = Source(secretKeyRef: SecretKeySelector(name: secret, key: key, optional: optional))
    }
}

/// A key of a Secret (`secretKeyRef`; Argo Events uses the same shape for credentials).
public struct SecretKeySelector: Encodable, Sendable, Equatable {
    public var name: String
    public var key: String
    public var optional: Bool?
    public init(name: String, key: String, optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

public struct ContainerPort: Encodable, Sendable, Equatable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?
}

/// Requests and limits as Kubernetes quantities (`"2"`, `"4Gi"`).
public struct ResourceRequirements: Encodable, Sendable, Equatable {
    public var requests: StringMap?
    public var limits: StringMap?
    public init(requests: StringMap? = nil, limits: StringMap? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

public struct VolumeMount: Encodable, Sendable, Equatable {
    public var name: String
    public var mountPath: String
    public var readOnly: Bool?
    public init(name: String, mountPath: String, readOnly: Bool? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
    }
}

/// A pod volume: a ConfigMap, a PVC or an emptyDir.
public struct Volume: Encodable, Sendable, Equatable {
    public struct ConfigMapSource: Encodable, Sendable, Equatable { public var name: String }
    public struct ClaimSource: Encodable, Sendable, Equatable { public var claimName: String }
    public struct EmptyDirSource: Encodable, Sendable, Equatable { public var sizeLimit: String? }

    public var name: String
    public var configMap: ConfigMapSource?
    public var persistentVolumeClaim: ClaimSource?
    public var emptyDir: EmptyDirSource?

    public static func configMap(_ name: String, volume: String) -> Volume {
        Volume(name: volume, configMap: ConfigMapSource(name: name))
    }
    public static func claim(_ claim: String, volume: String) -> Volume {
        Volume(name: volume, persistentVolumeClaim: ClaimSource(claimName: claim))
    }
    public static func emptyDir(_ volume: String, sizeLimit: String? = nil) -> Volume {
        Volume(name: volume, emptyDir: EmptyDirSource(sizeLimit: sizeLimit))
    }
}

/// An HTTP GET probe against a named container port.
public struct Probe: Encodable, Sendable, Equatable {
    public struct HTTPGet: Encodable, Sendable, Equatable {
        public var path: String
        public var port: String
    }

    public var httpGet: HTTPGet
    public var initialDelaySeconds: Int?
    public var periodSeconds: Int?
    public var timeoutSeconds: Int?
    public var failureThreshold: Int?

    public init(path: String, port: String, initialDelaySeconds: Int? = nil, periodSeconds: Int? = nil,
                timeoutSeconds: Int? = nil, failureThreshold: Int? = nil) {
        httpGet = HTTPGet(path: path, port: port)
        self.initialDelaySeconds = initialDelaySeconds
        self.periodSeconds = periodSeconds
        self.timeoutSeconds = timeoutSeconds
        self.failureThreshold = failureThreshold
    }
}

/// Container-level `securityContext`.
public struct SecurityContext: Encodable, Sendable, Equatable {
    public struct Capabilities: Encodable, Sendable, Equatable { public var drop: [String] }

    public var runAsNonRoot: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var capabilities: Capabilities?

    /// Non-root, read-only root filesystem, no privilege escalation, every capability dropped.
    public static let restricted = SecurityContext(
        runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        capabilities: Capabilities(drop: ["ALL"]))
}
