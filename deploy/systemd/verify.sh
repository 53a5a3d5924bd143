#!/usr/bin/env bash
# verify.sh: checks systemd units with systemd's own tools; the test
# systemd_units runs it on the units CMake generates (deploy/CMakeLists.txt).
#
#   deploy/systemd/verify.sh build/deploy/systemd-check/crm-*@.service
#
# Each template unit is checked by `systemd-analyze verify` as it is and as an
# instance (crm-leads@0.service, %i filled in), and its hardening by
# `systemd-analyze security --offline`, which must rate its exposure at most
# CRM_UNIT_MAX_EXPOSURE tenths (default 20: 2.0, "OK" on systemd's 0-10 scale,
# where 10 is a unit with no sandbox at all). verify exits 0 on most findings (an unknown
# key, a bad value are "ignored"), so any line it prints fails the check.
set -uo pipefail
max_exposure="${CRM_UNIT_MAX_EXPOSURE:-20}"
sa="$(command -v systemd-analyze)" || {
    echo "verify.sh: no systemd-analyze (Debian's package systemd)" >&2
    exit 1
}
[ $# -gt 0 ] || {
    echo "usage: verify.sh UNIT..." >&2
    exit 2
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0

# check what file...: runs systemd-analyze on the files; fails on any output.
check() {
    local what="$1" out rc
    shift
    out="$("$sa" verify --man=no "$@" 2>&1)"
    rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
        echo "FAIL $what (exit $rc):"
        echo "$out" | sed 's/^/    /'
        failed=1
    else
        echo "ok   $what"
    fi
}

for unit in "$@"; do
    name="$(basename "$unit")"
    if [ ! -f "$unit" ]; then
        echo "FAIL $name: no such file $unit"
        failed=1
        continue
    fi
    check "$name" "$unit"
    instance="$tmp/${name/@./@0.}"
    cp "$unit" "$instance"
    check "$(basename "$instance")" "$instance"
    out="$("$sa" security --offline=yes --threshold="$max_exposure" "$instance" 2>&1)"
    rc=$?
    level="$(echo "$out" | grep -o 'Overall exposure level[^:]*: [0-9.]* [A-Z]*' || true)"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $name's hardening, above $max_exposure tenths: ${level##*: }"
        echo "$out" | grep -v '^✓' | sed 's/^/    /'
        failed=1
    else
        echo "ok   $name's hardening: ${level##*: }"
    fi
done
exit "$failed"
