#!/usr/bin/env bash
# bench/run-resume.sh - TLS handshakes per second with and without session
# resumption, `strata listen` against `openssl s_server` in one run, both
# with the same certificate (EC P-256) on 127.0.0.1, driven by a load
# generator that is not strata: `openssl s_time -new` (a full handshake per
# connection) and `-reuse` (every connection after the first resumes the
# first one's session), SECONDS each, the servers taking turns.
#
# TLS 1.2 (ECDHE-ECDSA-AES256-GCM-SHA384, a session ticket): OpenSSL 3.0's
# s_time reads nothing after a TLS 1.3 handshake, so it never holds a TLS 1.3
# ticket and its -reuse resumes nothing with TLS 1.3 (against s_server too);
# a TLS 1.3 -new row is printed for reference. The rate is connections over
# the wall time of the s_time run (s_time's own figure counts whole seconds).
# Each resumed connection shows as 'r' in s_time's output: the reused column
# says how many of them resumed.
# Not a test: the figures go in the issue's closing note.
# env: SECONDS_EACH (4) REPS (3) BUILD (build/release)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build/release}
SECONDS_EACH=${SECONDS_EACH:-4}
REPS=${REPS:-3}
cd "$SRC"
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target strata >/dev/null
T=$(mktemp -d /tmp/strata-bench-resume.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" \
    2>/dev/null

# strata listen on a free port (the listener picks it: port 0).
"$BUILD/strata" listen --echo tcp:127.0.0.1:0 "tls:cert=$T/cert.pem,key=$T/key.pem" \
    2> "$T/strata.log" &
PIDS+=($!)
SP=""
for _ in $(seq 100); do
    SP=$(sed -n 's/^strata: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$T/strata.log")
    [ -n "$SP" ] && break
    sleep 0.1
done
[ -n "$SP" ] || { echo "strata listen did not start:"; cat "$T/strata.log"; exit 1; }
# openssl s_server on a free port, stdin a pipe that never ends.
mkfifo "$T/never"
exec 7<>"$T/never"
OP=""
for _ in $(seq 20); do
    p=$(shuf -i 20000-32767 -n 1)
    ss -Htln "sport = :$p" | grep -q . && continue
    openssl s_server -quiet -accept "127.0.0.1:$p" -cert "$T/cert.pem" -key "$T/key.pem" \
        < "$T/never" > "$T/s_server.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        ss -Htln "sport = :$p" | grep -q . && { OP=$p; break; }
        sleep 0.05
    done
    [ -n "$OP" ] && break
done
[ -n "$OP" ] || { echo "openssl s_server did not start:"; cat "$T/s_server.log"; exit 1; }

# rate PORT MODE VERSION: prints "connections/s reused connections".
rate() {
    local t0 t1 out n r
    t0=$(date +%s.%N)
    out=$(timeout $((SECONDS_EACH + 30)) openssl s_time -connect "127.0.0.1:$1" "$2" "$3" \
        -time "$SECONDS_EACH" 2>&1 || true)
    t1=$(date +%s.%N)
    n=$(sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p' <<< "$out" | tail -1)
    [ -n "$n" ] || { echo "s_time failed on port $1:" >&2; echo "$out" >&2; exit 1; }
    r=$(tr -cd 'r' <<< "$(grep -E '^[r*]+$' <<< "$out" || true)" | wc -c)
    awk -v n="$n" -v a="$t0" -v b="$t1" -v r="$r" 'BEGIN {printf "%.0f %d %d\n", n / (b - a), r, n}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A runs reused total
for rep in $(seq "$REPS"); do
    for case in "-new -tls1_2" "-reuse -tls1_2" "-new -tls1_3"; do
        for who in strata openssl; do
            port=$SP
            [ "$who" = openssl ] && port=$OP
            # shellcheck disable=SC2086 # mode and version, two words
            read -r v r n <<< "$(rate "$port" $case)"
            echo "run $rep $who $case: $v conn/s ($r of $n resumed)"
            runs["$who $case"]+="$v "
            reused["$who $case"]=$(( ${reused["$who $case"]:-0} + r ))
            total["$who $case"]=$(( ${total["$who $case"]:-0} + n ))
        done
    done
done
echo
echo "handshakes/s over loopback, openssl s_time as the client, ${SECONDS_EACH} s per run, median of $REPS"
echo "(EC P-256 certificate, X25519; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs):"
printf '  %-22s %12s %12s %16s\n' "" "strata listen" "s_server" "strata/s_server"
declare -A med
for case in "-new -tls1_2" "-reuse -tls1_2" "-new -tls1_3"; do
    # shellcheck disable=SC2086 # the list of figures
    ms=$(median ${runs["strata $case"]})
    # shellcheck disable=SC2086
    mo=$(median ${runs["openssl $case"]})
    med["strata $case"]=$ms
    med["openssl $case"]=$mo
    printf '  %-22s %12s %12s %16s\n' "s_time $case" "$ms" "$mo" "$(awk "BEGIN {printf \"%.2f\", $ms/$mo}")"
done
for who in strata openssl; do
    n=${med["$who -new -tls1_2"]}
    u=${med["$who -reuse -tls1_2"]}
    printf '  %-8s TLS 1.2 resumed/full: %.2fx (%d of %d -reuse connections resumed)\n' "$who" \
        "$(awk "BEGIN {print $u/$n}")" "${reused["$who -reuse -tls1_2"]}" \
        "${total["$who -reuse -tls1_2"]}"
done
