#!/usr/bin/env bash
# deploy/multihost/run.sh: the suite spread over three hosts built on this
# machine with Linux network namespaces, under a steady load through the HTTP
# API, while a whole host, then the PostgreSQL primary, then the Redis master
# are killed. Prints what was acknowledged, what was found afterwards, what
# was applied twice, the longest time without service in each phase, and the
# throughput with one and with two instances of each service.
#
#   deploy/multihost/run.sh            (as root; minutes; docs/operations.md)
#
# The hosts (bridge crmmh0, 10.78.0.0/24; this machine's namespace is the
# client's, 10.78.0.1, with the load balancer):
#   h1 10.78.0.11  etcd, Patroni + PostgreSQL, Redis (first master), Sentinel,
#                  haproxy (PostgreSQL primary, Redis master), instance 0 of
#                  every service
#   h2 10.78.0.12  the same, instance 1 of every service, Redis replica
#   h3 10.78.0.13  etcd and Sentinel: the third vote
# Settings: CRM_MH_DIR (default /tmp/crm-multihost), CRM_MH_BUILD (default
# build-multihost, a release build made here), CRM_MH_WORKERS (8 clients),
# CRM_MH_PHASE_S (30 s per phase).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
D="${CRM_MH_DIR:-/tmp/crm-multihost}"
B="${CRM_MH_BUILD:-$root/build-multihost}"
WORKERS="${CRM_MH_WORKERS:-8}"
PHASE_S="${CRM_MH_PHASE_S:-30}"
PG_BIN=/usr/lib/postgresql/15/bin
NET=10.78.0
HOSTS=(h1 h2 h3)
APP_HOSTS=(h1 h2)
PASSWORD=multihost-admin

die() {
    echo "multihost: $*" >&2
    exit 1
}
say() { echo "==> $(date -u +%T) $*"; }
[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces)"

# ---- packages and the build ------------------------------------------------
source "$root/deploy/local/packages.sh"
CRM_PACKAGES+=(patroni python3-etcd etcd-server etcd-client haproxy redis-sentinel iproute2)
crm_ensure_packages
say "release build in $B"
cmake -S "$root" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRM_BUILD_TESTS=OFF >/dev/null
cmake --build "$B" -j"$(nproc)" >/dev/null
mapfile -t SERVICES <"$B/services.txt"

ip_of() { echo "$NET.1${1#h}"; }
ns() { echo "crm$1"; }

# ---- processes on hosts ----------------------------------------------------
# start HOST NAME [--as postgres] CMD...: CMD in HOST's namespace, in its own
# session, logging to $D/logs/HOST-NAME.log.
start() {
    local host="$1" name="$2"
    shift 2
    local as=()
    if [ "$1" = --as ]; then
        as=(runuser -u "$2" --)
        shift 2
    fi
    echo "---- $(date -u +%FT%TZ) start ----" >>"$D/logs/$host-$name.log"
    ip netns exec "$(ns "$host")" setsid "${as[@]}" "$@" </dev/null >>"$D/logs/$host-$name.log" 2>&1 &
    echo $! >"$D/run/$host-$name.pid"
    disown # killed on purpose: no job notice
}
stop_one() { # stop_one HOST NAME SIGNAL
    local f="$D/run/$1-$2.pid"
    [ -f "$f" ] && kill -"$3" -- "-$(cat "$f")" 2>/dev/null || true
}
# A whole host dies: every process in its namespace killed, its link cut.
kill_host() {
    local pids
    pids="$(ip netns pids "$(ns "$1")")"
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ip link set "crmv${1#h}" down
}
in_host() { ip netns exec "$(ns "$1")" "${@:2}"; }

teardown() {
    for h in "${HOSTS[@]}"; do
        if ip netns list | grep -qw "$(ns "$h")"; then
            local pids
            pids="$(ip netns pids "$(ns "$h")")"
            [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
            ip netns del "$(ns "$h")"
        fi
        # A namespace outlives its deletion while a killed process is still
        # exiting; its veth pair goes with the root end.
        ip link del "crmv${h#h}" 2>/dev/null || true
    done
    [ -f "$D/run/lb.pid" ] && kill -9 "$(cat "$D/run/lb.pid")" 2>/dev/null || true
    [ -f "$D/run/load.pid" ] && kill -9 "$(cat "$D/run/load.pid")" 2>/dev/null || true
    ip link del crmmh0 2>/dev/null || true
}

network() {
    ip link add crmmh0 type bridge
    ip addr add "$NET.1/24" dev crmmh0
    ip link set crmmh0 up
    for h in "${HOSTS[@]}"; do
        ip netns add "$(ns "$h")"
        ip link add "crmv${h#h}" type veth peer name eth0 netns "$(ns "$h")"
        ip link set "crmv${h#h}" master crmmh0 up
        in_host "$h" ip addr add "$(ip_of "$h")/24" dev eth0
        in_host "$h" ip link set eth0 up
        in_host "$h" ip link set lo up
    done
}

wait_for() { # wait_for SECONDS WHAT CMD...
    local until=$((SECONDS + $1)) what="$2"
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$until" ] || die "$what: not within the time"
        sleep 0.5
    done
}

# ---- etcd, Patroni, Redis, haproxy -----------------------------------------
etcd_start() {
    local h="$1" ip
    ip="$(ip_of "$h")"
    local cluster="e1=http://$NET.11:2380,e2=http://$NET.12:2380,e3=http://$NET.13:2380"
    start "$h" etcd etcd --name "e${h#h}" --data-dir "$D/etcd/$h" --enable-v2=true \
        --listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
        --listen-client-urls "http://$ip:2379,http://127.0.0.1:2379" \
        --advertise-client-urls "http://$ip:2379" --initial-cluster "$cluster" \
        --initial-cluster-state new --initial-cluster-token crm-multihost
}

patroni_config() {
    local h="$1" ip
    ip="$(ip_of "$h")"
    cat <<YAML
scope: crm
name: pg${h#h}
restapi:
  listen: $ip:8008
  connect_address: $ip:8008
etcd:
  hosts: $NET.11:2379,$NET.12:2379,$NET.13:2379
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 300
        wal_log_hints: "on"
  initdb: [{encoding: UTF8}, {locale: C.UTF-8}, {auth: trust}]
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host all all $NET.0/24 trust
    - host replication all $NET.0/24 trust
postgresql:
  listen: $ip,127.0.0.1:5432
  connect_address: $ip:5432
  data_dir: $D/pg/$h
  bin_dir: $PG_BIN
  pgpass: $D/pg/$h.pgpass
  authentication:
    superuser: {username: postgres, password: pg}
    replication: {username: postgres, password: pg}
  parameters:
    unix_socket_directories: $D/pg/$h.sock
YAML
}

patroni_start() {
    local h="$1"
    mkdir -p "$D/pg/$h.sock"
    chown postgres: "$D/pg" "$D/pg/$h.sock"
    patroni_config "$h" >"$D/pg/$h.yml"
    start "$h" patroni --as postgres patroni "$D/pg/$h.yml"
}
primary_host() { # the Patroni leader's host, from its REST API
    local h
    for h in "${APP_HOSTS[@]}"; do
        if curl -fs -o /dev/null "http://$(ip_of "$h"):8008/primary"; then
            echo "$h"
            return 0
        fi
    done
    return 1
}
replica_streaming() { # a replica follows the leader synchronously again
    curl -fs "http://$(ip_of "$1"):8008/cluster" | grep -q '"role": *"sync_standby"'
}

redis_master() {
    local h
    for h in "${HOSTS[@]}"; do
        redis-cli -h "$(ip_of "$h")" -p 26379 sentinel get-master-addr-by-name crm 2>/dev/null |
            head -1 | grep . && return 0
    done
    return 1
}
redis_start() { # a Redis server; a replica of the master the Sentinels name, if any
    local h="$1" master args=()
    master="$(redis_master || true)"
    [ -z "$master" ] && [ "$h" != h1 ] && master="$NET.11"
    [ -n "$master" ] && [ "$master" != "$(ip_of "$h")" ] && args=(--replicaof "$master" 6379)
    start "$h" redis redis-server --bind "$(ip_of "$h")" --port 6379 --protected-mode no \
        --save '' --appendonly no --dir "$D/redis/$h" "${args[@]}"
}
sentinel_start() {
    local h="$1"
    [ -f "$D/redis/$h/sentinel.conf" ] || cat >"$D/redis/$h/sentinel.conf" <<CONF
bind $(ip_of "$h")
port 26379
protected-mode no
dir $D/redis/$h
sentinel monitor crm $NET.11 6379 2
sentinel down-after-milliseconds crm 2000
sentinel failover-timeout crm 10000
CONF
    start "$h" sentinel redis-sentinel "$D/redis/$h/sentinel.conf"
}

# haproxy on each application host: 127.0.0.1:5000 the PostgreSQL primary
# (Patroni's /primary says which), 127.0.0.1:6380 the Redis master.
haproxy_start() {
    cat >"$D/haproxy-$1.cfg" <<CFG
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 1s
listen pg
    bind 127.0.0.1:5000
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
    server pg1 $NET.11:5432 check port 8008
    server pg2 $NET.12:5432 check port 8008
listen redis
    bind 127.0.0.1:6380
    option tcp-check
    tcp-check send "info replication\r\n"
    tcp-check expect string role:master
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
    server r1 $NET.11:6379 check
    server r2 $NET.12:6379 check
CFG
    start "$1" haproxy haproxy -db -f "$D/haproxy-$1.cfg"
}

# The load balancer in front of the gateways, in the client's namespace.
lb_start() {
    cat >"$D/haproxy-lb.cfg" <<CFG
global
    maxconn 4000
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 30s
    timeout check 1s
    retries 3
    option redispatch
frontend api
    bind $NET.1:8080
    default_backend gateways
backend gateways
    option httpchk GET /healthz
    default-server inter 500ms fall 2 rise 1
    server g1 $NET.11:8080 check
    server g2 $NET.12:8080 check
CFG
    echo "---- $(date -u +%FT%TZ) start ----" >>"$D/logs/lb.log"
    setsid haproxy -db -f "$D/haproxy-lb.cfg" </dev/null >>"$D/logs/lb.log" 2>&1 &
    echo $! >"$D/run/lb.pid"
    disown
}

# ---- the CRM services --------------------------------------------------------
peers_env() {
    local n s S rpc pub
    for n in "${!SERVICES[@]}"; do
        s="${SERVICES[$n]}"
        S="$(printf '%s' "$s" | tr '[:lower:]' '[:upper:]')"
        rpc="tcp://$NET.11:$((7101 + n)),tcp://$NET.12:$((7101 + n))"
        pub="tcp://$NET.11:$((7201 + n)),tcp://$NET.12:$((7201 + n))"
        echo "CRM_${S}_RPC=$rpc"
        echo "CRM_${S}_PUB=$pub"
    done
}
service_start() { # service_start HOST N
    local h="$1" n="$2" s="${SERVICES[$2]}" ip
    ip="$(ip_of "$h")"
    local env=(CRM_RPC_BIND="tcp://$ip:$((7101 + n))" CRM_PUB_BIND="tcp://$ip:$((7201 + n))"
        CRM_PROBE_BIND="$ip:$((7301 + n))" CRM_INSTANCE="$s-$((${h#h} - 1))"
        CRM_DB_URL="host=127.0.0.1 port=5000 user=postgres password=pg dbname=$s"
        CRM_REDIS_URL=redis://127.0.0.1:6380 CRM_CURVE_DIR="$D/keys" CRM_LOG_LEVEL=info
        CRM_HTTP_BIND="$ip:8080" CRM_ADMIN_USER=admin CRM_ADMIN_PASSWORD="$PASSWORD")
    mapfile -t peers < <(peers_env)
    start "$h" "$s" env "${env[@]}" "${peers[@]}" "$B/services/$s/crm-$s"
}
service_ready() { curl -fs -o /dev/null "http://$(ip_of "$1"):$((7301 + $2))/readyz"; }
services_start() {
    local h="$1" n
    for n in "${!SERVICES[@]}"; do service_start "$h" "$n"; done
    for n in "${!SERVICES[@]}"; do
        wait_for 60 "${SERVICES[$n]} on $h ready" service_ready "$h" "$n"
    done
}

# A host comes back: its processes started again in its order.
host_start() {
    local h="$1"
    ip link set "crmv${h#h}" up
    etcd_start "$h"
    if [ "$h" != h3 ]; then
        patroni_start "$h"
        redis_start "$h"
    fi
    sentinel_start "$h"
    if [ "$h" != h3 ]; then
        haproxy_start "$h"
        services_start "$h"
    fi
}

phase() { echo "$(date +%s.%N) $1" >>"$D/phases"; say "phase: $1"; }

# ---- the run -------------------------------------------------------------------
teardown
rm -rf "$D"
mkdir -p "$D"/{logs,run,etcd,pg,keys} "$D"/redis/{h1,h2,h3}
chmod 755 "$D"
trap teardown EXIT
"$B/tools/crmctl" keys "$D/keys" server gateway crmctl "${SERVICES[@]}" >/dev/null
chmod -R a+rX "$D/keys"

say "network: hosts ${HOSTS[*]} on crmmh0"
network
say "etcd on ${HOSTS[*]}"
for h in "${HOSTS[@]}"; do etcd_start "$h"; done
wait_for 60 "etcd cluster healthy" in_host h1 etcdctl --endpoints "http://$NET.11:2379" endpoint health
say "Patroni on ${APP_HOSTS[*]}"
patroni_start h1
wait_for 90 "a PostgreSQL primary" primary_host
patroni_start h2
wait_for 120 "a synchronous replica" replica_streaming h2
say "Redis on h1 (master), h2; Sentinels on ${HOSTS[*]}"
redis_start h1
redis_start h2
for h in "${HOSTS[@]}"; do sentinel_start "$h"; done
wait_for 30 "Sentinels know the master" redis_master
for h in "${APP_HOSTS[@]}"; do haproxy_start "$h"; done
wait_for 30 "haproxy reaches the primary" in_host h1 "$PG_BIN/psql" -X -h 127.0.0.1 -p 5000 -U postgres -c 'select 1'
for s in "${SERVICES[@]}"; do
    in_host h1 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p 5000 -U postgres -c "create database \"$s\"" >/dev/null
done
say "services: ${SERVICES[*]} on h1 and h2"
services_start h1
services_start h2
lb_start
wait_for 30 "the gateways behind $NET.1:8080" curl -fs -o /dev/null "http://$NET.1:8080/healthz"

say "steady load: $WORKERS clients"
/usr/bin/python3 "$here/load.py" run "http://$NET.1:8080" "$PASSWORD" "$D" "$WORKERS" >>"$D/logs/load.log" 2>&1 &
echo $! >"$D/run/load.pid"
sleep 5 # the clients sign in and warm up
phase "two instances of each service"
sleep "$PHASE_S"

victim=h1
phase "host $victim killed (instance 0 of every service, $(primary_host | sed 's/^/PostgreSQL primary on /'), etcd, Sentinel)"
kill_host "$victim"
sleep "$PHASE_S"
phase "host $victim back"
host_start "$victim"
wait_for 120 "PostgreSQL replica on $victim streaming" replica_streaming "$victim"
sleep 5

pg="$(primary_host)"
phase "PostgreSQL primary killed (on $pg: Patroni and PostgreSQL)"
stop_one "$pg" patroni 9
pkill -9 -f "postgres -D $D/pg/$pg" || true
sleep "$PHASE_S"
phase "PostgreSQL on $pg back"
patroni_start "$pg"
wait_for 120 "PostgreSQL replica on $pg streaming" replica_streaming "$pg"
sleep 5

master="$(redis_master)"
mh="h${master##*.1}"
phase "Redis master killed (on $mh)"
stop_one "$mh" redis 9
sleep "$PHASE_S"
phase "Redis on $mh back"
redis_start "$mh"
sleep 5

phase "one instance of each service (those on h2 stopped)"
for n in "${!SERVICES[@]}"; do stop_one h2 "${SERVICES[$n]}" TERM; done
sleep "$PHASE_S"
phase "end"
touch "$D/stop"
wait "$(cat "$D/run/load.pid")" || true


say "verdict"
sql() { in_host h1 "$PG_BIN/psql" -X -tA -h 127.0.0.1 -p 5000 -U postgres -d "$1" -c "$2"; }
wait_for 60 "the customers service has applied every conversion" \
    test "$(sql leads "select count(*) from leads where converted_at is not null")" = \
    "$(sql customers "select count(*) from customers where lead_id is not null")"
sql leads "select id from leads" >"$D/leads.ids"
sql customers "select lead_id from customers where lead_id is not null" >"$D/customers.leads"
verdict_rc=0
verdict="$(/usr/bin/python3 "$here/load.py" verify "$D" "$D/leads.ids" "$D/customers.leads")" || verdict_rc=1
phases="$(/usr/bin/python3 "$here/load.py" report "$D" "$D/phases")"
twice_converted="$(sql leads "select count(*) from (select aggregate_id from crm_outbox where type = 'lead.converted' group by 1 having count(*) > 1) d")"
# Each client's lead has its own mobile: two leads with one mobile are a
# create applied twice (a retry after a failover not recognised as one).
twice_created="$(sql leads "select count(*) from (select mobile from leads group by 1 having count(*) > 1) d")"
{
    echo "verdict: $verdict"
    echo "leads converted twice (lead.converted per lead > 1): $twice_converted"
    echo "leads created twice (two leads with one client's mobile): $twice_created"
    echo "phases:"
    /usr/bin/python3 -c 'import json,sys
for p in json.loads(sys.argv[1]):
    print("  %-95s %5.1f s %6d writes %7.1f/s  longest without service %6.2f s" % (p["phase"], p["seconds"], p["writes"], p["writes_per_s"], p["longest_without_service_s"]))' "$phases"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$D/report.txt"
[ "$verdict_rc" = 0 ] && [ "$twice_converted" = 0 ] && [ "$twice_created" = 0 ]
