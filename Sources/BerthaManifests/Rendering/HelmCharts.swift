/// The dependency charts bertha's Argo CD app-of-apps installs, pinned. Versions were taken from
/// the charts' `Chart.yaml` in their repositories; bump them deliberately, never float.
public struct HelmChart: Sendable, Equatable {
    public var release: String
    public var chart: String
    public var repoURL: String
    public var version: String
    /// Namespace of the release; nil for bertha's own namespace.
    public var namespace: String?
    /// Argo CD sync wave: operators and their CRDs first, then stores, then bertha.
    public var wave: Int

    public static let kubePrometheusStack = HelmChart(
        release: "kube-prometheus-stack", chart: "kube-prometheus-stack",
        repoURL: "https://prometheus-community.github.io/helm-charts", version: "67.8.0", namespace: "monitoring", wave: -3)
    public static let argoWorkflows = HelmChart(
        release: "argo-workflows", chart: "argo-workflows",
        repoURL: "https://argoproj.github.io/argo-helm", version: "2.0.1", namespace: "argo", wave: -3)
    public static let argoEvents = HelmChart(
        release: "argo-events", chart: "argo-events",
        repoURL: "https://argoproj.github.io/argo-helm", version: "2.4.9", namespace: "argo-events", wave: -3)
    public static let minio = HelmChart(
        release: "minio", chart: "minio", repoURL: "https://charts.min.io/", version: "5.4.0", namespace: nil, wave: -2)
    public static let milvus = HelmChart(
        release: "milvus", chart: "milvus", repoURL: "https://zilliztech.github.io/milvus-helm/", version: "4.2.45",
        namespace: nil, wave: -1)
    public static let mlflow = HelmChart(
        release: "mlflow", chart: "mlflow", repoURL: "https://community-charts.github.io/helm-charts", version: "1.12.0",
        namespace: nil, wave: -1)

    public static let all: [HelmChart] = [kubePrometheusStack, argoWorkflows, argoEvents, minio, milvus, mlflow]
}
