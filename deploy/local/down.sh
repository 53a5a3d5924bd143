#!/usr/bin/env bash
# down.sh: stops the local suite started by up.sh: the services (SIGTERM,
# then SIGKILL after 15 s), Redis and PostgreSQL. The data stays in .data/
# (remove that folder to start from scratch).
#
#   deploy/local/down.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/env.sh
source "$here/env.sh"

# term name pid_file comm: sends SIGTERM; sets term_pid to the pid, or to
# nothing if the process was not running.
term() {
    local name="$1" pid_file="$2" comm="$3"
    term_pid="$(crm_live_pid "$pid_file" "$comm")"
    if [ -z "$term_pid" ]; then
        echo "$name: not running"
        rm -f "$pid_file"
        return 0
    fi
    echo "==> stopping $name (pid $term_pid)"
    kill -TERM "$term_pid" 2>/dev/null || true
}

# reap name pid pid_file: waits up to 15 s, then SIGKILL.
reap() {
    local name="$1" pid="$2" pid_file="$3"
    if [ -n "$pid" ] && ! crm_wait_gone "$pid" 15; then
        echo "$name: still running 15 s after SIGTERM; SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        crm_wait_gone "$pid" 5 || true
    fi
    rm -f "$pid_file"
}

# The services first, all at once, then Redis. Without the build's list (its
# folder removed), whatever up.sh left a pid file for.
if ! crm_services 2>/dev/null; then
    for f in "$CRM_RUN_DIR"/*.pid; do
        [ -e "$f" ] || continue
        s="$(basename "$f" .pid)"
        [ "$s" = redis ] || CRM_SERVICES+=("$s")
    done
fi
pids=()
for s in "${CRM_SERVICES[@]}"; do
    term "$s" "$CRM_RUN_DIR/$s.pid" "crm-$s"
    pids+=("$term_pid")
done
for i in "${!CRM_SERVICES[@]}"; do
    s="${CRM_SERVICES[$i]}"
    reap "$s" "${pids[$i]}" "$CRM_RUN_DIR/$s.pid"
done
term Redis "$CRM_RUN_DIR/redis.pid" redis-server
reap Redis "$term_pid" "$CRM_RUN_DIR/redis.pid"

pgdata="$(crm_pg_home)/pg"
if [ -n "$(crm_live_pid "$pgdata/postmaster.pid" postgres)" ]; then
    echo "==> stopping PostgreSQL"
    (cd / && crm_as_pg "$(crm_pg_bin)/pg_ctl" -D "$pgdata" -m fast -w -t 60 -s stop)
else
    echo "PostgreSQL: not running"
fi
