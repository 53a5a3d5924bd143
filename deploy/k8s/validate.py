#!/usr/bin/python3
"""validate.py: checks Kubernetes manifests against the API's schema and
against each other, offline. The test k8s_manifests runs it on the
generated build/deploy/k8s/crm.yaml and the Secrets curve-secrets.sh makes.

    deploy/k8s/validate.py FILE.yaml...   # every document of every file
    deploy/k8s/validate.py --self-test    # shows that it rejects bad ones

The schema is the one of Debian's python3-kubernetes: its model classes
(V1StatefulSet, ...) carry each field's type (openapi_types) and JSON name
(attribute_map), and their constructors refuse a required field left out; the
enumerations and quantities they leave unchecked are checked here (ENUMS). Every object is walked against them:
an unknown field, a value of the wrong type, a required field missing, a
value outside its enumeration, an apiVersion/kind with no model fail. Then what the API server or the
controllers would find wrong between objects: a workload's selector that
does not match its pod labels, a Service or PodDisruptionBudget selecting
no workload, a StatefulSet's serviceName that is not a headless Service,
a ConfigMap, Secret or key referenced and not defined (unless optional),
a probe on a port the container does not name, a name that is not a DNS
label, two objects of one kind with one name. Prints each problem; exit 1
if there is any."""
import re
import sys

import kubernetes.client
import kubernetes.client.models as models
import yaml

CONFIG = kubernetes.client.Configuration()
CONFIG.client_side_validation = True

PRIMITIVES = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "datetime": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, str),
    # IntOrString (ports) and free-form fields.
    "object": lambda v: isinstance(v, (str, int, dict, list)) and not isinstance(v, bool),
}
# The enumerations the API documents but the models do not check, for the
# fields such manifests use, and the format of resource quantities.
ENUMS = {
    ("V1Container", "imagePullPolicy"): {"Always", "IfNotPresent", "Never"},
    ("V1ServiceSpec", "type"): {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"},
    ("V1ServicePort", "protocol"): {"TCP", "UDP", "SCTP"},
    ("V1ContainerPort", "protocol"): {"TCP", "UDP", "SCTP"},
    ("V1StatefulSetSpec", "podManagementPolicy"): {"OrderedReady", "Parallel"},
    ("V1StatefulSetUpdateStrategy", "type"): {"RollingUpdate", "OnDelete"},
    ("V1DeploymentStrategy", "type"): {"RollingUpdate", "Recreate"},
    ("V1PodSpec", "restartPolicy"): {"Always", "OnFailure", "Never"},
    ("V1SeccompProfile", "type"): {"RuntimeDefault", "Unconfined", "Localhost"},
    ("V1HTTPGetAction", "scheme"): {"HTTP", "HTTPS"},
}
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def model_of(doc):
    """The model class of a document, from apiVersion and kind."""
    version = str(doc.get("apiVersion", "")).split("/")[-1]
    name = version[:1].upper() + version[1:] + str(doc.get("kind", ""))
    return getattr(models, name, None)


def check_value(value, typ, path, errors):
    """Checks value against the type name typ of python3-kubernetes."""
    m = re.fullmatch(r"list\[(.+)\]", typ)
    if m:
        if not isinstance(value, list):
            errors.append(f"{path}: a list expected, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_value(item, m.group(1), f"{path}[{i}]", errors)
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", typ)
    if m:
        if not isinstance(value, dict):
            errors.append(f"{path}: a map expected, got {type(value).__name__}")
            return
        for k, v in value.items():
            if not isinstance(k, str):
                errors.append(f"{path}: key {k!r} is not a string")
            check_value(v, m.group(1), f"{path}.{k}", errors)
        return
    if typ in PRIMITIVES:
        if not PRIMITIVES[typ](value):
            errors.append(f"{path}: {typ} expected, got {type(value).__name__} {value!r}")
        return
    cls = getattr(models, typ, None)
    if cls is None:
        errors.append(f"{path}: the schema names an unknown type {typ}")
        return
    check_object(value, cls, path, errors)


def check_object(value, cls, path, errors):
    """Checks a mapping against a model class: fields, their types, then
    the class's own rules (required fields, enumerations)."""
    if not isinstance(value, dict):
        errors.append(f"{path}: an object ({cls.__name__}) expected, got {type(value).__name__}")
        return
    by_json = {j: a for a, j in cls.attribute_map.items()}
    kwargs = {}
    for key, v in value.items():
        attr = by_json.get(key)
        if attr is None:
            errors.append(f"{path}: unknown field {key!r} in {cls.__name__}")
            continue
        if v is None:
            continue
        check_value(v, cls.openapi_types[attr], f"{path}.{key}", errors)
        allowed = ENUMS.get((cls.__name__, key))
        if allowed and v not in allowed:
            errors.append(f"{path}.{key}: {v!r} is none of {sorted(allowed)}")
        if cls.__name__ == "V1ResourceRequirements" and isinstance(v, dict):
            for r, q in v.items():
                if not QUANTITY.match(str(q)):
                    errors.append(f"{path}.{key}.{r}: {q!r} is not a quantity")
        kwargs[attr] = v
    try:
        cls(local_vars_configuration=CONFIG, **kwargs)
    except ValueError as e:
        errors.append(f"{path}: {cls.__name__}: {e}")


def load(paths):
    docs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for i, d in enumerate(yaml.safe_load_all(f)):
                if d is not None:
                    docs.append((f"{p}#{i}", d))
    return docs


def name_of(doc):
    meta = doc.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_pod(where, ns, pod_spec, defined, errors):
    """References of a pod spec: ConfigMaps, Secrets and their keys, probe ports."""

    def need(kind, name, key=None, optional=False):
        if optional:
            return
        obj = defined.get((kind, ns, name))
        if obj is None:
            errors.append(f"{where}: {kind} {name!r} is not defined")
        elif key is not None:
            data = dict(obj.get("data") or {})
            data.update(obj.get("stringData") or {})
            if key not in data:
                errors.append(f"{where}: {kind} {name!r} has no key {key!r}")

    for c in pod_spec.get("containers") or []:
        for src in c.get("envFrom") or []:
            for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = src.get(field)
                if ref:
                    need(kind, ref.get("name"), optional=ref.get("optional", False))
        for env in c.get("env") or []:
            frm = env.get("valueFrom") or {}
            for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = frm.get(field)
                if ref:
                    need(kind, ref.get("name"), ref.get("key"), ref.get("optional", False))
        ports = {p.get("name") for p in c.get("ports") or [] if p.get("name")}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = ((c.get(probe) or {}).get("httpGet") or {}).get("port")
            if isinstance(port, str) and port not in ports:
                errors.append(f"{where}: {c.get('name')}'s {probe} names no port of it: {port!r}")
        mounts = {m.get("name") for m in c.get("volumeMounts") or []}
        vols = {v.get("name") for v in pod_spec.get("volumes") or []}
        for m in mounts - vols:
            errors.append(f"{where}: {c.get('name')} mounts an undefined volume {m!r}")
    for v in pod_spec.get("volumes") or []:
        srcs = [s.get("secret") for s in (v.get("projected") or {}).get("sources") or []]
        srcs.append(v.get("secret"))
        for s in srcs:
            if s:
                need("Secret", s.get("name") or s.get("secretName"), optional=s.get("optional", False))


def cross_check(docs, errors):
    defined = {}
    for where, d in docs:
        ns, name = name_of(d)
        key = (d.get("kind"), ns, name)
        if key in defined:
            errors.append(f"{where}: a second {d.get('kind')} named {name!r}")
        defined[key] = d
        if not isinstance(name, str) or not DNS_LABEL.match(name):
            errors.append(f"{where}: {d.get('kind')} name {name!r} is not a DNS label")
    workloads = []  # (namespace, pod labels)
    for where, d in docs:
        kind, spec = d.get("kind"), d.get("spec") or {}
        ns, name = name_of(d)
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
            tmpl = spec.get("template") or {}
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            sel = (spec.get("selector") or {}).get("matchLabels") or {}
            if not matches(sel, labels):
                errors.append(f"{where}: {name}'s selector {sel} does not match its pods' labels")
            workloads.append((ns, labels))
            check_pod(where, ns, tmpl.get("spec") or {}, defined, errors)
            if kind == "StatefulSet":
                svc = defined.get(("Service", ns, spec.get("serviceName")))
                if svc is None or (svc.get("spec") or {}).get("clusterIP") != "None":
                    errors.append(f"{where}: serviceName {spec.get('serviceName')!r} is not a headless Service")
    for where, d in docs:
        kind, spec = d.get("kind"), d.get("spec") or {}
        ns, name = name_of(d)
        sel = None
        if kind == "Service":
            sel = spec.get("selector")
        elif kind == "PodDisruptionBudget":
            sel = (spec.get("selector") or {}).get("matchLabels")
        if sel is not None and not any(n == ns and matches(sel, labels) for n, labels in workloads):
            errors.append(f"{where}: {kind} {name}'s selector {sel} selects no workload's pods")


def validate(docs):
    errors = []
    for where, d in docs:
        if not isinstance(d, dict):
            errors.append(f"{where}: not an object")
            continue
        cls = model_of(d)
        if cls is None:
            errors.append(f"{where}: no schema for apiVersion {d.get('apiVersion')!r} kind {d.get('kind')!r}")
            continue
        check_object(d, cls, f"{where} {d.get('kind')} {name_of(d)[1]}", errors)
    if not errors:
        cross_check([(w, d) for w, d in docs if isinstance(d, dict)], errors)
    return errors


GOOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: t}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          ports: [{name: probe, containerPort: 80}]
          readinessProbe: {httpGet: {path: /readyz, port: probe}}
"""

# Each of these breaks GOOD in one way the validator must catch.
BAD = {
    "an unknown field": ("image: web:1", "image: web:1\n          imagePolicy: Always"),
    "a wrong type": ("containerPort: 80", "containerPort: eighty"),
    "a list where an object goes": ("{matchLabels: {app: web}}", "[{matchLabels: {app: web}}]"),
    "a required field missing": ("- name: web\n          image", "- image"),
    "a value outside its enumeration": ("image: web:1", "image: web:1\n          imagePullPolicy: Sometimes"),
    "a selector not matching the pods": ("matchLabels: {app: web}", "matchLabels: {app: api}"),
    "a probe on an unnamed port": ("port: probe}", "port: health}"),
    "an undefined Secret": ("image: web:1", "image: web:1\n          envFrom: [{secretRef: {name: nope}}]"),
    "a quantity that is none": ("containerPort: 80}]", "containerPort: 80}]\n          resources: {requests: {memory: lots}}"),
    "an unknown kind": ("kind: Deployment", "kind: Deploymint"),
}


def self_test():
    failed = 0
    good = validate([("good", yaml.safe_load(GOOD))])
    if good:
        print("FAIL the good manifest is refused:", *good, sep="\n    ")
        failed = 1
    for what, (old, new) in BAD.items():
        assert old in GOOD, what
        errs = validate([(what, yaml.safe_load(GOOD.replace(old, new, 1)))])
        print(("ok   refused: " if errs else "FAIL accepted: ") + what + (f" ({errs[0]})" if errs else ""))
        failed |= not errs
    return failed


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    docs = load(argv[1:])
    errors = validate(docs)
    for e in errors:
        print("FAIL", e)
    kinds = {}
    for _, d in docs:
        kinds[d.get("kind")] = kinds.get(d.get("kind"), 0) + 1
    print(f"{len(docs)} objects ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}):",
          "valid" if not errors else f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
