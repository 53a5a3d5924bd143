#!/usr/bin/env bash
# test.sh: the test k8s_manifests (deploy/CMakeLists.txt). Checks that the
# validator refuses bad manifests (validate.py --self-test), makes the
# CurveZMQ Secrets with this build's crmctl (curve-secrets.sh), validates the
# generated manifests together with them (validate.py), and checks that the
# key folder each pod mounts holds what lib/src/curve.c reads: server.pub,
# server.key, and the service's own pair, each a 40-character Z85 key.
#
#   deploy/k8s/test.sh CRMCTL MANIFESTS.yaml NAMESPACE SERVICE...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crmctl="$1" manifests="$2" ns="$3"
shift 3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 "$here/validate.py" --self-test
CRMCTL="$crmctl" "$here/curve-secrets.sh" "$tmp/keys" "$ns" "$@" >"$tmp/curve-secrets.yaml"
/usr/bin/python3 "$here/validate.py" "$manifests" "$tmp/curve-secrets.yaml"
/usr/bin/python3 - "$manifests" "$tmp/curve-secrets.yaml" "$@" <<'PY'
import base64, re, sys, yaml
docs = [d for p in sys.argv[1:3] for d in yaml.safe_load_all(open(p)) if d]
secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
bad = 0
for svc in sys.argv[3:]:
    sts = next(d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == f"crm-{svc}")
    vol = next(v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "keys")
    folder, ok = {}, True
    for src in vol["projected"]["sources"]:
        folder.update(secrets[src["secret"]["name"]].get("data") or {})
    for f in ("server.pub", "server.key", f"{svc}.pub", f"{svc}.key"):
        key = base64.b64decode(folder.get(f, "")).decode().strip()
        if not re.fullmatch(r"[0-9A-Za-z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}", key):
            print(f"FAIL {svc}'s key folder: {f} missing or not a Z85 key")
            ok, bad = False, 1
    if ok:
        print(f"ok   {svc}'s key folder: {len(folder)} files")
sys.exit(bad)
PY
