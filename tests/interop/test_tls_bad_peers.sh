#!/usr/bin/env bash
# interop: bad peers on loopback - a peer that answers with bytes that are
# not TLS, one that truncates a record and closes, one that closes without
# close_notify, and a plain-HTTP client at a strata server. Each gives its
# own status and message.
. "$(dirname "$0")/tls_lib.sh"
make_pki

# Not TLS: an HTTP answer to our ClientHello.
start_peer "$T/r.log" raw "$(printf 'HTTP/1.0 400 Bad Request\r\n\r\n' | od -An -tx1 | tr -d ' \n')"
rc=0
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "garbage: exit status 1" || fail "garbage: exit status $rc"
expect "garbage: status and message" "$T/c.log" "E_TLS: handshake failed: wrong version number"

# A handshake record header that promises 100 bytes, 4 of them, then close.
start_peer "$T/r.log" raw 160303006401020304
rc=0
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "truncated: exit status 1" || fail "truncated: exit status $rc"
expect "truncated: status and message" "$T/c.log" \
    "EOF_UNCLEAN: the peer's stream ended during the handshake, without close_notify"

# The server process dies after the handshake: no close_notify.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key"
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --send "are you there" > "$T/c.log" 2>&1 &
CPID=$!
PIDS+=($CPID)
for _ in $(seq 100); do grep -q "are you there" "$T/s.log" && break; sleep 0.1; done
{ kill -9 "$SPID"; wait "$SPID"; } 2>/dev/null || true
rc=0
wait "$CPID" || rc=$?
[ "$rc" -eq 0 ] && pass "no close_notify: client ended cleanly" || fail "no close_notify: exit $rc"
expect "no close_notify: reported as unclean" "$T/c.log" "eof-unclean"

# The server sends close_notify: a clean close.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -www
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --send $'GET / HTTP/1.0\r\n\r\n' \
    > "$T/c.log" 2>&1 || true
expect "close_notify: reported as closed" "$T/c.log" "closed"
stop "$SPID"

# Plain HTTP at a strata server.
start_peer "$T/p.log" server --cert "$T/ec.pem" --key "$T/ec.key"
timeout 20 curl -sS "http://127.0.0.1:$PORT/" > "$T/c.log" 2>&1 || true
sleep 0.3
expect "plain HTTP at the server" "$T/p.log" "E_TLS: handshake failed: http request"
finish
