#!/usr/bin/env bash
# The listen scaling benchmark (issue 17, "Every core"): a TLS terminator
# relaying to a TCP echo server, in ONE run, for
#   strata listen --workers 1   tcp:127.0.0.1:P tls:cert=..,key=.. --forward tcp:127.0.0.1:B
#   strata listen --workers 2   (the same)
#   stunnel (Debian's stunnel4, its thread per connection) accept=P connect=B
# driven by bench/tls_load (plain OpenSSL, one thread, epoll; not strata):
#   handshakes/s: HS_CONNS connections at a time, each a full TLS 1.3
#     handshake (X25519), one byte echoed, close; SECS seconds; once per
#     certificate in CERTS:
#       ec   ECDSA P-256: the server's signature is cheap, and the client
#            pays about as much per handshake as the server (OpenSSL 3.0's
#            certificate decoding, the signature check): on a machine whose
#            cores the generator shares, the generator is the limit
#       rsa  RSA-2048 (still the most common on the web): the server's
#            signature dominates (0.27 ms on the 2-core EPYC of the
#            committed figures, `openssl speed rsa2048`, against the client's
#            0.02 ms check), the server is the limit when the generator costs
#            less per handshake than the server
#       rsa4096 (rsa3072 on request): a signature about 15 times as dear
#            (4.2 ms in `openssl speed rsa4096` there), the server clearly
#            the limit: the scaling with cores shows
#   bulk MB/s: BULK_CONNS connections at a time, each 8 MiB sent and echoed
#     back through the relay; SECS seconds; MB/s of echoed bytes (with the
#     first certificate in CERTS: the certificate does not matter here)
# Also printed: the server process's CPU time (user + system, all threads)
# per handshake and per MB, less sensitive to other load than the rates,
# and the load generator's own CPU time per unit ("gen"): when it is about
# the server's, the two share the cores evenly and a second worker has no
# core to run on.
# Same certificates, same echo server (bench/tls_load echo), same client for
# all three; the servers take turns within each of REPS rounds (medians
# printed). The machine's cores are shared by the load generator, the echo
# server and the relay: the ratios are the result, not the absolute figures.
#   bash bench/run-listen.sh   env: REPS (3), SECS (5), HS_CONNS (32), BULK_CONNS (8),
#                              CERTS ("ec rsa rsa4096": the first also carries the bulk run)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
SECS=${SECS:-5}
HS_CONNS=${HS_CONNS:-32}
BULK_CONNS=${BULK_CONNS:-8}
read -r -a CERTS <<<"${CERTS:-ec rsa rsa4096}"
for c in "${CERTS[@]}"; do
    case $c in ec | rsa | rsa3072 | rsa4096) ;; *) echo "CERTS: ec, rsa, rsa3072, rsa4096, not '$c'" >&2 && exit 2 ;; esac
done
source bench/peers_lib.sh
bench_release strata tls_load
command -v stunnel4 >/dev/null || { echo "stunnel4 is missing (scripts/deps.sh installs it)"; exit 1; }
S=$PWD/build/release/strata
L=$PWD/build/release/bench/tls_load
bench_workdir
work=$BENCH_DIR
cd "$work"
for c in "${CERTS[@]}"; do
    case $c in
    ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa) newkey=(-newkey rsa:2048) ;;
    *) newkey=(-newkey "rsa:${c#rsa}") ;;
    esac
    openssl req -x509 "${newkey[@]}" -nodes -days 3 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost -keyout "$c-key.pem" -out "$c-cert.pem" 2>/dev/null
done
ulimit -n "$(ulimit -Hn)"

"$L" echo 0 >echo.out &
BENCH_PIDS+=($!)
for _ in $(seq 50); do grep -q port= echo.out 2>/dev/null && break; sleep 0.1; done
BP=$(sed -n 's/^port=//p' echo.out)

start_server() { # NAME PORT CERT: sets SPID
    case $1 in
    strata-w*)
        "$S" listen --workers "${1#strata-w}" tcp:127.0.0.1:"$2" tls:cert="$3-cert.pem,key=$3-key.pem" \
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
cert = $work/$3-cert.pem
key = $work/$3-key.pem
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

read -r -a NAMES <<<"${NAMES_ONLY:-strata-w1 strata-w2 stunnel}"
BULK_CERT=${CERTS[0]}
KINDS=()
for c in "${CERTS[@]}"; do KINDS+=("hs-$c"); done
KINDS+=(bulk)
# R["NAME RATE_KIND"], R["NAME CPU_KIND"], R["NAME GEN_KIND"]: per round, the
# rate, the server's and the generator's CPU per unit (KIND hs-CERT: us per
# handshake; bulk: ms per MB).
declare -A R
add() { R[$1]+=" $2"; }
per_unit() { # KIND CPU_MS UNITS
    case $1 in
    bulk) awk -v c="$2" -v b="$3" 'BEGIN{printf "%.2f", b ? c / (b / 1e6) : 0}' ;;
    *) awk -v c="$2" -v n="$3" 'BEGIN{printf "%.0f", n ? c * 1000 / n : 0}' ;;
    esac
}
# load NAME KIND PORT: one tls_load run against the server SPID
load() {
    local n=$1 k=$2 mode=hs conns=$HS_CONNS rate=rate units="done" what="handshakes/s" per="us each"
    [ "$k" = bulk ] && mode=bulk conns=$BULK_CONNS rate=mbps units=bytes what="MB/s" per="ms/MB"
    local c0 out c1 r s g
    c0=$(cpu_ms "$SPID")
    out=$("$L" "$mode" --port "$3" --conns "$conns" --secs "$SECS")
    c1=$(cpu_ms "$SPID")
    [ "$(kv errors "$out")" = 0 ] || echo "  $n $k round $rep: errors: $out" >&2
    r=$(kv "$rate" "$out")
    s=$(per_unit "$k" $((c1 - c0)) "$(kv "$units" "$out")")
    g=$(per_unit "$k" "$(kv cpu_ms "$out")" "$(kv "$units" "$out")")
    add "$n RATE_$k" "$r"
    add "$n CPU_$k" "$s"
    add "$n GEN_$k" "$g"
    printf '  round %d %-10s %-7s %-13s %8s (CPU %s: server %5s, gen %5s)\n' \
        "$rep" "$n" "$k" "$what" "$r" "$per" "$s" "$g"
}
echo "listen --forward scaling: $(nproc) cores, SECS=$SECS HS_CONNS=$HS_CONNS BULK_CONNS=$BULK_CONNS," \
    "certificates: ${CERTS[*]}, median of $REPS, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(openssl version | cut -d' ' -f1-2), $(stunnel4 -version 2>&1 | grep -o 'stunnel [0-9.]*' | head -1)"
for rep in $(seq "$REPS"); do
    for n in "${NAMES[@]}"; do
        for cert in "${CERTS[@]}"; do
            p=$(bench_free_port)
            start_server "$n" "$p" "$cert"
            load "$n" "hs-$cert" "$p"
            [ "$cert" != "$BULK_CERT" ] || load "$n" bulk "$p"
            bench_stop "$SPID"
        done
    done
done
declare -A M
for n in "${NAMES[@]}"; do
    for k in "${KINDS[@]}"; do
        for f in RATE CPU GEN; do
            # shellcheck disable=SC2086
            M[$n ${f}_$k]=$(median ${R[$n ${f}_$k]})
        done
    done
done
for k in "${KINDS[@]}"; do
    [ "$k" = bulk ] && u="ms/MB" what="bulk MB/s" || u="us/handshake" what="handshakes/s"
    printf '%-12s %-7s %14s %24s %22s\n' server "$k" "$what" "server CPU $u" "gen CPU $u"
    for n in "${NAMES[@]}"; do
        printf '%-12s %-7s %14s %24s %22s\n' "$n" "$k" "${M[$n RATE_$k]}" "${M[$n CPU_$k]}" "${M[$n GEN_$k]}"
    done
done
if [[ " ${NAMES[*]} " == *" strata-w1 "* && " ${NAMES[*]} " == *" strata-w2 "* &&
    " ${NAMES[*]} " == *" stunnel "* ]]; then
    for k in "${KINDS[@]}"; do
        [ "$k" = bulk ] && what="bulk ($BULK_CERT)" || what="${k#hs-} handshakes"
        echo "$what: --workers 2 / stunnel $(ratio "${M[strata-w2 RATE_$k]}" "${M[stunnel RATE_$k]}")" \
            "(goal >= 1.10x), --workers 1 / stunnel $(ratio "${M[strata-w1 RATE_$k]}" "${M[stunnel RATE_$k]}")," \
            "--workers 2 / --workers 1 $(ratio "${M[strata-w2 RATE_$k]}" "${M[strata-w1 RATE_$k]}") (goal > 1.00x);" \
            "server CPU per unit --workers 2 / stunnel $(ratio "${M[strata-w2 CPU_$k]}" "${M[stunnel CPU_$k]}")"
    done
fi
# Machine-readable medians (bench/plot.sh draws listen.png from them): one
# line per server and certificate, bulk on the first certificate's line;
# stunnel's threads use every core, so it stands at workers=$(nproc).
for n in "${NAMES[@]}"; do
    case $n in
    strata-w*) who=strata w=${n#strata-w} ;;
    *) who=$n w=$(nproc) ;;
    esac
    for c in "${CERTS[@]}"; do
        line="result who=$who workers=$w cert=$c hs_per_s=${M[$n RATE_hs-$c]}"
        line+=" cpu_us_per_hs=${M[$n CPU_hs-$c]} gen_cpu_us_per_hs=${M[$n GEN_hs-$c]}"
        [ "$c" != "$BULK_CERT" ] ||
            line+=" MBps=${M[$n RATE_bulk]} cpu_ms_per_MB=${M[$n CPU_bulk]} gen_cpu_ms_per_MB=${M[$n GEN_bulk]}"
        echo "$line"
    done
done
