#!/usr/bin/env bash
# bench/run-tls.sh - TLS benchmarks, strata against plain OpenSSL in one run:
#  1. bulk transfer over loopback TCP (TLS 1.3, TLS_AES_128_GCM_SHA256, 16 KiB
#     writes) from a strata sender (socket mode; plain and corked) and from a
#     plain C program calling SSL_write on the socket, into the same OpenSSL
#     sink; median MB/s of REPS runs each, interleaved, and the ratios; beside
#     each, how busy the sink was (its CPU seconds over its wall seconds: near
#     1.00 the sink, not the sender, set the pace);
#  2. full TLS 1.3 handshakes per second in memory, strata against OpenSSL
#     driven directly (`strata bench handshakes`).
# env: BYTES (1 GiB) REPS (5) HS_SECONDS (2, CPU seconds per side) BUILD (build/release)
#      ONE_CPU=N runs the sink and every sender on CPU N alone (taskset): the
#      rate then measures the work per byte of sender and sink together, free
#      of the scheduler's placement of the two processes (on 2 CPUs the same
#      sender's runs move between about 1.0 and 1.7 GB/s with it).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build/release}
BYTES=${BYTES:-1073741824}
REPS=${REPS:-5}
HS_SECONDS=${HS_SECONDS:-2}
PIN=()
[ -z "${ONE_CPU:-}" ] || PIN=(taskset -c "$ONE_CPU")
cmake --preset release -S "$SRC" >/dev/null
cmake --build "$BUILD" -j2 --target tls_sink tls_send_plain tls_send_strata strata >/dev/null
T=$(mktemp -d /tmp/strata-bench-tls.XXXXXX)
SINK=""
cleanup() { [ -n "$SINK" ] && kill "$SINK" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null

# A free port, and a sink listening on it (sets P and SINK).
start_sink() {
    for _ in $(seq 20); do
        P=$(shuf -i 20000-60000 -n 1)
        ss -Htln "sport = :$P" | grep -q . && continue
        rm -f "$T/sink.out" # not the last sink's "listening"
        "${PIN[@]}" "$BUILD/bench/tls_sink" --port "$P" --cert "$T/cert.pem" --key "$T/key.pem" --conns 1 \
            > "$T/sink.out" 2>/dev/null &
        SINK=$!
        for _ in $(seq 100); do grep -q listening "$T/sink.out" && return 0; sleep 0.05; done
        kill "$SINK" 2>/dev/null || true
        wait "$SINK" 2>/dev/null || true
    done
    echo "no sink" >&2; exit 1
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
kv() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

declare -a plain strata cork plain_cpu strata_cpu cork_cpu plain_busy strata_busy cork_busy
for r in $(seq "$REPS"); do
    for who in plain strata cork; do
        start_sink
        case $who in
        plain) line=$(timeout 300 "${PIN[@]}" "$BUILD/bench/tls_send_plain" --port "$P" --ca "$T/cert.pem" --bytes "$BYTES") ;;
        strata) line=$(timeout 300 "${PIN[@]}" "$BUILD/bench/tls_send_strata" --port "$P" --ca "$T/cert.pem" --bytes "$BYTES") ;;
        cork) line=$(timeout 300 "${PIN[@]}" "$BUILD/bench/tls_send_strata" --port "$P" --ca "$T/cert.pem" --bytes "$BYTES" --cork 1) ;;
        esac
        wait "$SINK" || true
        SINK=""
        v=$(echo "$line" | kv MBps)
        sl=$(grep '^sink:' "$T/sink.out" | tail -1)
        b=$(awk -v w="$(echo "$sl" | kv wall_s)" -v c="$(echo "$sl" | kv cpu_s)" \
            'BEGIN {printf "%.2f", (w > 0 ? c / w : 0)}')
        echo "run $r $who: $line sink_busy=$b"
        eval "${who}_busy+=($b)"
        c=$(echo "$line" | kv cpu_s_per_GB)
        eval "$who+=($v)"
        eval "${who}_cpu+=($c)"
    done
done
mp=$(median "${plain[@]}"); ms=$(median "${strata[@]}"); mc=$(median "${cork[@]}")
cp=$(median "${plain_cpu[@]}"); cs=$(median "${strata_cpu[@]}"); cc=$(median "${cork_cpu[@]}")
echo
echo "bulk, TLS 1.3 AES-128-GCM, 16 KiB writes, $BYTES bytes, median of $REPS:"
echo "  sender                         MB/s   ratio  sender CPU s/GB  sink busy"
echo "  plain SSL_write on the socket  $mp  1.00   $cp   $(median "${plain_busy[@]}")"
echo "  strata socket mode             $ms  $(awk "BEGIN {printf \"%.2f\", $ms/$mp}")   $cs   $(median "${strata_busy[@]}")"
echo "  strata socket mode, corked     $mc  $(awk "BEGIN {printf \"%.2f\", $mc/$mp}")   $cc   $(median "${cork_busy[@]}")"
echo "  (load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs${ONE_CPU:+; sink and senders on CPU $ONE_CPU alone})"
echo
echo "handshakes in memory (TLS 1.3, X25519, ECDSA P-256, chain + host name verified):"
"$BUILD/strata" bench handshakes --seconds "$HS_SECONDS" | sed 's/^/  /'
