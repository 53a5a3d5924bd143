# env.sh: where the local suite lives and listens; sourced by up.sh and
# down.sh (never run directly). Every setting can be overridden from the
# environment:
#
#   CRM_DATA_DIR        data, logs, pid files (default <repo>/.data)
#   CRM_BUILD_DIR       the build used (default <repo>/build-local)
#   (the defaults stay below the kernel's ephemeral port range, 32768 and up,
#   so no outgoing connection or test can be holding them)
#   CRM_PG_PORT         PostgreSQL (default 25432)
#   CRM_REDIS_PORT      Redis (default 26379)
#   CRM_RPC_PORT_BASE   RPC ports, one per service in the build's order (default 7101..)
#   CRM_PUB_PORT_BASE   PUB ports, likewise (default 7201..)
#   CRM_PROBE_PORT_BASE probe ports (HTTP /metrics, /healthz, /readyz), likewise (default 7301..)
#   CRM_HTTP_PORT       the gateway's HTTP port (default 8080)
#   CRM_ADMIN_USER, CRM_ADMIN_PASSWORD
#                       the gateway's first admin, created at its first start
#                       (default admin, and a random password kept in
#                       $CRM_DATA_DIR/admin-password)
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this

CRM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CRM_DATA_DIR="${CRM_DATA_DIR:-$CRM_ROOT/.data}"
CRM_BUILD_DIR="${CRM_BUILD_DIR:-$CRM_ROOT/build-local}"
CRM_PG_PORT="${CRM_PG_PORT:-25432}"
CRM_REDIS_PORT="${CRM_REDIS_PORT:-26379}"
CRM_RPC_PORT_BASE="${CRM_RPC_PORT_BASE:-7101}"
CRM_PUB_PORT_BASE="${CRM_PUB_PORT_BASE:-7201}"
CRM_PROBE_PORT_BASE="${CRM_PROBE_PORT_BASE:-7301}"
CRM_HTTP_PORT="${CRM_HTTP_PORT:-8080}"
CRM_SERVICES=() # filled by crm_services, from the build

CRM_LOG_DIR="$CRM_DATA_DIR/logs"
CRM_RUN_DIR="$CRM_DATA_DIR/run"
CRM_REDIS_DIR="$CRM_DATA_DIR/redis"
CRM_KEYS_DIR="$CRM_DATA_DIR/keys" # the suite's CurveZMQ keys (crmctl keys)
CRM_CRMCTL="$CRM_BUILD_DIR/tools/crmctl"

# The folder holding the PostgreSQL cluster (pg/) and its socket (pg-run/).
# As root PostgreSQL runs as the `postgres` user, which must be able to reach
# it: when it cannot enter the data folder (a checkout under /root, say), the
# cluster goes to /var/tmp instead. up.sh records the choice in run/pg-home.
crm_pg_home() {
    if [ -s "$CRM_RUN_DIR/pg-home" ]; then
        cat "$CRM_RUN_DIR/pg-home"
    elif [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$CRM_DATA_DIR" 2>/dev/null; then
        echo "$CRM_DATA_DIR"
    else
        echo "/var/tmp/crm-local-$(printf '%s' "$CRM_DATA_DIR" | cksum | cut -d' ' -f1)"
    fi
}

# The PostgreSQL server programs (not on PATH on Debian): the newest installed.
crm_pg_bin() {
    local d
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1 || true)"
    if [ -z "$d" ]; then
        echo "no PostgreSQL server under /usr/lib/postgresql" >&2
        return 1
    fi
    echo "$d"
}

# Runs a command as the user PostgreSQL runs as (initdb and postgres refuse root).
crm_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Fills CRM_SERVICES with the service processes of the build, from
# $CRM_BUILD_DIR/services.txt (written by cmake: every crm_service, in the
# order of CMakeLists.txt's add_subdirectory lines; ports follow this order).
# Returns 1 if the build has not written it yet.
crm_services() {
    local f="$CRM_BUILD_DIR/services.txt"
    if [ ! -s "$f" ]; then
        echo "no $f: configure the build first (up.sh does)" >&2
        return 1
    fi
    mapfile -t CRM_SERVICES <"$f"
}

crm_upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

# Endpoints of service number i (0-based, CRM_SERVICES order; see crm_services).
crm_rpc_endpoint() { echo "tcp://127.0.0.1:$((CRM_RPC_PORT_BASE + $1))"; }
crm_pub_endpoint() { echo "tcp://127.0.0.1:$((CRM_PUB_PORT_BASE + $1))"; }
crm_probe_bind() { echo "127.0.0.1:$((CRM_PROBE_PORT_BASE + $1))"; }

crm_db_url() { echo "host=127.0.0.1 port=$CRM_PG_PORT user=postgres dbname=$1"; }
crm_redis_url() { echo "redis://127.0.0.1:$CRM_REDIS_PORT"; }

# Prints the export lines every client of the suite needs: where each
# service's RPC and PUB sockets are, and Redis. Written to $CRM_DATA_DIR/env.
crm_suite_env() {
    local i s S
    for i in "${!CRM_SERVICES[@]}"; do
        s="${CRM_SERVICES[$i]}"
        S="$(crm_upper "$s")"
        echo "export CRM_${S}_RPC='$(crm_rpc_endpoint "$i")'"
        echo "export CRM_${S}_PUB='$(crm_pub_endpoint "$i")'"
        echo "export CRM_${S}_PROBE='http://$(crm_probe_bind "$i")'"
    done
    echo "export CRM_REDIS_URL='$(crm_redis_url)'"
    echo "export CRM_GATEWAY_URL='http://127.0.0.1:$CRM_HTTP_PORT'"
    echo "export CRM_CURVE_DIR='$CRM_KEYS_DIR'"
}

# 0 if process pid exists and is not a zombie (in a container whose pid 1
# does not reap, a dead daemon stays a zombie).
crm_alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ -n "$stat" ] && [ "${stat:0:1}" != Z ]
}

# The pid in pid file f if that process is alive and its command name
# (/proc/PID/comm, at most 15 characters) is name, so that a reused pid is
# never taken for ours; empty otherwise.
crm_live_pid() {
    local f="$1" name="$2" pid comm
    [ -s "$f" ] || return 0
    pid="$(head -n 1 "$f")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    crm_alive "$pid" || return 0
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    if [ "$comm" = "${name:0:15}" ]; then
        echo "$pid"
    fi
}

# Waits up to $2 seconds for pid $1 to exit; returns 1 if it is still there.
crm_wait_gone() {
    local pid="$1" i
    for ((i = 0; i < $2 * 10; i++)); do
        crm_alive "$pid" || return 0
        sleep 0.1
    done
    return 1
}
