#!/usr/bin/env bash
# The listen scaling benchmark (issue 17, "Every core"): a TLS terminator
# relaying to a TCP echo server, in ONE run, for
#   strata listen --workers 1   tcp:127.0.0.1:P tls:cert=..,key=.. --forward tcp:127.0.0.1:B
#   strata listen --workers 2   (the same)
#   stunnel (Debian's stunnel4, its thread per connection) accept=P connect=B
# driven by bench/tls_load (plain OpenSSL, one thread, epoll; not strata):
#   handshakes/s: HS_CONNS connections at a time, each a full TLS 1.3
#     handshake (ECDSA P-256, X25519), one byte echoed, close; SECS seconds
#   bulk MB/s: BULK_CONNS connections at a time, each 8 MiB sent and echoed
#     back through the relay; SECS seconds; MB/s of echoed bytes
# Also printed: the server process's CPU time (user + system, all threads)
# per handshake and per MB, less sensitive to other load than the rates.
# Same certificate, same echo server (bench/tls_load echo), same client for
# all three; the servers take turns within each of REPS rounds (medians
# printed). The machine's cores are shared by the load generator, the echo
# server and the relay: the ratios are the result, not the absolute figures.
#   bash bench/run-listen.sh          env: REPS (3), SECS (5), HS_CONNS (32), BULK_CONNS (8)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
SECS=${SECS:-5}
HS_CONNS=${HS_CONNS:-32}
BULK_CONNS=${BULK_CONNS:-8}
source bench/peers_lib.sh
bench_release strata tls_load
command -v stunnel4 >/dev/null || { echo "stunnel4 is missing (scripts/deps.sh installs it)"; exit 1; }
S=$PWD/build/release/strata
L=$PWD/build/release/bench/tls_load
bench_workdir
work=$BENCH_DIR
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout key.pem -out cert.pem 2>/dev/null
ulimit -n "$(ulimit -Hn)"

"$L" echo 0 >echo.out &
BENCH_PIDS+=($!)
for _ in $(seq 50); do grep -q port= echo.out 2>/dev/null && break; sleep 0.1; done
BP=$(sed -n 's/^port=//p' echo.out)

start_server() { # NAME PORT: sets SPID
    case $1 in
    strata-w*)
        "$S" listen --workers "${1#strata-w}" tcp:127.0.0.1:"$2" tls:cert=cert.pem,key=key.pem \
            --forward tcp:127.0.0.1:"$BP" 2>"$1.log" &
        ;;
    stunnel)
        cat >stunnel.conf <<EOF
foreground = yes
pid =
debug = 3
[relay]
accept = 127.0.0.1:$2
connect = 127.0.0.1:$BP
cert = $work/cert.pem
key = $work/key.pem
EOF
        stunnel4 stunnel.conf 2>"$1.log" &
        ;;
    esac
    SPID=$!
    BENCH_PIDS+=("$SPID")
    bench_port_up "$2" || { sed 's/^/    /' "$1.log" >&2; exit 1; }
}

cpu_ms() { # PID: user + system CPU time of the process (all threads), ms
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"
}

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2fx", a/b }'; }

NAMES=(${NAMES_ONLY:-strata-w1 strata-w2 stunnel})
declare -A HS BULK HCPU BCPU
for n in "${NAMES[@]}"; do HS[$n]=""; BULK[$n]=""; HCPU[$n]=""; BCPU[$n]=""; done
echo "listen --forward scaling: $(nproc) cores, SECS=$SECS HS_CONNS=$HS_CONNS BULK_CONNS=$BULK_CONNS," \
    "median of $REPS, $(date -u +%FT%TZ)"
echo "$(openssl version | cut -d' ' -f1-2), $(stunnel4 -version 2>&1 | grep -o 'stunnel [0-9.]*' | head -1)"
for rep in $(seq "$REPS"); do
    for n in "${NAMES[@]}"; do
        p=$(bench_free_port)
        start_server "$n" "$p"
        c0=$(cpu_ms "$SPID")
        h=$("$L" hs --port "$p" --conns "$HS_CONNS" --secs "$SECS")
        c1=$(cpu_ms "$SPID")
        b=$("$L" bulk --port "$p" --conns "$BULK_CONNS" --secs "$SECS")
        c2=$(cpu_ms "$SPID")
        bench_stop "$SPID"
        [ "$(kv errors "$h")" = 0 ] && [ "$(kv errors "$b")" = 0 ] ||
            echo "  $n round $rep: errors: $h / $b" >&2
        HS[$n]+=" $(kv rate "$h")"
        BULK[$n]+=" $(kv mbps "$b")"
        hc=$(awk -v c=$((c1 - c0)) -v n="$(kv done "$h")" 'BEGIN{printf "%.0f", n ? c * 1000 / n : 0}')
        bc=$(awk -v c=$((c2 - c1)) -v b="$(kv bytes "$b")" 'BEGIN{printf "%.2f", b ? c / (b / 1e6) : 0}')
        HCPU[$n]+=" $hc"
        BCPU[$n]+=" $bc"
        printf '  round %d %-10s handshakes/s %8s (CPU %5s us each)  bulk MB/s %7s (CPU %5s ms/MB)\n' \
            "$rep" "$n" "$(kv rate "$h")" "$hc" "$(kv mbps "$b")" "$bc"
    done
done
printf '%-12s %14s %12s %18s %16s\n' "server" "handshakes/s" "bulk MB/s" "CPU us/handshake" "CPU ms/MB"
declare -A MH MB MHC MBC
for n in "${NAMES[@]}"; do
    # shellcheck disable=SC2086
    MH[$n]=$(median ${HS[$n]})
    # shellcheck disable=SC2086
    MB[$n]=$(median ${BULK[$n]})
    # shellcheck disable=SC2086
    MHC[$n]=$(median ${HCPU[$n]})
    # shellcheck disable=SC2086
    MBC[$n]=$(median ${BCPU[$n]})
    printf '%-12s %14s %12s %18s %16s\n' "$n" "${MH[$n]}" "${MB[$n]}" "${MHC[$n]}" "${MBC[$n]}"
done
echo "strata --workers 2 / stunnel:   handshakes $(ratio "${MH[strata-w2]}" "${MH[stunnel]}")," \
    "bulk $(ratio "${MB[strata-w2]}" "${MB[stunnel]}")   (goal >= 1.10x)"
echo "strata --workers 1 / stunnel:   handshakes $(ratio "${MH[strata-w1]}" "${MH[stunnel]}")," \
    "bulk $(ratio "${MB[strata-w1]}" "${MB[stunnel]}")"
echo "strata --workers 2 / --workers 1: handshakes $(ratio "${MH[strata-w2]}" "${MH[strata-w1]}")," \
    "bulk $(ratio "${MB[strata-w2]}" "${MB[strata-w1]}")   (goal > 1.00x)"
echo "server CPU per unit, strata --workers 2 / stunnel: per handshake $(ratio "${MHC[strata-w2]}" "${MHC[stunnel]}")," \
    "per MB $(ratio "${MBC[strata-w2]}" "${MBC[stunnel]}")   (lower is better)"
# Machine-readable medians (bench/plot.sh draws listen.png from them);
# stunnel's threads use every core, so it stands at workers=$(nproc).
for n in "${NAMES[@]}"; do
    case $n in
    strata-w*) who=strata w=${n#strata-w} ;;
    *) who=$n w=$(nproc) ;;
    esac
    echo "result who=$who workers=$w hs_per_s=${MH[$n]} MBps=${MB[$n]} cpu_us_per_hs=${MHC[$n]} cpu_ms_per_MB=${MBC[$n]}"
done
