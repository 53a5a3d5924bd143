#!/usr/bin/env bash
# up.sh: builds and starts the whole CRM suite on this machine, in one command.
#
#   deploy/local/up.sh            # then: source .data/env; build-local/tools/crmctl call leads System.Ping '{}'
#   deploy/local/down.sh          # stops it again
#
# On a fresh Debian 12: installs the missing packages (apt-get, as root or via
# sudo), builds into build-local/ (RelWithDebInfo), starts a private
# PostgreSQL cluster and Redis under .data/ (no system service is touched;
# as root PostgreSQL runs as the `postgres` user), creates one database per
# service, starts one instance of each service and waits until each answers
# System.Ping. Running it again starts only what is not running.
#
# Settings (ports, folders) are in env.sh and can be overridden from the
# environment, e.g. CRM_DATA_DIR=/tmp/crm CRM_PG_PORT=5544 deploy/local/up.sh.
# CRM_NO_BUILD=1 skips the package check and the build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/env.sh
source "$here/env.sh"
# shellcheck source=deploy/local/packages.sh
source "$here/packages.sh"

die() {
    echo "up.sh: $*" >&2
    exit 1
}

# ---- packages and build ---------------------------------------------------
if [ "${CRM_NO_BUILD:-0}" != 1 ]; then
    crm_ensure_packages
    echo "==> building into $CRM_BUILD_DIR"
    cmake -S "$CRM_ROOT" -B "$CRM_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$CRM_BUILD_DIR" -j"$(nproc)"
fi
crm_services || die "the build in $CRM_BUILD_DIR lists no services"
for s in "${CRM_SERVICES[@]}"; do
    [ -x "$CRM_BUILD_DIR/services/$s/crm-$s" ] ||
        die "no binary $CRM_BUILD_DIR/services/$s/crm-$s after the build"
done

mkdir -p "$CRM_DATA_DIR" "$CRM_LOG_DIR" "$CRM_RUN_DIR" "$CRM_REDIS_DIR"
# The suite's CurveZMQ keys: the servers' pair, one per service, one for
# crmctl (kept across runs; an integrator's key is added the same way).
"$CRM_CRMCTL" keys "$CRM_KEYS_DIR" server gateway crmctl "${CRM_SERVICES[@]}" ||
    die "cannot make the CurveZMQ keys in $CRM_KEYS_DIR"
crm_suite_env >"$CRM_DATA_DIR/env"
echo "export PATH='$CRM_BUILD_DIR/tools':\"\$PATH\"" >>"$CRM_DATA_DIR/env"

# ---- PostgreSQL -----------------------------------------------------------
pg_bin="$(crm_pg_bin)"
pg_home="$(crm_pg_home)"
echo "$pg_home" >"$CRM_RUN_DIR/pg-home"
pgdata="$pg_home/pg"
pgrun="$pg_home/pg-run"
pglog="$pg_home/logs/postgres.log" # where the postgres user can write
mkdir -p "$pgdata" "$pgrun" "$pg_home/logs"
touch "$pglog"
if [ "$pglog" != "$CRM_LOG_DIR/postgres.log" ]; then
    ln -sfn "$pglog" "$CRM_LOG_DIR/postgres.log"
fi
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$pgdata" "$pgrun" "$pglog"
fi
chmod 700 "$pgdata"
psql=("$pg_bin/psql" -X -q -h 127.0.0.1 -p "$CRM_PG_PORT" -U postgres)

if [ ! -s "$pgdata/PG_VERSION" ]; then
    echo "==> initdb $pgdata"
    (cd / && crm_as_pg "$pg_bin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 \
        --locale=C.UTF-8 >>"$pglog" 2>&1) || die "initdb failed; see $pglog"
fi
if [ -n "$(crm_live_pid "$pgdata/postmaster.pid" postgres)" ]; then
    echo "PostgreSQL: already running on 127.0.0.1:$CRM_PG_PORT"
else
    echo "==> starting PostgreSQL on 127.0.0.1:$CRM_PG_PORT"
    (cd / && crm_as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 -s \
        -o "-p $CRM_PG_PORT -k $pgrun -c listen_addresses=127.0.0.1 -c max_connections=200" \
        start) || {
        tail -n 30 "$pglog" >&2
        die "PostgreSQL did not start; see $pglog"
    }
fi
for s in "${CRM_SERVICES[@]}"; do
    if [ "$("${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = '$s'")" != 1 ]; then
        echo "==> creating database $s"
        "${psql[@]}" -d postgres -c "create database \"$s\""
    fi
done

# ---- Redis ----------------------------------------------------------------
redis_pid_file="$CRM_RUN_DIR/redis.pid"
if [ -n "$(crm_live_pid "$redis_pid_file" redis-server)" ]; then
    echo "Redis: already running on 127.0.0.1:$CRM_REDIS_PORT"
else
    echo "==> starting Redis on 127.0.0.1:$CRM_REDIS_PORT"
    redis-server --port "$CRM_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$redis_pid_file" --logfile "$CRM_LOG_DIR/redis.log" \
        --dir "$CRM_REDIS_DIR" </dev/null
    for ((i = 0; i < 100; i++)); do
        [ "$(redis-cli -h 127.0.0.1 -p "$CRM_REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
        sleep 0.1
    done
    [ "$(redis-cli -h 127.0.0.1 -p "$CRM_REDIS_PORT" ping 2>/dev/null)" = PONG ] ||
        die "Redis does not answer; see $CRM_LOG_DIR/redis.log"
fi

# ---- services -------------------------------------------------------------
# svc_ready s i: 0 if service s answers System.Ping (crmctl), or, while crmctl is not
# built, if its RPC port accepts connections.
svc_ready() {
    local s="$1" i="$2"
    if [ -x "$CRM_CRMCTL" ]; then
        "$CRM_CRMCTL" call "$s" System.Ping '{}' --deadline-ms 1000 >/dev/null 2>&1
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$((CRM_RPC_PORT_BASE + i))") 2>/dev/null
    fi
}

# shellcheck disable=SC1091  # written above
source "$CRM_DATA_DIR/env"
# The gateway's listener and first admin (used at its first start only).
export CRM_HTTP_BIND="127.0.0.1:$CRM_HTTP_PORT"
export CRM_ADMIN_USER="${CRM_ADMIN_USER:-admin}"
if [ -z "${CRM_ADMIN_PASSWORD:-}" ]; then
    if [ ! -s "$CRM_DATA_DIR/admin-password" ]; then
        (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$CRM_DATA_DIR/admin-password")
    fi
    CRM_ADMIN_PASSWORD="$(cat "$CRM_DATA_DIR/admin-password")"
fi
export CRM_ADMIN_PASSWORD
[ -x "$CRM_CRMCTL" ] || echo "warning: $CRM_CRMCTL is not built; readiness is checked by port only" >&2
for i in "${!CRM_SERVICES[@]}"; do
    s="${CRM_SERVICES[$i]}"
    pid_file="$CRM_RUN_DIR/$s.pid"
    if [ -n "$(crm_live_pid "$pid_file" "crm-$s")" ]; then
        echo "$s: already running (pid $(cat "$pid_file"))"
        continue
    fi
    echo "==> starting $s"
    echo "---- up.sh: starting $s at $(date -u +%FT%TZ) ----" >>"$CRM_LOG_DIR/$s.log"
    CRM_RPC_BIND="$(crm_rpc_endpoint "$i")" \
        CRM_PUB_BIND="$(crm_pub_endpoint "$i")" \
        CRM_PROBE_BIND="$(crm_probe_bind "$i")" \
        CRM_DB_URL="$(crm_db_url "$s")" \
        CRM_REDIS_URL="$(crm_redis_url)" \
        CRM_INSTANCE="$s-0" \
        nohup "$CRM_BUILD_DIR/services/$s/crm-$s" </dev/null >>"$CRM_LOG_DIR/$s.log" 2>&1 &
    echo $! >"$pid_file"
done
# Every service, started now or before, must answer.
for i in "${!CRM_SERVICES[@]}"; do
    s="${CRM_SERVICES[$i]}"
    pid="$(cat "$CRM_RUN_DIR/$s.pid")"
    ok=0
    deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if svc_ready "$s" "$i"; then
            ok=1
            break
        fi
        if ! crm_alive "$pid"; then
            break
        fi
        sleep 0.1
    done
    if [ "$ok" != 1 ]; then
        tail -n 30 "$CRM_LOG_DIR/$s.log" >&2
        if crm_alive "$pid"; then
            die "$s (pid $pid) does not answer System.Ping after 30 s; see $CRM_LOG_DIR/$s.log"
        fi
        rm -f "$CRM_RUN_DIR/$s.pid"
        die "$s exited while starting; see $CRM_LOG_DIR/$s.log"
    fi
done

# ---- where everything is --------------------------------------------------
echo
echo "The CRM suite is up (data in $CRM_DATA_DIR):"
printf '  %-10s %-28s %-28s %-22s %s\n' service rpc pub "probe (/metrics)" log
for i in "${!CRM_SERVICES[@]}"; do
    s="${CRM_SERVICES[$i]}"
    printf '  %-10s %-28s %-28s %-22s %s\n' "$s" "$(crm_rpc_endpoint "$i")" \
        "$(crm_pub_endpoint "$i")" "$(crm_probe_bind "$i")" "$CRM_LOG_DIR/$s.log"
done
echo "  HTTP API   http://127.0.0.1:$CRM_HTTP_PORT/api/v1 (first admin: $CRM_ADMIN_USER;" \
    "password in $CRM_DATA_DIR/admin-password unless CRM_ADMIN_PASSWORD was given)"
echo "  PostgreSQL $(crm_db_url '<service>')"
echo "  Redis      $(crm_redis_url)"
echo
echo "Call it:"
echo "  source $CRM_DATA_DIR/env"
echo "  crmctl call leads System.Ping '{}'"
echo "  crmctl events leads"
echo "  curl -s -X POST \$CRM_GATEWAY_URL/api/v1/auth/login -d '{\"username\": \"$CRM_ADMIN_USER\", \"password\": \"...\"}'"
echo "Stop it:   deploy/local/down.sh"
