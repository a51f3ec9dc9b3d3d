#!/usr/bin/env bash
# Builds the fuzz preset (clang + libFuzzer + ASan + UBSan) and runs every
# fuzz target for a short bounded time, starting from its committed corpus.
# New inputs go to a scratch directory, not into the repository.
# Env: FUZZ_SECONDS (default 8 per target).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-8}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${JOBS:-2}" >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pass=0 fail=0
for bin in build/fuzz/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); corpus=tests/fuzz/corpus/${name#fuzz_}
    mkdir -p "$scratch/$name"
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
        -artifact_prefix="$scratch/$name-" "$scratch/$name" "$corpus" >"$scratch/$name.log" 2>&1; then
        echo "fuzz $name: ok ($(grep -c . <(ls "$scratch/$name")) new inputs in ${secs}s)"
        pass=$((pass + 1))
    else
        echo "fuzz $name: FAILED"; tail -n 40 "$scratch/$name.log"
        fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
