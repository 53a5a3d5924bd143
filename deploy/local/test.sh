#!/usr/bin/env bash
# test.sh: builds everything with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs every test; exits with ctest's status. The one test command, for
# developers and CI alike (works as root, with no stdin).
#
#   deploy/local/test.sh              # every test
#   deploy/local/test.sh -L unit      # extra arguments go to ctest
#
# Installs missing Debian packages first (see packages.sh), then checks that
# every C file is formatted by the pinned clang-format (tools/format.sh). The build goes to
# build-asan/ (CRM_TEST_BUILD_DIR overrides). The integration tests start their
# own PostgreSQL and Redis in temporary folders; nothing else is needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/packages.sh
source "$here/packages.sh"
build="${CRM_TEST_BUILD_DIR:-$root/build-asan}"

CRM_PACKAGES+=(clang-format-14) # the pinned formatter, checked first
crm_ensure_packages
"$root/tools/format.sh" --check
cmake -S "$root" -B "$build" -DCRM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
ctest --test-dir "$build" --output-on-failure -j2 "$@" </dev/null || status=$?
exit "$status"
