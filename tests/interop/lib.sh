# Shared helpers for interop tests (source it). Every server a test starts is
# registered with `track PID` and stopped by PID at exit; every wait is
# bounded. Results are counted with ok/bad and summarised by `finish`.
set -uo pipefail
STRATA=${STRATA:?path of the strata binary}
work=$(mktemp -d)
pids=()
track() { pids+=("$1"); }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0
ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
T=${T:-60} # bound on any one command

# need CMD...: each command must exist (scripts/deps.sh installs them); a
# missing one fails the test, never skips it.
need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || { echo "FAIL - $c not installed (run scripts/deps.sh)"; exit 1; }
    done
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 12768)) # below the ephemeral range (32768 up)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# wait_port PORT: waits (bounded, 10 s) until 127.0.0.1:PORT accepts.
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# strata_listen NAME ARGS...: starts `strata listen ARGS` in the background,
# waits for its "listening on" line; sets LPID and PORT.
strata_listen() {
    local log=$1.log
    shift
    "$STRATA" listen "$@" 2>"$log" &
    LPID=$!
    track "$LPID"
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^strata: listening on .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
        [ -n "$PORT" ] && return 0
        kill -0 "$LPID" 2>/dev/null || break
        sleep 0.1
    done
    echo "listener did not start:"
    sed 's/^/    /' "$log"
    return 1
}

# finish: prints the closing line and exits non-zero on any failure.
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
    exit $?
}
