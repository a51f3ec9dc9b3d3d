# Sourced by the bench/run-*.sh scripts that compare strata with the peers'
# OpenSSL programs, from the repository root.
#   bench_release TARGET...   builds these targets of the release preset
#   peers_tlsbench            compiles the peers' tlsbench from
#                             ../shared/peers-bench/src (env PEERS) into
#                             build/peers (never copied into the project);
#                             sets TB to its path
#   bench_workdir             a temporary directory in BENCH_DIR, removed at
#                             exit with every process in BENCH_PIDS stopped
#   bench_port_up PORT        waits (10 s) until 127.0.0.1:PORT accepts
#   bench_free_port           prints a port nothing listens on
#   bench_stop PID            SIGTERM, at most 10 s, then SIGKILL
bench_release() {
    bash scripts/deps.sh build
    cmake --preset release >/dev/null
    cmake --build --preset release -j2 --target "$@" >/dev/null
}

peers_tlsbench() {
    local peers=${PEERS:-../shared/peers-bench}
    [ -f "$peers/src/tlsbench.c" ] || { echo "no $peers/src/tlsbench.c (../shared beside the project)"; exit 1; }
    mkdir -p build/peers
    gcc -O2 -w -o build/peers/tlsbench "$peers/src/tlsbench.c" -lssl -lcrypto
    TB=build/peers/tlsbench
}

bench_workdir() {
    BENCH_DIR=$(mktemp -d)
    BENCH_PIDS=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$BENCH_DIR"
}

bench_port_up() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

bench_free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 12768)) # below the ephemeral range
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

bench_stop() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        echo "  $1 still running 10 s after SIGTERM: killed" >&2
        kill -KILL "$1"
    fi
    wait "$1" 2>/dev/null || true
}
