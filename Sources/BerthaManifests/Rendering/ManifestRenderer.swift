import BerthaCore
import Foundation

/// Builds every object of the Kubernetes stack from one effective configuration.
///
/// Components (one output file each): `serve`, `monitoring`, `events`, `workflows`, and the
/// Argo CD app-of-apps under `argocd/` (not part of the kustomization: Argo CD applies it, and its
/// `bertha` Application renders the kustomization).
public struct ManifestRenderer: Sendable {
    /// A named group of objects written to one file.
    public struct Component: Sendable {
        public var file: String
        public var objects: [any Encodable & Sendable]
    }

    let config: BerthaConfig
    let k8s: KubernetesSection
    let rules: AlertRuleGenerator

    public init(config: BerthaConfig) throws(ManifestError) {
        self.config = config
        k8s = config.kubernetes
        rules = try AlertRuleGenerator(alerts: config.alerts)
        if k8s.maxReplicas > 0 && k8s.maxReplicas < max(k8s.replicas, 1) {
            throw .invalidValue(key: "kubernetes.max_replicas", value: String(k8s.maxReplicas),
                                reason: "must be at least kubernetes.replicas (\(k8s.replicas)) or 0 for no autoscaler")
        }
        for (key, value) in [("kubernetes.cpu_request", k8s.cpuRequest), ("kubernetes.memory_request", k8s.memoryRequest),
                             ("kubernetes.memory_limit", k8s.memoryLimit), ("kubernetes.model_cache_size", k8s.modelCacheSize)]
        where !Self.isQuantity(value) {
            throw .invalidValue(key: key, value: value, reason: "must be a Kubernetes quantity like 500m, 2 or 4Gi")
        }
        if k8s.image.isEmpty || k8s.image.contains(where: \.isWhitespace) {
            throw .invalidValue(key: "kubernetes.image", value: k8s.image, reason: "must be an image reference without spaces")
        }
        if k8s.gitRepo.isEmpty {
            throw .invalidValue(key: "kubernetes.git_repo", value: k8s.gitRepo, reason: "Argo CD needs the repository of the manifests")
        }
    }

    /// `123`, `0.5`, `500m`, `4Gi`, `1e3` — Kubernetes resource quantities.
    static func isQuantity(_ text: String) -> Bool {
        let suffixes = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E", ""]
        guard let suffix = suffixes.first(where: { text.hasSuffix($0) && !text.dropLast($0.count).isEmpty }) else { return false }
        let number = text.dropLast(suffix.count)
        return Double(number) != nil && number.allSatisfy { $0.isNumber || $0 == "." } && number.first?.isNumber == true
    }

    // MARK: names

    var name: String { k8s.name }
    var namespace: String { k8s.namespace }
    var image: String { "\(k8s.image):\(k8s.tag)" }
    var alertEventSource: String { "\(name)-alertmanager" }
    var ingestEventSource: String { "\(name)-ingest" }
    var retrainTemplate: String { "\(name)-retrain" }
    var ingestTemplate: String { "\(name)-ingest" }
    var workflowAccount: String { "\(name)-workflow" }
    var sensorAccount: String { "\(name)-sensor" }
    var configMapName: String { "\(name)-config" }
    var artifactBucket: String { "\(name)-artifacts" }
    let alertPort = 12000
    let configPath = "/etc/bertha/bertha.yaml"

    /// The model every step serves and retrains: the registry's champion.
    var championURI: String { "models:/\(config.mlflow.modelName)@champion" }

    /// S3 endpoint inside the cluster (the MinIO chart's Service unless configured).
    var s3Endpoint: String { k8s.s3Endpoint.isEmpty ? "http://minio.\(namespace).svc:9000" : k8s.s3Endpoint }

    func labels(_ component: String) -> StringMap {
        ["app.kubernetes.io/name": "bertha", "app.kubernetes.io/instance": name,
         "app.kubernetes.io/component": component, "app.kubernetes.io/part-of": "bertha",
         "app.kubernetes.io/version": k8s.tag, "app.kubernetes.io/managed-by": "bertha-render-manifests"]
    }

    var serveSelector: StringMap {
        ["app.kubernetes.io/name": "bertha", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "serve"]
    }

    func meta(_ objectName: String, _ component: String, labels extra: StringMap = [:], annotations: StringMap? = nil) -> ObjectMeta {
        ObjectMeta(name: objectName, namespace: namespace, labels: labels(component).merging(extra), annotations: annotations)
    }

    // MARK: the configuration the pods read

    /// bertha.yaml as the pods see it: listening on all interfaces, the cluster's services,
    /// writable paths on volumes, and no secrets (they come from Secrets as environment variables).
    public var clusterConfig: BerthaConfig {
        var cluster = config
        cluster.server.host = "0.0.0.0"
        cluster.server.apiKey = ""
        cluster.server.feedbackLog = "/var/lib/bertha/feedback.jsonl"
        cluster.s3.endpoint = s3Endpoint
        cluster.s3.accessKey = ""
        cluster.s3.secretKey = ""
        cluster.s3.sessionToken = ""
        cluster.mlflow.trackingURI = "http://mlflow.\(namespace).svc:5000"
        cluster.mlflow.password = ""
        cluster.mlflow.token = ""
        cluster.model.cacheDir = "/var/cache/bertha/models"
        cluster.retrain.outputDir = "/work/out"
        cluster.events.stateDir = "/var/lib/bertha/events"
        // The root filesystem is read-only: an embedded store lives on the data volume.
        if cluster.vectorStore.url.hasPrefix("embedded:") { cluster.vectorStore.url = "embedded:/var/lib/bertha/store" }
        return cluster
    }

    var secretEnvironment: [EnvVar] {
        [EnvVar(name: BerthaConfig.environmentName(section: "server", key: "api_key"), secret: k8s.apiKeySecret, key: "api-key"),
         EnvVar(name: BerthaConfig.environmentName(section: "s3", key: "access_key"), secret: k8s.s3Secret, key: "accesskey"),
         EnvVar(name: BerthaConfig.environmentName(section: "s3", key: "secret_key"), secret: k8s.s3Secret, key: "secretkey")]
    }

    // MARK: serve

    var autoscaled: Bool { k8s.maxReplicas > 0 }

    public var serve: Component {
        let port = config.server.port
        // A ReadWriteOnce claim can only follow a single replica; several share nothing but the registry.
        let cacheVolume: Volume = (autoscaled || k8s.replicas > 1)
            ? .emptyDir("model-cache", sizeLimit: k8s.modelCacheSize)
            : .claim("\(name)-model-cache", volume: "model-cache")
        let container = Container(
            name: "bertha", image: image, imagePullPolicy: "IfNotPresent",
            args: ["serve", "--config", configPath, "--model", championURI],
            env: secretEnvironment + [EnvVar(name: "HOME", value: "/tmp")],
            ports: [ContainerPort(name: "http", containerPort: port, protocol: "TCP")],
            resources: ResourceRequirements(requests: ["cpu": k8s.cpuRequest, "memory": k8s.memoryRequest],
                                            limits: ["memory": k8s.memoryLimit]),
            volumeMounts: [VolumeMount(name: "config", mountPath: "/etc/bertha", readOnly: true),
                           VolumeMount(name: "model-cache", mountPath: "/var/cache/bertha/models"),
                           VolumeMount(name: "data", mountPath: "/var/lib/bertha"),
                           VolumeMount(name: "tmp", mountPath: "/tmp")],
            // Liveness must not kill a pod that is still loading: the startup probe covers the load.
            livenessProbe: Probe(path: "/health", port: "http", periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3),
            readinessProbe: Probe(path: "/health", port: "http", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2),
            startupProbe: Probe(path: "/health", port: "http", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 120),
            securityContext: .restricted)
        let deployment = Deployment(metadata: meta(name, "serve"), spec: .init(
            replicas: autoscaled ? nil : k8s.replicas, revisionHistoryLimit: 5,
            selector: LabelSelector(matchLabels: serveSelector),
            template: PodTemplateSpec(
                metadata: ObjectMeta(labels: labels("serve"), annotations: ["bertha.dev/config-hash": configDigest]),
                spec: PodSpec(serviceAccountName: name, automountServiceAccountToken: false,
                              securityContext: .berthaUser,
                              terminationGracePeriodSeconds: Int(config.server.gracePeriod.rounded(.up)) + 5,
                              containers: [container],
                              volumes: [.configMap(configMapName, volume: "config"), cacheVolume,
                                        .emptyDir("data"), .emptyDir("tmp")]))))
        var objects: [any Encodable & Sendable] = [
            ServiceAccount(metadata: meta(name, "serve"), automountServiceAccountToken: false),
            ConfigMap(metadata: meta(configMapName, "serve"), data: ["bertha.yaml": ConfigRenderer.yaml(clusterConfig)]),
        ]
        if case .some = cacheVolume.persistentVolumeClaim {
            objects.append(PersistentVolumeClaim(metadata: meta("\(name)-model-cache", "serve"), size: k8s.modelCacheSize,
                                                 storageClass: k8s.storageClass.isEmpty ? nil : k8s.storageClass))
        }
        objects.append(deployment)
        objects.append(Service(metadata: meta(name, "serve"), spec: .init(
            type: "ClusterIP", selector: serveSelector,
            ports: [.init(name: "http", port: k8s.servicePort, targetPort: "http", protocol: "TCP")])))
        objects.append(PodDisruptionBudget(metadata: meta(name, "serve"),
                                           spec: .init(maxUnavailable: 1, selector: LabelSelector(matchLabels: serveSelector))))
        if autoscaled {
            objects.append(HorizontalPodAutoscaler(metadata: meta(name, "serve"), deployment: name,
                                                   minReplicas: max(k8s.replicas, 1), maxReplicas: k8s.maxReplicas,
                                                   cpuUtilization: k8s.cpuTarget))
        }
        if !k8s.host.isEmpty {
            objects.append(Ingress(metadata: meta(name, "serve"), host: k8s.host, service: name, portName: "http"))
        }
        return Component(file: "serve.yaml", objects: objects)
    }

    /// Restarts the pods when the configuration changes (a ConfigMap edit alone does not).
    var configDigest: String {
        // FNV-1a: stable across runs and platforms; this is a change detector, not a security hash.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ConfigRenderer.yaml(clusterConfig).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    // MARK: monitoring

    var releaseLabel: StringMap { ["release": k8s.prometheusRelease] }

    /// Where Alertmanager posts retraining alerts: the Service Argo Events creates for the webhook EventSource.
    public var retrainWebhookURL: String {
        "http://\(EventSource.serviceName(of: alertEventSource)).\(namespace).svc:\(alertPort)/alertmanager"
    }

    /// The alert and recording rules as a `PrometheusRule` the kube-prometheus-stack release selects.
    public var prometheusRule: PrometheusRule {
        rules.prometheusRule(name: "\(name)-alerts", namespace: namespace, labels: labels("monitoring").merging(releaseLabel))
    }

    public var monitoring: Component {
        let grouping = ["alertname"] + AlertRuleGenerator.modelLabels
        return Component(file: "monitoring.yaml", objects: [
            ServiceMonitor(metadata: meta(name, "monitoring", labels: releaseLabel), spec: .init(
                selector: LabelSelector(matchLabels: serveSelector),
                namespaceSelector: .init(matchNames: [namespace]),
                endpoints: [.init(port: "http", path: "/metrics", interval: "15s")])),
            prometheusRule,
            AlertmanagerConfig(metadata: meta("\(name)-retrain", "monitoring", labels: releaseLabel), spec: .init(
                route: .init(receiver: "argo-events-retrain", groupBy: grouping, groupWait: config.alerts.groupWait,
                             groupInterval: config.alerts.groupInterval,
                             repeatInterval: config.alerts.retrainRepeatInterval,
                             matchers: [.init(name: "action", value: "retrain", matchType: "=")]),
                // Resolved notifications would submit a retraining too: only firing alerts are sent.
                receivers: [.init(name: "argo-events-retrain",
                                  webhookConfigs: [.init(url: retrainWebhookURL, sendResolved: false, maxAlerts: nil)])])),
        ])
    }

    // MARK: Argo Events

    /// Alert labels the retrain Sensor passes to the workflow, in parameter order; the last is the whole alert as JSON.
    public static let retrainParameters = ["alertname", "model", "model_version", "trigger"]
    public static let ingestParameters = ["bucket", "key", "event"]

    public var events: Component {
        let retrainSources: [Sensor.ParameterSource] = [
            .init(dependencyName: "alert", dataKey: "body.alerts.0.labels.alertname"),
            .init(dependencyName: "alert", dataKey: "body.alerts.0.labels.model"),
            .init(dependencyName: "alert", dataKey: "body.alerts.0.labels.model_version"),
            .init(dependencyName: "alert", dataKey: "body.alerts.0"),
        ]
        let ingestSources: [Sensor.ParameterSource] = [
            .init(dependencyName: "upload", dataKey: "notification.0.s3.bucket.name"),
            .init(dependencyName: "upload", dataKey: "notification.0.s3.object.key"),
            .init(dependencyName: "upload", dataKey: "notification.0.eventName"),
        ]
        func parameters(_ sources: [Sensor.ParameterSource]) -> [Sensor.Parameter] {
            sources.enumerated().map { .init(src: $1, dest: "spec.arguments.parameters.\($0).value") }
        }
        let endpoint = s3Endpoint
        let hostPort = endpoint.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        return Component(file: "events.yaml", objects: [
            EventBus(metadata: meta("default", "events"), jetStreamVersion: "latest", replicas: 3),
            EventSource(metadata: meta(alertEventSource, "events"), spec: .init(
                eventBusName: "default",
                service: .init(ports: [.init(name: "webhook", port: alertPort, targetPort: alertPort)]),
                webhook: ["alertmanager": .init(
                    endpoint: "/alertmanager", method: "POST", port: String(alertPort),
                    url: "http://\(EventSource.serviceName(of: alertEventSource)).\(namespace).svc:\(alertPort)")])),
            EventSource(metadata: meta(ingestEventSource, "events"), spec: .init(
                eventBusName: "default",
                minio: ["upload": .init(
                    bucket: .init(name: config.s3.bucket), endpoint: hostPort,
                    events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                    filter: .init(prefix: k8s.ingestPrefix, suffix: k8s.ingestSuffix),
                    insecure: endpoint.hasPrefix("http://"),
                    accessKey: SecretKeySelector(name: k8s.s3Secret, key: "accesskey"),
                    secretKey: SecretKeySelector(name: k8s.s3Secret, key: "secretkey"))])),
            Sensor(metadata: meta(retrainTemplate, "events"), spec: .init(
                eventBusName: "default", template: .init(serviceAccountName: sensorAccount),
                dependencies: [.init(name: "alert", eventSourceName: alertEventSource, eventName: "alertmanager")],
                triggers: [.init(template: .init(name: "submit-retrain", argoWorkflow: .init(
                    operation: "submit",
                    source: .init(resource: Workflow(generateName: "\(retrainTemplate)-", namespace: namespace,
                                                     template: retrainTemplate, parameters: Self.retrainParameters)),
                    parameters: parameters(retrainSources))), retryStrategy: .init(steps: 3))])),
            Sensor(metadata: meta(ingestTemplate, "events"), spec: .init(
                eventBusName: "default", template: .init(serviceAccountName: sensorAccount),
                dependencies: [.init(name: "upload", eventSourceName: ingestEventSource, eventName: "upload")],
                triggers: [.init(template: .init(name: "submit-ingest", argoWorkflow: .init(
                    operation: "submit",
                    source: .init(resource: Workflow(generateName: "\(ingestTemplate)-", namespace: namespace,
                                                     template: ingestTemplate, parameters: Self.ingestParameters)),
                    parameters: parameters(ingestSources))), retryStrategy: .init(steps: 3))])),
            ServiceAccount(metadata: meta(sensorAccount, "events")),
            Role(metadata: meta(sensorAccount, "events"), rules: [
                .init(apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create", "get", "list", "watch"]),
                .init(apiGroups: ["argoproj.io"], resources: ["workflowtemplates"], verbs: ["get", "list", "watch"]),
            ]),
            RoleBinding(metadata: meta(sensorAccount, "events"), role: sensorAccount,
                        serviceAccount: sensorAccount, namespace: namespace),
        ])
    }

    // MARK: Argo Workflows

    var retry: WorkflowTemplate.RetryStrategy {
        .init(limit: k8s.retries, retryPolicy: "OnFailure", backoff: .init(duration: "30s", factor: 2, maxDuration: "30m"))
    }

    func stepContainer(_ args: [String]) -> Container {
        Container(name: "main", image: image, imagePullPolicy: "IfNotPresent",
                  args: args + ["--config", configPath],
                  env: secretEnvironment + [EnvVar(name: "HOME", value: "/tmp")],
                  resources: ResourceRequirements(requests: ["cpu": k8s.cpuRequest, "memory": k8s.memoryRequest],
                                                  limits: ["memory": k8s.memoryLimit]),
                  volumeMounts: [VolumeMount(name: "config", mountPath: "/etc/bertha", readOnly: true),
                                 VolumeMount(name: "work", mountPath: "/work"),
                                 VolumeMount(name: "tmp", mountPath: "/tmp")],
                  securityContext: .restricted)
    }

    var stepVolumes: [Volume] { [.configMap(configMapName, volume: "config"), .emptyDir("work"), .emptyDir("tmp")] }

    func step(_ name: String, _ args: [String], inputs: WorkflowTemplate.Inputs? = nil,
              outputs: WorkflowTemplate.Outputs? = nil) -> WorkflowTemplate.Template {
        .init(name: name, inputs: inputs, outputs: outputs, container: stepContainer(args), volumes: stepVolumes,
              retryStrategy: retry)
    }

    func workflowSpec(entrypoint: String, parameters: [WorkflowTemplate.Parameter], deadline: Int,
                      mutex: String?, templates: [WorkflowTemplate.Template]) -> WorkflowTemplate.Spec {
        .init(entrypoint: entrypoint, serviceAccountName: workflowAccount,
              arguments: .init(parameters: parameters), activeDeadlineSeconds: deadline,
              synchronization: mutex.map { .init(mutexes: [.init(name: $0)]) },
              ttlStrategy: .init(secondsAfterSuccess: 86_400, secondsAfterFailure: 7 * 86_400),
              podGC: .init(strategy: "OnPodSuccess"), securityContext: .berthaUser,
              artifactRepositoryRef: .init(configMap: "\(name)-artifact-repository", key: "s3"),
              templates: templates)
    }

    /// S3 event record the ingest step reads with `--event`: the shape MinIO and S3 notifications share.
    static let ingestEvent = #"{"Records":[{"eventName":"{{inputs.parameters.event}}","s3":{"bucket":{"name":"{{inputs.parameters.bucket}}"},"object":{"key":"{{inputs.parameters.key}}"}}}]}"#

    var ingestWorkflow: WorkflowTemplate {
        let input = WorkflowTemplate.Inputs(
            parameters: Self.ingestParameters.map { .init(name: $0) },
            artifacts: [.init(name: "event", path: "/work/event.json", raw: .init(data: Self.ingestEvent))])
        return WorkflowTemplate(metadata: meta(ingestTemplate, "workflows"), spec: workflowSpec(
            entrypoint: "ingest",
            parameters: [.init(name: "bucket", value: config.s3.bucket), .init(name: "key"),
                         .init(name: "event", value: "s3:ObjectCreated:Put")],
            deadline: 3600, mutex: nil,
            templates: [step("ingest", ["ingest", "--event", "/work/event.json"], inputs: input)]))
    }

    var retrainWorkflow: WorkflowTemplate {
        let model = config.mlflow.modelName
        let candidate = WorkflowTemplate.Artifact(name: "candidate", path: "/work/out")
        let trigger = "{{inputs.parameters.trigger}}"
        let dataArgs = config.retrain.data.flatMap { ["--data", $0] }
        func passCandidate(_ task: String) -> WorkflowTemplate.Arguments {
            .init(artifacts: [.init(name: "candidate", from: "{{tasks.\(task).outputs.artifacts.candidate}}")])
        }
        // register and promote log to the retraining's MLflow run, so the version links to its
        // loss curve and eval metrics (retrain writes the run id beside the adapter).
        func passCandidateAndRun(_ task: String) -> WorkflowTemplate.Arguments {
            var arguments = passCandidate(task)
            arguments.parameters = [.init(name: "run-id", value: "{{tasks.\(task).outputs.parameters.run-id}}")]
            return arguments
        }
        let dag = WorkflowTemplate.Template(name: "retrain-pipeline", dag: .init(tasks: [
            .init(name: "prepare", template: "prepare"),
            .init(name: "retrain", template: "retrain", dependencies: ["prepare"],
                  arguments: .init(parameters: [.init(name: "trigger", value: "{{workflow.parameters.trigger}}")])),
            .init(name: "evaluate", template: "evaluate", dependencies: ["retrain"], arguments: passCandidate("retrain")),
            .init(name: "register", template: "register", dependencies: ["evaluate"], arguments: passCandidateAndRun("retrain")),
            .init(name: "promote", template: "promote", dependencies: ["register"],
                  when: "{{tasks.evaluate.outputs.parameters.gate}} == passed", arguments: passCandidateAndRun("retrain")),
        ]))
        let takesCandidate = WorkflowTemplate.Inputs(artifacts: [candidate])
        let takesCandidateAndRun = WorkflowTemplate.Inputs(parameters: [.init(name: "run-id")], artifacts: [candidate])
        let runArgument = ["--run-id", "{{inputs.parameters.run-id}}"]
        return WorkflowTemplate(metadata: meta(retrainTemplate, "workflows"), spec: workflowSpec(
            entrypoint: "retrain-pipeline",
            parameters: Self.retrainParameters.map { .init(name: $0, value: $0 == "trigger" ? "{}" : "manual") },
            deadline: k8s.retrainDeadline, mutex: retrainTemplate,
            templates: [
                dag,
                // Fails fast on a configuration the cluster can't use, before hours of training.
                step("prepare", ["config", "print"]),
                step("retrain", ["retrain", "--base", championURI] + dataArgs + ["--trigger", trigger],
                     inputs: .init(parameters: [.init(name: "trigger")]),
                     outputs: .init(parameters: [.init(name: "run-id", valueFrom: .init(path: "/work/out/mlflow_run_id", default: ""))],
                                    artifacts: [candidate])),
                step("evaluate", ["inspect", "/work/out/model.gguf"], inputs: takesCandidate,
                     outputs: .init(parameters: [.init(name: "gate", valueFrom: .init(path: "/work/out/gate", default: "failed"))])),
                step("register", ["register", "/work/out/model.gguf", "--name", model, "--alias", "challenger"] + runArgument,
                     inputs: takesCandidateAndRun),
                step("promote", ["register", "/work/out/model.gguf", "--name", model, "--alias", "champion"] + runArgument,
                     inputs: takesCandidateAndRun),
            ]))
    }

    var artifactRepository: String {
        let endpoint = s3Endpoint
        let hostPort = endpoint.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let repository = FreeformValue.object([("s3", .object([
            ("endpoint", .string(hostPort)), ("bucket", .string(artifactBucket)), ("region", .string(config.s3.region)),
            ("insecure", .bool(endpoint.hasPrefix("http://"))),
            ("keyFormat", "{{workflow.name}}/{{pod.name}}"),
            ("accessKeySecret", ["name": .string(k8s.s3Secret), "key": "accesskey"]),
            ("secretKeySecret", ["name": .string(k8s.s3Secret), "key": "secretkey"]),
        ]))])
        guard case .object(let pairs) = repository, let s3 = pairs.first?.value else { return "" }
        return (try? YAMLDocuments.encode(s3)) ?? ""
    }

    public var workflows: Component {
        Component(file: "workflows.yaml", objects: [
            ServiceAccount(metadata: meta(workflowAccount, "workflows")),
            // The emissary executor reports step results through WorkflowTaskResults.
            Role(metadata: meta(workflowAccount, "workflows"), rules: [
                .init(apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"]),
            ]),
            RoleBinding(metadata: meta(workflowAccount, "workflows"), role: workflowAccount,
                        serviceAccount: workflowAccount, namespace: namespace),
            ConfigMap(metadata: meta("\(name)-artifact-repository", "workflows"), data: ["s3": artifactRepository]),
            ingestWorkflow,
            retrainWorkflow,
        ])
    }

    // MARK: Argo CD

    func syncPolicy(createNamespace: Bool = true, serverSide: Bool = false) -> Application.SyncPolicy {
        var options = createNamespace ? ["CreateNamespace=true"] : []
        // kube-prometheus-stack's CRDs exceed the client-side apply annotation limit.
        if serverSide { options.append("ServerSideApply=true") }
        return .init(automated: k8s.autoSync ? .init(prune: true, selfHeal: true) : nil, syncOptions: options)
    }

    func application(_ appName: String, wave: Int, source: Application.Source, namespace destination: String,
                     serverSide: Bool = false) -> Application {
        Application(
            metadata: ObjectMeta(name: appName, namespace: k8s.argocdNamespace, labels: labels("argocd"),
                                 annotations: ["argocd.argoproj.io/sync-wave": String(wave)]),
            spec: .init(project: "default", source: source,
                        destination: .init(server: "https://kubernetes.default.svc", namespace: destination),
                        syncPolicy: syncPolicy(serverSide: serverSide)))
    }

    func values(for chart: HelmChart) -> FreeformValue {
        let storageClass: FreeformValue = k8s.storageClass.isEmpty ? .object([]) : ["storageClass": .string(k8s.storageClass)]
        switch chart.release {
        case "kube-prometheus-stack":
            // Select ServiceMonitors, PrometheusRules and AlertmanagerConfigs from every namespace, not only the chart's.
            return ["prometheus": ["prometheusSpec": [
                        "serviceMonitorSelectorNilUsesHelmValues": false, "ruleSelectorNilUsesHelmValues": false]],
                    "alertmanager": ["alertmanagerSpec": [
                        "alertmanagerConfigMatcherStrategy": ["type": "None"]]]]
        case "argo-workflows":
            return ["controller": ["workflowNamespaces": [.string(namespace)]]]
        case "argo-events":
            return ["crds": ["install": true]]
        case "minio":
            return ["mode": "standalone", "replicas": 1,
                    "existingSecret": .string(k8s.s3Secret),
                    "persistence": k8s.storageClass.isEmpty ? ["size": "50Gi"]
                        : ["size": "50Gi", "storageClass": .string(k8s.storageClass)],
                    "buckets": [["name": .string(config.s3.bucket), "policy": "none", "purge": false],
                                ["name": .string(artifactBucket), "policy": "none", "purge": false]]]
        case "milvus":
            return ["cluster": ["enabled": false], "etcd": ["replicaCount": 1], "pulsarv3": ["enabled": false],
                    "standalone": ["persistence": ["persistentVolumeClaim": storageClass]],
                    "minio": ["enabled": false],
                    "externalS3": ["enabled": true, "host": .string("minio.\(namespace).svc"), "port": 9000,
                                   "bucketName": .string("\(name)-milvus"), "useSSL": false]]
        default:
            return ["artifactRoot": ["s3": ["enabled": true, "bucket": .string(artifactBucket)]]]
        }
    }

    public var argocd: [Component] {
        let own = application(name, wave: 0, source: .init(repoURL: k8s.gitRepo, path: k8s.gitPath, targetRevision: "HEAD"),
                              namespace: namespace)
        let charts = HelmChart.all.map { chart in
            application(chart.release, wave: chart.wave, source: .init(
                repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.version,
                helm: .init(releaseName: chart.release, valuesObject: values(for: chart))),
                namespace: chart.namespace ?? namespace, serverSide: chart == .kubePrometheusStack)
        }
        let root = application("\(name)-apps", wave: 0, source: .init(
            repoURL: k8s.gitRepo, path: "\(k8s.gitPath)/argocd", targetRevision: "HEAD"), namespace: k8s.argocdNamespace)
        return [Component(file: "argocd/root.yaml", objects: [root]),
                Component(file: "argocd/applications.yaml", objects: charts + [own])]
    }

    // MARK: output

    /// The components of the kustomization, in apply order.
    public var components: [Component] { [serve, monitoring, events, workflows] }

    /// File name → contents for `-o DIR`.
    public func files() throws(ManifestError) -> [(path: String, contents: String)] {
        var files: [(String, String)] = []
        for component in components + argocd {
            files.append((component.file, try YAMLDocuments.stream(component.objects)))
        }
        let kustomization = Kustomization(resources: components.map(\.file))
        files.append(("kustomization.yaml", try YAMLDocuments.encode(kustomization)))
        return files.map { (path: $0.0, contents: Self.header + $0.1) }
    }

    /// Every object as one multi-document stream (stdout).
    public func stream() throws(ManifestError) -> String {
        Self.header + (try YAMLDocuments.stream((components + argocd).flatMap(\.objects)))
    }

    static let header = "# Generated by `bertha render-manifests` from bertha.yaml. Do not edit: change bertha.yaml and render again.\n"
}
