# packages.sh: the Debian packages the suite needs, and crm_ensure_packages,
# which installs the missing ones. Sourced by up.sh and test.sh.
#
#   source deploy/local/packages.sh && crm_ensure_packages
#
# Installs only when `dpkg -s` says something is missing (then apt-get update
# first); as root directly, otherwise through sudo when there is one. Never
# asks a question (DEBIAN_FRONTEND=noninteractive, stdin from /dev/null).
# shellcheck shell=bash

CRM_PACKAGES=(build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
    libpq-dev libhiredis-dev libuv1-dev libjansson-dev postgresql redis-server
    libh2o-dev libsodium-dev libcurl4-openssl-dev libssl-dev
    libxlsxwriter-dev # the gateway's spreadsheet exports
    protobuf-compiler libprotobuf-dev python3-protobuf
    libzip-dev libxml2-dev # lib/src/xlsx.c: XLSX workbooks (imports)
    libxlsxwriter-dev      # the tests' XLSX fixtures (test_xlsx, test_customer_import)
    libjson-validator-perl # the OpenAPI validator of the test openapi_valid
    libfaketime            # the tests over simulated time (tests/support/harness_clock.c)
    python3-prometheus-client # the reference parser of /metrics (tests/support/check_metrics.py)
    systemd                   # systemd-analyze: the test systemd_units (deploy/systemd/verify.sh)
    python3-kubernetes        # the API's schema: the test k8s_manifests (deploy/k8s/validate.py)
    python3-yaml)             # the manifests read by deploy/k8s/validate.py

crm_ensure_packages() {
    local p missing=()
    for p in "${CRM_PACKAGES[@]}"; do
        if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "missing packages: ${missing[*]}; run as root or install sudo" >&2
            return 1
        fi
        sudo=(sudo)
    fi
    echo "==> installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" </dev/null
}
