#!/usr/bin/env bash
# The onion benchmark (issue: onion): bulk throughput through 1-4 nested TLS
# layers over loopback, in ONE run, against the same OpenSSL sink (the peers'
# tlsbench server peeling N layers with BIO pairs), for:
#   (a) the peers' plain C program, SSL_write on the socket (1 layer);
#   (b) the peers' best hand-written OpenSSL onion: BIO pairs, zero-copy
#       BIO_nread/BIO_nwrite (tlsbench --mode pair);
#   (c) strata: bench/onion_send, N strata TLS layers on a strata stack over
#       the io driver;
# TLS 1.3, TLS_AES_128_GCM_SHA256, X25519, 16 KiB application writes. Prints
# medians of REPS runs (MB/s and sender CPU s/GB) and the ratios c/a, c/b.
# The peers' programs are compiled from ../shared/peers-bench/src into
# build/peers (never copied into the project).
#   bash bench/run-onion.sh            env: BYTES (1 GiB), REPS (3), LAYERS ("1 2 3 4")
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-1073741824}
REPS=${REPS:-3}
LAYERS=${LAYERS:-"1 2 3 4"}
source bench/peers_lib.sh
bench_release onion_send
peers_tlsbench
SEND=build/release/bench/onion_send
work=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$work/ec.key" -out "$work/ec.crt" 2>/dev/null
port=$((24000 + RANDOM % 20000))
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }

run() { # NAME CMD...: REPS runs; sets MB and CPU (medians)
    shift # the name is for reading only
    local mbs=() cpus=() line
    for _ in $(seq "$REPS"); do
        line=$(timeout 300 "$@" 2>>"$work/err") || { echo "  run failed: $*" >&2; tail -3 "$work/err" >&2; continue; }
        mbs+=("$(kv MBps "$line")"); cpus+=("$(kv cpu_s_per_GB "$line")")
    done
    MB=$(median "${mbs[@]-}"); CPU=$(median "${cpus[@]-}")
}

echo "onion benchmark: $((BYTES >> 20)) MiB per run, median of $REPS, $(date -u +%FT%TZ)"
printf '%-7s %-34s %10s %10s %8s %8s\n' layers sender "MB/s" "CPU s/GB" "x (a)" "x (b)"
declare -A A
for L in $LAYERS; do
    "$TB" server --mode pair --layers "$L" --port "$port" --cert "$work/ec.crt" --key "$work/ec.key" \
        --max-conns 1000 --lifetime 900 >"$work/srv.log" 2>&1 &
    srv=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    if [ "$L" = 1 ]; then
        kill $srv; wait $srv 2>/dev/null || true
        "$TB" server --mode sock --layers 1 --port "$port" --cert "$work/ec.crt" --key "$work/ec.key" \
            --max-conns 1000 --lifetime 900 >"$work/srv.log" 2>&1 &
        srv=$!
        for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
        run a "$TB" client --mode sock --layers 1 --port "$port" --ca "$work/ec.crt" --bytes "$BYTES"
        A[mb]=$MB
        printf '%-7s %-34s %10s %10s %8s %8s\n' 1 "(a) OpenSSL SSL_write on socket" "$MB" "$CPU" 1.00 -
        run c "$SEND" --port "$port" --layers 1 --ca "$work/ec.crt" --bytes "$BYTES"
        cmb=$MB; ccpu=$CPU
        kill $srv; wait $srv 2>/dev/null || true
        "$TB" server --mode pair --layers 1 --port "$port" --cert "$work/ec.crt" --key "$work/ec.key" \
            --max-conns 1000 --lifetime 900 >"$work/srv.log" 2>&1 &
        srv=$!
        for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    fi
    run b "$TB" client --mode pair --layers "$L" --port "$port" --ca "$work/ec.crt" --bytes "$BYTES"
    bmb=$MB
    printf '%-7s %-34s %10s %10s %8s %8s\n' "$L" "(b) OpenSSL onion, BIO pairs" "$MB" "$CPU" \
        "$(awk -v x="$MB" -v a="${A[mb]}" 'BEGIN{printf "%.2f", x/a}')" 1.00
    if [ "$L" != 1 ]; then
        run c "$SEND" --port "$port" --layers "$L" --ca "$work/ec.crt" --bytes "$BYTES"
        cmb=$MB; ccpu=$CPU
    fi
    printf '%-7s %-34s %10s %10s %8s %8s\n' "$L" "(c) strata stack, io driver" "$cmb" "$ccpu" \
        "$(awk -v x="$cmb" -v a="${A[mb]}" 'BEGIN{printf "%.2f", x/a}')" \
        "$(awk -v x="$cmb" -v b="$bmb" 'BEGIN{printf "%.2f", x/b}')"
    kill $srv; wait $srv 2>/dev/null || true
    srv=
done
