#!/usr/bin/env bash
# The memory benchmark (issue 5): memory per idle, established TLS 1.3 layer
# against the target of at most 20 KiB resident, in ONE run, for:
#   OpenSSL, client kept, defaults            (peers' tlsbench conns --release 0)
#   OpenSSL, client kept, RELEASE_BUFFERS      (peers' tlsbench conns --release 1)
#   strata client layer, no trim               (bench/layer_mem --trim 0)
#   strata client layer, strata_stack_trim     (bench/layer_mem --trim 1)
#   strata server layer, strata_stack_trim     (bench/layer_mem --keep server)
# Same method for all (section D of the peers' RESULTS.md): N in-process
# pairs over memory, handshake, the client reads the server's 2 session
# tickets, the other side freed, malloc_trim(0); RSS delta (/proc/self/statm)
# and glibc heap delta (mallinfo2) per connection; same ECDSA P-256
# certificate, TLS_AES_128_GCM_SHA256, X25519. Prints medians of REPS runs
# and the ratio to the 20 KiB target (RSS and heap).
# The peers' program is compiled from ../shared/peers-bench/src into
# build/peers (never copied into the project).
#   bash bench/run-mem.sh            env: REPS (3), N (1000)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
N=${N:-1000}
TARGET_KIB=20
source bench/peers_lib.sh
bench_release layer_mem
peers_tlsbench
LM=build/release/bench/layer_mem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$work/ec.key" -out "$work/ec.crt" 2>/dev/null
ID=(--cert "$work/ec.crt" --key "$work/ec.key" --ca "$work/ec.crt")
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }
ratio() { awk -v x="$1" -v t="$TARGET_KIB" 'BEGIN{ if (x == "n/a") print "n/a"; else printf "%.2f", x/t }'; }

run() { # LABEL RSS_KEY HEAP_KEY CMD...: REPS runs, one table row of medians
    local label=$1 rk=$2 hk=$3 line rss=() heap=()
    shift 3
    for _ in $(seq "$REPS"); do
        line=$(timeout 300 "$@" 2>>"$work/err") || { echo "  run failed: $*" >&2; tail -3 "$work/err" >&2; continue; }
        rss+=("$(kv "$rk" "$line")"); heap+=("$(kv "$hk" "$line")")
    done
    local r h
    r=$(median "${rss[@]-}"); h=$(median "${heap[@]-}")
    printf '%-44s %10s %10s %9s %9s\n' "$label" "$r" "$h" "$(ratio "$r")" "$(ratio "$h")"
}

echo "memory per idle established TLS 1.3 connection: N=$N, median of $REPS, $(date -u +%FT%TZ)"
echo "$(openssl version | cut -d' ' -f1-2), glibc $(ldd --version | sed -n '1s/.* //p'); target $TARGET_KIB KiB resident"
printf '%-44s %10s %10s %9s %9s\n' "kept side" "RSS KiB" "heap KiB" "RSS/20" "heap/20"
OSSL=(rss_kib_per_conn heap_kib_per_conn "$TB" conns "${ID[@]}" --n "$N" --keep client --tickets 2)
STRATA=(rss_kib_per_layer heap_kib_per_layer "$LM" "${ID[@]}" --n "$N")
run "OpenSSL client, defaults" "${OSSL[@]}" --release 0
run "OpenSSL client, RELEASE_BUFFERS" "${OSSL[@]}" --release 1
run "strata client layer, no trim" "${STRATA[@]}" --keep client --trim 0
run "strata client layer, strata_stack_trim" "${STRATA[@]}" --keep client --trim 1
run "strata server layer, strata_stack_trim" "${STRATA[@]}" --keep server --trim 1
