/// `kubernetes:` — what `bertha render-manifests` writes.
public struct KubernetesSection: ConfigSection {
    public static let name = "kubernetes"
    public static let help = "Names, image and sizes of the Kubernetes stack."

    public var namespace = "bertha"
    public var image = "ghcr.io/bertha-llmops/bertha"
    public var tag = "0.1.0"
    public var replicas = 1
    public var storageClass = ""
    public var host = ""
    public var cpuRequest = "2"
    public var memoryRequest = "2Gi"
    public var memoryLimit = "4Gi"
    public var modelCacheSize = "5Gi"
    public var apiKeySecret = "bertha-api-key"
    public var s3Secret = "bertha-s3"
    public var gitRepo = "https://github.com/bertha-llmops/bertha.git"
    public var gitPath = "manifests"
    public var autoSync = true
    public var name = "bertha"
    public var servicePort = 80
    public var maxReplicas = 0
    public var cpuTarget = 70
    public var s3Endpoint = ""
    public var ingestPrefix = ""
    public var ingestSuffix = ""
    public var argocdNamespace = "argocd"
    public var retrainDeadline = 21_600
    public var retries = 2
    public var prometheusRelease = "kube-prometheus-stack"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("namespace", \.namespace, help: "namespace everything is deployed to", validate: Check.dns1123Label),
        .init("image", \.image, help: "container image of bertha"),
        .init("tag", \.tag, help: "image tag"),
        .init("replicas", \.replicas, help: "serve replicas", validate: Check.range(0...1000)),
        .init("storage_class", \.storageClass, help: "storage class for volumes; empty for the cluster default"),
        .init("host", \.host, help: "ingress host for the chat page and API; empty for no ingress"),
        .init("cpu_request", \.cpuRequest, help: "CPU request of the serve container"),
        .init("memory_request", \.memoryRequest, help: "memory request of the serve container"),
        .init("memory_limit", \.memoryLimit, help: "memory limit of the serve container"),
        .init("model_cache_size", \.modelCacheSize, help: "size of the model cache volume"),
        .init("api_key_secret", \.apiKeySecret, help: "Secret holding the API key (key api-key)", validate: Check.dns1123Label),
        .init("s3_secret", \.s3Secret, help: "Secret holding S3 credentials (accesskey, secretkey)", validate: Check.dns1123Label),
        .init("git_repo", \.gitRepo, help: "git repository Argo CD syncs bertha's manifests from"),
        .init("git_path", \.gitPath, help: "folder of the manifests in that repository"),
        .init("auto_sync", \.autoSync, help: "Argo CD automated sync with prune and self-heal"),
        .init("name", \.name, help: "name of the serve Deployment, Service and prefix of every other object",
              validate: Check.dns1123Label),
        .init("service_port", \.servicePort, help: "port of the Service in front of bertha serve (port name http)",
              validate: Check.range(1...65535)),
        .init("max_replicas", \.maxReplicas, help: "HorizontalPodAutoscaler maximum; 0 for no autoscaler",
              validate: Check.range(0...1000)),
        .init("cpu_target", \.cpuTarget, help: "CPU utilization (percent of the request) the autoscaler keeps",
              validate: Check.range(1...100)),
        .init("s3_endpoint", \.s3Endpoint, help: "S3 endpoint inside the cluster; empty for the MinIO chart's Service"),
        .init("ingest_prefix", \.ingestPrefix, help: "only objects under this key prefix of the bucket are ingested"),
        .init("ingest_suffix", \.ingestSuffix, help: "only objects whose key ends with this are ingested"),
        .init("argocd_namespace", \.argocdNamespace, help: "namespace Argo CD runs in (its Applications live there)",
              validate: Check.dns1123Label),
        .init("retrain_deadline", \.retrainDeadline, help: "seconds a retraining workflow may run before it is stopped",
              validate: Check.atLeast(60)),
        .init("retries", \.retries, help: "retries of each workflow step on failure", validate: Check.range(0...10)),
        .init("prometheus_release", \.prometheusRelease,
              help: "release label kube-prometheus-stack selects ServiceMonitors and PrometheusRules by",
              validate: Check.dns1123Label),
    ]
}
