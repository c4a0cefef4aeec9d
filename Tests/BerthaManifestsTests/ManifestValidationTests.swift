import BerthaCore
import BerthaManifests
import BerthaTestSupport
import Foundation
import Testing

@Suite("render-manifests")
struct ManifestValidationTests {
    static let configurations: [[String]] = [
        [],
        ["kubernetes.max_replicas=4", "kubernetes.replicas=2", "kubernetes.host=chat.example.com",
         "kubernetes.storage_class=fast-ssd", "kubernetes.auto_sync=false", "kubernetes.namespace=llm",
         "kubernetes.ingest_prefix=docs/", "kubernetes.ingest_suffix=.pdf", "retrain.data=s3://bertha-docs/feedback.jsonl",
         "kubernetes.s3_endpoint=https://s3.example.com"],
    ]

    func render(_ assignments: [String], into dir: TemporaryDirectory) throws -> [String] {
        let renderer = try ManifestRenderer(config: loadConfig(assignments))
        let files = try renderer.files()
        try ManifestWriter.write(files, to: dir.url)
        return files.map { dir.path($0.path).path }
    }

    @Test("core kinds pass kubernetes-validate --strict for Kubernetes 1.30", arguments: configurations)
    func coreKindsValidate(assignments: [String]) throws {
        let dir = try TemporaryDirectory("manifests-core")
        defer { dir.remove() }
        let files = try render(assignments, into: dir).filter { !$0.hasSuffix("kustomization.yaml") }
        let output = try Tools.run(Tools.venv("kubernetes-validate"), ["--strict", "-k", "1.30.0", "--no-warn"] + files).lowercased()
        #expect(!output.contains("error"))
        for kind in ["Deployment", "Service", "ServiceAccount", "ConfigMap", "PodDisruptionBudget", "Role", "RoleBinding"] {
            #expect(output.contains("passed for resource \(kind.lowercased())/"), "\(kind) was not validated")
        }
    }

    @Test("custom resources validate strictly against the real CRD and Argo Events schemas", arguments: configurations)
    func customResourcesValidate(assignments: [String]) throws {
        let dir = try TemporaryDirectory("manifests-crd")
        defer { dir.remove() }
        let files = try render(assignments, into: dir)
        let script = try TestEnvironment.fixture("manifests/validate_crds.py")
        let result = try runProcess(TestEnvironment.python(), [script.path, try TestEnvironment.fixture("schemas").path] + files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(", 0 problems"), "\(result.stderr)")
        #expect(!result.stderr.contains("checked 0 "))
    }

    @Test("the strict schema check rejects an unknown field")
    func validatorIsStrict() throws {
        let dir = try TemporaryDirectory("manifests-strict")
        defer { dir.remove() }
        let bad = """
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: x}
        spec:
          dependencies: [{name: a, eventSourceName: b, eventName: c, colour: red}]
          triggers: []
        """
        try AtomicFile.write(bad, to: dir.path("bad.yaml"))
        let script = try TestEnvironment.fixture("manifests/validate_crds.py")
        let result = try runProcess(TestEnvironment.python(), [script.path, try TestEnvironment.fixture("schemas").path, dir.path("bad.yaml").path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("colour: unknown field"))
    }

    @Test("kubectl kustomize renders the directory")
    func kustomizeRenders() throws {
        let dir = try TemporaryDirectory("manifests-kustomize")
        defer { dir.remove() }
        _ = try render([], into: dir)
        let output = try Tools.run(Tools.system("kubectl"), ["kustomize", dir.url.path])
        #expect(output.contains("kind: WorkflowTemplate"))
        #expect(output.contains("kind: Deployment"))
    }

    @Test("manifests/ is the output for examples/bertha.yaml")
    func golden() throws {
        let example = TestEnvironment.repoRoot.appendingPathComponent("examples/bertha.yaml").path
        let renderer = try ManifestRenderer(config: loadConfig(file: example))
        for file in try renderer.files() {
            let committed = TestEnvironment.repoRoot.appendingPathComponent("manifests").appendingPathComponent(file.path)
            let text = try String(contentsOf: committed, encoding: .utf8)
            #expect(text == file.contents, "manifests/\(file.path) is stale: run `bertha render-manifests examples/bertha.yaml -o manifests`")
        }
    }

    @Test("the wiring between the pieces uses the names each one really has")
    func wiring() throws {
        let renderer = try ManifestRenderer(config: loadConfig())
        let stream = try renderer.stream()
        // Argo Events names the webhook's Service <eventsource>-eventsource-svc.
        #expect(renderer.retrainWebhookURL == "http://bertha-alertmanager-eventsource-svc.bertha.svc:12000/alertmanager")
        #expect(stream.contains("name: bertha-alertmanager\n"))
        // Sensor parameters come from the alert's labels and the S3 notification.
        for key in ["body.alerts.0.labels.alertname", "body.alerts.0.labels.model", "body.alerts.0.labels.model_version",
                    "notification.0.s3.bucket.name", "notification.0.s3.object.key", "notification.0.eventName"] {
            #expect(stream.contains("dataKey: \(key)\n"), "\(key)")
        }
        // The CLI flags the steps use.
        #expect(stream.contains("- serve\n"))
        #expect(stream.contains("- models:/smollm2@champion\n"))
        let flat = stream.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression)
        #expect(flat.contains("args: - ingest - --event - /work/event.json - --config - /etc/bertha/bertha.yaml "))
        #expect(flat.contains("args: - retrain - --base - models:/smollm2@champion - --trigger - '{{inputs.parameters.trigger}}' "))
        #expect(flat.contains("args: - register - /work/out/model.gguf - --name - smollm2 - --alias - champion - --run-id - '{{inputs.parameters.run-id}}' "))
        #expect(flat.contains("args: - register - /work/out/model.gguf - --name - smollm2 - --alias - challenger - --run-id - '{{inputs.parameters.run-id}}' "))
        // register logs to the retraining's MLflow run, which retrain hands on as an output parameter.
        #expect(flat.contains("value: '{{tasks.retrain.outputs.parameters.run-id}}'"))
        #expect(flat.contains("valueFrom: path: /work/out/mlflow_run_id default: ''"))
        // MinIO endpoint without a scheme; one retraining at a time.
        #expect(stream.contains("endpoint: minio.bertha.svc:9000\n"))
        #expect(stream.contains("mutexes:\n    - name: bertha-retrain\n"))
        #expect(!stream.contains("\"***\""))
    }

    @Test("values that can't work together get one clear error", arguments: [
        (["kubernetes.max_replicas=1", "kubernetes.replicas=3"], "kubernetes.max_replicas"),
        (["kubernetes.memory_limit=4 gigs"], "kubernetes.memory_limit"),
        (["kubernetes.cpu_request=two"], "kubernetes.cpu_request"),
    ])
    func inconsistentValues(assignments: [String], key: String) throws {
        let config = try loadConfig(assignments)
        let error = #expect(throws: ManifestError.self) { try ManifestRenderer(config: config) }
        #expect(error?.location == key)
    }

    @Test("bad bertha.yaml values are rejected when the configuration loads", arguments: [
        ("kubernetes.replicas=-1", "must be between 0 and 1000"),
        ("alerts.feedback_down_ratio=1.5", "must be between 0.0 and 1.0"),
        ("alerts.error_ratio=-0.1", "must be between 0.0 and 1.0"),
        ("kubernetes.namespace=Bertha_Prod", "DNS-1123"),
        ("kubernetes.name=-bertha", "DNS-1123"),
        ("kubernetes.service_port=0", "must be between 1 and 65535"),
    ])
    func badValues(assignment: String, message: String) throws {
        let error = #expect(throws: ConfigError.self) { try loadConfig([assignment]) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.contains(String(assignment.prefix { $0 != "=" })) == true)
    }
}
