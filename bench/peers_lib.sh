# Sourced by the bench/run-*.sh scripts that compare strata with the peers'
# OpenSSL programs, from the repository root.
#   bench_release TARGET...   builds these targets of the release preset
#   peers_tlsbench            compiles the peers' tlsbench from
#                             ../shared/peers-bench/src (env PEERS) into
#                             build/peers (never copied into the project);
#                             sets TB to its path
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
