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
#
# Part 2 (issue 17, "Memory under load"): `strata listen` as a process under
# load, beside stunnel in the same run. For each server: its resident set
# (VmRSS) after start and one warm-up second of handshakes ("start"), while
# LISTEN_N TLS connections from bench/tls_load (plain OpenSSL, not strata)
# are open and idle after echoing 100 kB each ("idle"; per connection:
# (idle - start) / LISTEN_N), and 3 s after they all closed ("after"; goal:
# at most 2x start). Servers: strata listen tcp: tls: --echo with --workers 1
# and 2; strata listen --workers 2 tls: --forward to a TCP echo server
# (bench/tls_load echo) and stunnel (Debian's stunnel4) doing the same
# forward, so the last two rows are the same job.
#   bash bench/run-mem.sh            env: REPS (3), N (1000), LISTEN_N (1000),
#                                    PARTS ("layers listen")
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
N=${N:-1000}
TARGET_KIB=20
source bench/peers_lib.sh
bench_release layer_mem strata tls_load
LM=build/release/bench/layer_mem
PARTS=${PARTS:-layers listen}
LISTEN_N=${LISTEN_N:-1000}
bench_workdir
work=$BENCH_DIR
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

part_layers() {
    peers_tlsbench
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
}

# ---- part 2: strata listen under load, beside stunnel -----------------------------
S=$PWD/build/release/strata
L=$PWD/build/release/bench/tls_load
rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
port_of() { # LOG: the port strata listen printed (10 s)
    local p
    for _ in $(seq 100); do
        p=$(sed -n 's/^strata: listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    return 1
}
listen_row() { # LABEL KIND(strata|stunnel) ARGS...: one row
    local label=$1 kind=$2 spid port r0 r1 r2 hpid
    shift 2
    if [ "$kind" = stunnel ]; then
        port=$(bench_free_port)
        printf 'foreground = yes\npid =\ndebug = 3\n[relay]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\ncert = %s\nkey = %s\n' \
            "$port" "$EP" "$work/ec.crt" "$work/ec.key" >"$work/stunnel.conf"
        stunnel4 "$work/stunnel.conf" 2>"$work/srv.log" &
        spid=$!
        BENCH_PIDS+=("$spid")
        bench_port_up "$port" || return
    else
        "$S" listen "$@" 2>"$work/srv.log" &
        spid=$!
        BENCH_PIDS+=("$spid")
        port=$(port_of "$work/srv.log") || { echo "  $label: did not start" >&2; kill "$spid"; return; }
    fi
    "$L" hs --port "$port" --conns 4 --secs 1 >/dev/null
    sleep 1.5
    r0=$(rss "$spid")
    rm -f "$work/ctl"
    mkfifo "$work/ctl"
    exec 7<>"$work/ctl"
    "$L" hold --port "$port" --conns "$LISTEN_N" --bytes 100000 <"$work/ctl" >"$work/hold.out" &
    hpid=$!
    for _ in $(seq 1200); do grep -q '^idle' "$work/hold.out" && break; sleep 0.1; done
    sleep 1.5 # every connection past its idle trim
    r1=$(rss "$spid")
    echo go >&7
    for _ in $(seq 300); do grep -q '^closed' "$work/hold.out" && break; sleep 0.1; done
    wait "$hpid" 2>/dev/null || true
    exec 7>&-
    sleep 3
    r2=$(rss "$spid")
    bench_stop "$spid"
    local idle per after
    idle=$(sed -n 's/^idle n=\([0-9]*\) errors=\([0-9]*\).*/\1 open, \2 errors/p' "$work/hold.out")
    per=$(awk -v a="$r1" -v b="$r0" -v n="$LISTEN_N" 'BEGIN{printf "%.1f", (a-b)/n}')
    after=$(awk -v a="$r2" -v b="$r0" 'BEGIN{printf "%.2f", a/b}')
    printf '%-40s %9s %9s %9s %9s %9s  %s\n' "$label" "$r0" "$r1" "$per" "$r2" "$after" "$idle"
    ROW_PER[$label]=$per
    ROW_AFTER[$label]=$r2
}

part_listen() {
    command -v stunnel4 >/dev/null || { echo "stunnel4 is missing (scripts/deps.sh installs it)"; exit 1; }
    ulimit -n "$(ulimit -Hn)"
    "$L" echo 0 >"$work/echo.out" &
    local echo_pid=$!
    BENCH_PIDS+=("$echo_pid")
    for _ in $(seq 50); do grep -q port= "$work/echo.out" 2>/dev/null && break; sleep 0.1; done
    EP=$(sed -n 's/^port=//p' "$work/echo.out")
    declare -gA ROW_PER ROW_AFTER
    local tls="tls:cert=$work/ec.crt,key=$work/ec.key" fw="strata --workers 2, --forward" st="stunnel, forward"
    echo
    echo "listen under load: $LISTEN_N TLS 1.3 connections open at once, 100 kB echoed each, then idle;"
    echo "RSS of the server process in KiB; $(stunnel4 -version 2>&1 | grep -o 'stunnel [0-9.]*' | head -1); $(date -u +%FT%TZ)"
    printf '%-40s %9s %9s %9s %9s %9s\n' "server" "start" "idle" "KiB/conn" "after" "after/start"
    listen_row "strata --workers 1, --echo (1 layer)" strata --workers 1 tcp:127.0.0.1:0 "$tls" --echo
    listen_row "strata --workers 2, --echo (1 layer)" strata --workers 2 tcp:127.0.0.1:0 "$tls" --echo
    listen_row "$fw" strata --workers 2 tcp:127.0.0.1:0 "$tls" --forward tcp:127.0.0.1:"$EP"
    listen_row "$st" stunnel
    kill "$echo_pid"
    wait "$echo_pid" 2>/dev/null || true
    echo "goal: idle KiB/conn <= 25 per layer; after/start <= 2"
    echo "strata/stunnel (same forward job): KiB per idle connection" \
        "$(awk -v a="${ROW_PER[$fw]}" -v b="${ROW_PER[$st]}" 'BEGIN{printf "%.2fx", a/b}'), RSS after they closed" \
        "$(awk -v a="${ROW_AFTER[$fw]}" -v b="${ROW_AFTER[$st]}" 'BEGIN{printf "%.2fx", a/b}')"
}

for part in $PARTS; do
    "part_$part"
done
