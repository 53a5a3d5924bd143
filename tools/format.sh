#!/usr/bin/env bash
# format.sh: formats every C source and header of the project with the pinned
# clang-format (version 14, Debian's clang-format-14) and the rules in
# .clang-format.
#
#   tools/format.sh           # rewrites the files in place
#   tools/format.sh --check   # changes nothing; lists the files that differ
#                             # and exits 1 if any does (deploy/local/test.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tool="${CRM_CLANG_FORMAT:-clang-format-14}"
if ! command -v "$tool" >/dev/null 2>&1; then
    echo "format.sh: $tool not found (Debian package clang-format-14)" >&2
    exit 2
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h')
else
    mapfile -t files < <(find lib services tests tools bench -name '*.c' -o -name '*.h')
fi
if [ "${1:-}" = "--check" ]; then
    bad=()
    for f in "${files[@]}"; do
        [ -f "$f" ] || continue
        if ! "$tool" --dry-run --Werror "$f" >/dev/null 2>&1; then
            bad+=("$f")
        fi
    done
    if [ ${#bad[@]} -gt 0 ]; then
        printf 'not formatted (run tools/format.sh): %s\n' "${bad[@]}" >&2
        exit 1
    fi
    exit 0
fi
for f in "${files[@]}"; do
    [ -f "$f" ] && "$tool" -i "$f"
done
