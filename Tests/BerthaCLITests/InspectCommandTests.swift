import BerthaTestSupport
import Foundation
import Testing

@Suite("bertha inspect")
struct InspectCommandTests {
    /// Runs `bertha inspect` in an empty directory without BERTHA_* variables, so no stray
    /// configuration is picked up.
    func inspect(_ arguments: [String]) throws -> ProcessResult {
        let dir = try TemporaryDirectory("inspect-cwd")
        defer { dir.remove() }
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") }
        return try runProcess(try TestEnvironment.berthaExecutable(), ["inspect"] + arguments,
                              environment: environment, currentDirectory: dir.url)
    }

    @Test("the text report shows identity, sizes, types, hyperparameters, tokenizer and template")
    func textReport() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let result = try inspect([model])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for expected in [
            "  architecture      llama",
            "  size label        135M",
            "  file size         98,362,432 bytes (93.8 MiB)",
            "  parameters        134,515,008",
            "  GGUF version      3",
            "  tensors           272",
            "  Q4_1              210 tensors, 66,355,200 bytes (63.3 MiB)",
            "  Q8_0              1 tensors, 30,081,024 bytes (28.7 MiB)",
            "  F32               61 tensors, 140,544 bytes (0.1 MiB)",
            "  context length    8192",
            "  embedding length  576",
            "  layers            30",
            "  heads             9",
            "  kv heads          3",
            "  model             gpt2",
            "  pre               smollm",
            "  vocab size        49152",
            "  BOS id            1",
            "  EOS id            2",
            "  {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        #expect(!result.stdout.contains("token_embd.weight"), "tensors are listed only with --tensors")
    }

    /// Facts gguf-py's GGUFReader reports for a model, as JSON.
    static let referenceScript = #"""
import sys, json
import gguf
r = gguf.GGUFReader(sys.argv[1])
def s(key):
    f = r.fields.get(key)
    return f.contents() if f is not None else None
types = {}
for t in r.tensors:
    e = types.setdefault(t.tensor_type.name, [0, 0]); e[0] += 1; e[1] += int(t.n_bytes)
meta = []
for name, f in r.fields.items():
    if name.startswith("GGUF."): continue
    t = f.types[0]
    e = {"key": name, "type": t.name.lower()}
    if t == gguf.GGUFValueType.ARRAY:
        e["count"] = len(f.data); e["elementType"] = f.types[-1].name.lower()
    elif t in (gguf.GGUFValueType.FLOAT32, gguf.GGUFValueType.FLOAT64):
        e["value"] = float(f.contents())
    else:
        e["value"] = f.contents()
    meta.append(e)
print(json.dumps({"meta": meta, "arch": s("general.architecture"), "template": s("tokenizer.chat_template"),
                  "vocab": len(r.fields["tokenizer.ggml.tokens"].data), "types": types,
                  "params": sum(int(t.n_elements) for t in r.tensors),
                  "tensors": [[t.name, t.tensor_type.name, [int(x) for x in t.shape]] for t in r.tensors]}))
"""#

    @Test("--json --tensors is the full document and agrees with gguf-py",
          arguments: ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"])
    func jsonReport(model: String) throws {
        let path = try TestEnvironment.model(model).path
        let result = try inspect([path, "--json", "--tensors", "--metadata"])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(try runPython(Self.referenceScript, arguments: [path]).utf8)) as? [String: Any])

        #expect(ours["architecture"] as? String == reference["arch"] as? String)
        #expect(ours["path"] as? String == path)
        #expect(ours["parameterCount"] as? Int == reference["params"] as? Int)
        #expect(ours["chatTemplate"] as? String == reference["template"] as? String)
        let tokenizer = try #require(ours["tokenizer"] as? [String: Any])
        #expect(tokenizer["vocabSize"] as? Int == reference["vocab"] as? Int)
        let types = try #require(ours["tensorTypes"] as? [[String: Any]])
        let referenceTypes = try #require(reference["types"] as? [String: [Int]])
        #expect(types.count == referenceTypes.count)
        for entry in types {
            let name = try #require(entry["type"] as? String)
            #expect([entry["tensors"] as? Int ?? -1, entry["bytes"] as? Int ?? -1] == referenceTypes[name], "\(name)")
        }
        let tensors = try #require(ours["tensors"] as? [[String: Any]])
        let referenceTensors = try #require(reference["tensors"] as? [[Any]])
        #expect(tensors.count == referenceTensors.count)
        for (tensor, expected) in zip(tensors, referenceTensors) {
            #expect(tensor["name"] as? String == expected[0] as? String)
            #expect(tensor["type"] as? String == expected[1] as? String)
            #expect(tensor["shape"] as? [Int] == expected[2] as? [Int])
        }
        let metadata = try #require(ours["metadata"] as? [[String: Any]])
        let referenceMetadata = try #require(reference["meta"] as? [[String: Any]])
        #expect(metadata.count == referenceMetadata.count)
        for (entry, expected) in zip(metadata, referenceMetadata) {
            let key = entry["key"] as? String ?? "?"
            #expect(key == expected["key"] as? String)
            #expect(entry["type"] as? String == expected["type"] as? String, "\(key)")
            #expect(entry["count"] as? Int == expected["count"] as? Int, "\(key)")
            #expect(entry["elementType"] as? String == expected["elementType"] as? String, "\(key)")
            switch expected["value"] {
            case let number as Double where expected["type"] as? String == "float32":
                #expect((entry["value"] as? Double).map { Float($0) } == Float(number), "\(key)")
            case let value?:
                #expect("\(entry["value"] ?? "nil")" == "\(value)", "\(key)")
            case nil:
                #expect(entry["value"] == nil, "\(key)")
            }
        }
        let hyper = try #require(ours["hyperparameters"] as? [String: Any])
        #expect(hyper["layers"] as? Int == (model.hasPrefix("gemma") ? 18 : 30))
    }

    @Test("a broken file exits 1 with one error line naming the file")
    func brokenFile() throws {
        let dir = try TemporaryDirectory("inspect-bad")
        defer { dir.remove() }
        let notGGUF = dir.path("notes.gguf")
        try Data("hello world, not a model".utf8).write(to: notGGUF)
        var result = try inspect([notGGUF.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "bertha: error: not a GGUF file: starts with \"hell\", expected \"GGUF\" (\(notGGUF.path))\n")

        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let cut = dir.path("cut.gguf")
        let handle = try FileHandle(forReadingFrom: model)
        try handle.readData(ofLength: 2_000_000).write(to: cut)
        try handle.close()
        result = try inspect([cut.path, "--json"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("bertha: error: tensor '"))
        #expect(result.stderr.hasSuffix("runs past the end of the file (2000000 bytes); the file is truncated or corrupt (\(cut.path))\n"))
        #expect(result.stderr.split(separator: "\n").count == 1)

        result = try inspect([dir.path("missing.gguf").path])
        #expect(result.status == 1)
        #expect(result.stderr == "bertha: error: cannot open GGUF file: No such file or directory (\(dir.path("missing.gguf").path))\n")
    }

    @Test("help text")
    func help() throws {
        let result = try inspect(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout == """
            OVERVIEW: Show a GGUF file's architecture, sizes, tensor types, tokenizer and
            chat template.

            The file is fully validated first: a corrupt or truncated file is an error
            (exit 1) naming the key or tensor at fault.

            USAGE: bertha inspect [--config <config>] [--set <section.key=value> ...] [--quiet] [--verbose] [--json] <model.gguf> [--tensors] [--metadata]

            ARGUMENTS:
              <model.gguf>            The GGUF model file.

            OPTIONS:
              -c, --config <config>   bertha.yaml to read (default: $BERTHA_CONFIG, else
                                      ./bertha.yaml if present).
              --set <section.key=value>
                                      Set a configuration key (repeatable).
              -q, --quiet             Only warnings and errors; no progress output.
              -v, --verbose           Debug logging.
              --json                  Print the result as JSON on stdout (progress and logs
                                      stay on stderr).
              --tensors               List every tensor's name, type and shape.
              --metadata              List every metadata key with its type and value
                                      (arrays by length).
              --version               Show the version.
              -h, --help              Show help information.


            """)
    }
}
