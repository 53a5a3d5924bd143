#!/usr/bin/env bash
# bench.sh: builds the suite for speed (no sanitizers, -O2) and runs every
# benchmark in bench/, each beside its raw limit in the same run. The figures
# it prints are the ones in docs/performance.md.
#
#   deploy/local/bench.sh
#
# The build goes to build-bench/. Each benchmark starts its own PostgreSQL,
# Redis and service processes in a temporary folder, like the tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/packages.sh
source "$here/packages.sh"
build="$root/build-bench"

crm_ensure_packages
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)"
export CRM_LOG_LEVEL=warn
for b in bench_rpc bench_relay bench_latency bench_gateway bench_leads bench_customers bench_opportunities bench_orders bench_funnel bench_performance bench_claims bench_import bench_webhooks bench_export bench_scale; do
    echo "== $b"
    "$build/bench/$b"
    echo
done
