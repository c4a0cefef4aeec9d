"""Strict validation of custom resources against their CRD / JSON schemas (test helper).

Usage: validate_crds.py SCHEMA_DIR FILE...  Prints one line per problem and exits 1 if any.
Core kinds are skipped (kubernetes-validate checks them); an unknown custom kind is an error.
Unknown fields are errors wherever the schema lists properties and does not preserve unknown
fields — stricter than the API server's pruning, which would silently drop them.
"""
import json, sys, glob, os
import yaml

CORE_GROUPS = {"v1", "apps/v1", "policy/v1", "autoscaling/v2", "rbac.authorization.k8s.io/v1",
               "networking.k8s.io/v1", "kustomize.config.k8s.io/v1beta1"}


def load_schemas(directory):
    crds = {}
    for path in glob.glob(os.path.join(directory, "*.json")):
        data = json.load(open(path))
        if "kind" in data and "schema" in data:
            crds[(f"{data['group']}/{data['version']}", data["kind"])] = (data["schema"], {})
    events = json.load(open(os.path.join(directory, "argo-events.json")))
    for kind in ("EventSource", "Sensor", "EventBus"):
        crds[("argoproj.io/v1alpha1", kind)] = (events["definitions"][f"io.argoproj.events.v1alpha1.{kind}"],
                                                events["definitions"])
    return crds


def check(value, schema, path, defs, errors):
    if "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    for sub in schema.get("allOf", []):
        check(value, sub, path, defs, errors)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if not any(not check_quiet(value, sub, path, defs) for sub in schema[key]):
                errors.append(f"{path}: matches none of {key}")
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            errors.append(f"{path}: must be an integer or a string, got {value!r}")
        return
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}
    if kind in types:
        ok = isinstance(value, types[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))
        if not ok:
            errors.append(f"{path}: must be {kind}, got {value!r}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: must be one of {schema['enum']}, got {value!r}")
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        for key, item in value.items():
            if props is not None and key in props:
                check(item, props[key], f"{path}.{key}", defs, errors)
            elif isinstance(extra, dict):
                check(item, extra, f"{path}.{key}", defs, errors)
            elif props is not None and not preserve and extra is not True:
                errors.append(f"{path}.{key}: unknown field")
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: required")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]", defs, errors)


def check_quiet(value, schema, path, defs):
    errors = []
    check(value, schema, path, defs, errors)
    return errors


def main():
    crds = load_schemas(sys.argv[1])
    errors, checked = [], 0
    for name in sys.argv[2:]:
        for doc in yaml.safe_load_all(open(name)):
            if not doc:
                continue
            key = (doc.get("apiVersion"), doc.get("kind"))
            if key[0] in CORE_GROUPS:
                continue
            if key not in crds:
                errors.append(f"{name}: {key[1]} {key[0]}: no schema")
                continue
            schema, defs = crds[key]
            where = f"{name}:{doc['kind']}/{doc.get('metadata', {}).get('name')}"
            check(doc, schema, where, defs, errors)
            # A Sensor's Workflow is free-form to Argo Events; check it against Argo Workflows' schema.
            if doc["kind"] == "Sensor":
                wf_schema, _ = crds[("argoproj.io/v1alpha1", "WorkflowTemplate")]
                for i, trigger in enumerate(doc["spec"]["triggers"]):
                    resource = trigger["template"]["argoWorkflow"]["source"]["resource"]
                    check(resource["spec"], wf_schema["properties"]["spec"], f"{where}.triggers[{i}].workflow.spec", {}, errors)
            checked += 1
    for line in errors:
        print(line)
    print(f"checked {checked} custom resources, {len(errors)} problems", file=sys.stderr)
    sys.exit(1 if errors else 0)


main()
