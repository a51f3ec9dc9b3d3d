#!/usr/bin/env bash
# strata listen --workers N: one event loop and one SO_REUSEPORT listening
# socket per worker thread. A TLS terminator (`--workers 2 ... tls: --forward
# tcp:`) answers 40 concurrent TLS clients (strata connect), every one, and
# its -v log shows connections accepted by worker 1 and by worker 2; SIGTERM
# and SIGINT to its PID stop both workers, exit 0 (SIGINT with connections
# still open). --workers 1 logs as before (no worker named); bad values and
# --once/--max-conns with more than one worker are usage errors.
. "$(dirname "$0")/lib.sh"
need openssl timeout

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout key.pem -out cert.pem 2>/dev/null || {
    bad "openssl req"
    finish
}
TLS="tls:cert=cert.pem,key=key.pem"

strata_listen backend tcp:127.0.0.1:0 --workers 1 --echo || exit 1
bport=$PORT
strata_listen relay -v --workers 2 tcp:127.0.0.1:0 "$TLS" --forward tcp:127.0.0.1:$bport || exit 1
rport=$PORT
relay=$LPID

# N clients at once, each with its own line; every reply checked.
clients() { # N PREFIX
    local cpids=()
    for i in $(seq "$1"); do
        (printf '%s-%s\n' "$2" "$i" | timeout 30 "$STRATA" connect tcp:127.0.0.1:$rport \
            tls:ca=cert.pem,sni=localhost >"$2.$i.out" 2>>clients.err) &
        cpids+=($!)
    done
    for p in "${cpids[@]}"; do wait "$p"; done
    local n=0
    for i in $(seq "$1"); do
        [ "$(cat "$2.$i.out")" = "$2-$i" ] && n=$((n + 1))
    done
    echo "$n"
}
got=$(clients 40 c)
[ "$got" = 40 ] && ok "40 concurrent TLS clients through --workers 2 --forward: all answered" ||
    bad "only $got of 40 answered: $(tail -5 relay.log)"

w1=$(grep -c '^strata: \[worker 1\] \[io\] 127\.0\.0\.1:[0-9]*: connection from' relay.log)
w2=$(grep -c '^strata: \[worker 2\] \[io\] 127\.0\.0\.1:[0-9]*: connection from' relay.log)
[ "$w1" -gt 0 ] && [ "$w2" -gt 0 ] && [ $((w1 + w2)) -eq 40 ] &&
    ok "both workers served: worker 1 $w1, worker 2 $w2 connections" ||
    bad "worker 1 $w1, worker 2 $w2 connections: $(grep -c 'connection from' relay.log) in the log"
grep -q '^strata: \[worker 2\] \[io\] listening on 127\.0\.0\.1:'"$rport"'$' relay.log &&
    grep -q '^strata: \[worker 1\] \[io\] listening on 127\.0\.0\.1:'"$rport"'$' relay.log &&
    ok "each worker listens on the same port $rport" || bad "listening lines: $(grep listening relay.log)"

# stop SIGNAL PID LOG WHAT LABEL: the signal by PID; exit 0 and both
# workers log WHAT.
stop() {
    kill -"$1" "$2"
    timeout 15 tail --pid="$2" -f /dev/null
    wait "$2"
    local rc=$?
    [ $rc -eq 0 ] && grep -q "^strata: \[worker 1\] \[io\] $4" "$3" &&
        grep -q "^strata: \[worker 2\] \[io\] $4" "$3" && ok "$5" || bad "$5: rc=$rc $(tail -3 "$3")"
}
stop TERM "$relay" relay.log SIGTERM "SIGTERM by PID: both workers stop, exit 0"

# The workers share each tls: element's context (its session cache and
# ticket keys): a TLS 1.2 session made on one worker resumes on the other.
strata_listen resume -v --workers 2 tcp:127.0.0.1:0 "$TLS" --echo || exit 1
sport=$PORT
reused=0
for mode in "-tls1_2" "-tls1_2 -no_ticket" "-tls1_2"; do
    # shellcheck disable=SC2086 # two options in one word on purpose
    timeout 20 openssl s_client $mode -reconnect -connect 127.0.0.1:$sport </dev/null >r.log 2>&1
    reused=$((reused + $(grep -c '^Reused, ' r.log || true)))
done
for _ in $(seq 50); do [ "$(grep -c 'resumed' resume.log)" -ge 15 ] && break; sleep 0.1; done
r1=$(grep -c '^strata: \[worker 1\] \[stack\] layer 1 (tls) up.*resumed' resume.log)
r2=$(grep -c '^strata: \[worker 2\] \[stack\] layer 1 (tls) up.*resumed' resume.log)
[ "$reused" -ge 15 ] && [ "$r1" -gt 0 ] && [ "$r2" -gt 0 ] &&
    ok "sessions resume across workers: $reused of 15 reconnections reused (worker 1 $r1, worker 2 $r2)" ||
    bad "resumption across workers: $reused reused, worker 1 $r1, worker 2 $r2"

strata_listen relay2 --workers 2 tcp:127.0.0.1:0 "$TLS" --forward tcp:127.0.0.1:$bport || exit 1
rport2=$PORT
# A connection that went quiet (its buffers given back after 500 ms) goes on
# through the echo and through the relay.
for p in "$sport" "$rport2"; do
    out=$( (printf 'one\n'; sleep 1.5; printf 'two\n') | timeout $T "$STRATA" connect \
        tcp:127.0.0.1:$p tls:ca=cert.pem,sni=localhost 2>/dev/null)
    [ "$out" = "$(printf 'one\ntwo')" ] && ok "port $p: data after an idle pause echoed" ||
        bad "port $p: after an idle pause: '$out'"
done

# SIGINT while connections are open on the workers: all closed, exit 0.
strata_listen idle -v --workers 2 tcp:127.0.0.1:0 "$TLS" --forward tcp:127.0.0.1:$bport || exit 1
iport=$PORT
ipid=$LPID
hold=()
mkfifo quiet
exec 5<>quiet # the clients' input: open, never written
for i in $(seq 8); do
    timeout 40 openssl s_client -quiet -connect 127.0.0.1:$iport <quiet >/dev/null 2>&1 &
    hold+=($!)
done
for _ in $(seq 100); do
    [ "$(grep -c 'layer 1 (tls) up' idle.log)" -ge 8 ] && break
    sleep 0.1
done
stop INT "$ipid" idle.log "stopped by signal 2" \
    "SIGINT by PID with 8 open connections: both workers stop, exit 0"
gone=0
for p in "${hold[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null || gone=$((gone + 1))
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
done
exec 5>&-
[ "$gone" -eq 8 ] && ok "the 8 open clients were closed by the stop" || bad "$gone of 8 clients closed"


# One worker: the log as before, no worker named.
strata_listen one -v --workers 1 tcp:127.0.0.1:0 --echo || exit 1
out=$(printf 'x\n' | timeout $T "$STRATA" connect tcp:127.0.0.1:$PORT 2>/dev/null)
kill -INT "$LPID"
wait "$LPID"
[ "$out" = x ] && grep -q '^strata: \[io\] listening on' one.log && ! grep -q 'worker' one.log &&
    ok "--workers 1: served, log without worker names" || bad "--workers 1: '$out' $(cat one.log)"

for args in "--workers 0" "--workers x" "--workers 257" "--workers 2 --once" "--workers 2 --max-conns 3"; do
    # shellcheck disable=SC2086
    out=$("$STRATA" listen $args tcp:127.0.0.1:0 --echo 2>&1)
    rc=$?
    [ $rc -eq 2 ] && grep -q -- '--' <<<"$out" && ok "$args: exit 2 ($out)" || bad "$args: rc=$rc '$out'"
done
finish
