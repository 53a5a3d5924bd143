#!/usr/bin/env bash
# deploy/debian/build.sh [OUT_DIR]: the suite's Debian packages (debian/),
# built by dpkg-buildpackage from a copy of this checkout, into OUT_DIR
# (default build-deb/): crm-common, crm-<service> for each service, crmctl.
#
# Installs the build dependencies first (deploy/local/packages.sh, plus
# debhelper, help2man, lintian), checks the packages with lintian (errors
# fail the build), and unpacks each service package to check that its binary
# finds every shared library it needs. Takes a full release build: minutes.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-$src/build-deb}")"
# shellcheck source=deploy/local/packages.sh
source "$src/deploy/local/packages.sh"
CRM_PACKAGES+=(debhelper help2man lintian)
crm_ensure_packages

version="$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)"
work="$(mktemp -d /tmp/crm-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT
tree="$work/crm-$version"
mkdir -p "$tree"
# The sources only: no build folders, no Git metadata.
tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$tree" -xf -
(cd "$tree" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -uc -us)

mkdir -p "$out"
rm -f "$out"/*.deb
mv "$work"/*.deb "$out"/
lintian --fail-on error "$out"/*.deb

# Each binary, unpacked, resolves every library it links and runs: a service
# started without its settings exits 2 naming the first one missing.
for deb in "$out"/*.deb; do
    case "$deb" in *-dbgsym_*) continue ;; esac
    root="$work/unpacked/$(basename "$deb" .deb)"
    mkdir -p "$root"
    dpkg-deb -x "$deb" "$root"
    for bin in "$root"/usr/lib/crm/* "$root"/usr/bin/*; do
        [ -f "$bin" ] || continue
        if ldd "$bin" | grep -q 'not found'; then
            echo "$bin: a library is missing:" >&2
            ldd "$bin" | grep 'not found' >&2
            exit 1
        fi
    done
    for bin in "$root"/usr/lib/crm/crm-*; do
        [ -f "$bin" ] || continue
        rc=0
        log="$(env -i "$bin" 2>&1)" || rc=$?
        if [ "$rc" -ne 2 ] || ! grep -q '"missing configuration"' <<<"$log"; then
            echo "$bin without settings: exit $rc, not 2 naming the missing setting: $log" >&2
            exit 1
        fi
    done
done
ls -l "$out"
