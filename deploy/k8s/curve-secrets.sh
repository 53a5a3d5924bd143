#!/usr/bin/env bash
# curve-secrets.sh: the CurveZMQ keys of the suite as Kubernetes Secrets.
#
#   deploy/k8s/curve-secrets.sh KEYS_DIR NAMESPACE SERVICE... > curve-secrets.yaml
#   kubectl apply -f curve-secrets.yaml
#
# Makes the missing key pairs in KEYS_DIR with crmctl keys (CRMCTL, default
# crmctl on PATH): the servers' pair "server", one per SERVICE, and
# "crmctl"; keeps the folder (it is the keys' only copy: store it as you
# store any secret). Prints:
#   crm-curve-public     every .pub of the folder (the clients each service
#                        lets in: ZAP reads the folder's .pub files) and
#                        server.pub;
#   crm-curve-SERVICE    server.key (every service serves) and SERVICE.key.
# Each pod mounts crm-curve-public and its own in one folder (CRM_CURVE_DIR,
# deploy/k8s/service.yaml.in). To let an integrator in: crmctl keys KEYS_DIR
# erp, run this again, apply (docs/operations.md, "Rotating CurveZMQ keys").
set -euo pipefail
[ $# -ge 3 ] || {
    sed -n '2,17p' "$0" >&2
    exit 2
}
dir="$1" ns="$2"
shift 2
crmctl="${CRMCTL:-crmctl}"
"$crmctl" keys "$dir" server crmctl "$@" >&2

# secret NAME FILE...: a Secret holding the files, by their base names.
secret() {
    local name="$1" f
    shift
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n' "$name" "$ns"
    printf '  labels:\n    app.kubernetes.io/part-of: crm\ntype: Opaque\ndata:\n'
    for f in "$@"; do
        printf '  %s: %s\n' "$(basename "$f")" "$(base64 -w0 <"$f")"
    done
}

echo "# The suite's CurveZMQ keys, made by deploy/k8s/curve-secrets.sh: secret."
secret crm-curve-public "$dir"/*.pub
for s in "$@"; do
    secret "crm-curve-$s" "$dir/server.key" "$dir/$s.key"
done
