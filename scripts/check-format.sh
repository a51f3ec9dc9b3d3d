#!/usr/bin/env bash
# Fails when a tracked C source or header differs from .clang-format's output.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "FAIL - clang-format not installed"; exit 1; }
bad=0 n=0
while IFS= read -r f; do
    n=$((n + 1))
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run: clang-format -i $f)"
        bad=$((bad + 1))
    fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find src include tools tests -name '*.[ch]')
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
