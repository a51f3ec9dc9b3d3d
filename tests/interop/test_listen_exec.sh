#!/usr/bin/env bash
# strata listen --exec: the child starts only once every layer is up (a
# client that fails the TLS handshake starts none), and sees the connection
# in its environment as stunnel and ucspi-tcp children do: the client's
# address and port, and per TLS layer its version, cipher, SNI, ALPN and the
# client certificate's subject, issuer and SHA-256 fingerprint (checked
# against openssl x509). --max-conns makes further clients wait in the
# accept queue; SIGTERM stops accepting and lets open connections finish
# within --grace.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
make_pki
cd "$T"
cat >child.sh <<'SH'
#!/bin/sh
touch "$MARKS/started.$$"
env | grep -E '^(STRATA_PEER_|STRATA_TLS|TCPREMOTE|PROTO=|SSL_CLIENT)' | sort
SH
chmod +x child.sh
mkdir marks
export MARKS=$T/marks
start_listen "$T/listen.log" tcp:127.0.0.1:0 \
    "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/ca.pem,verify=peer,alpn=strata/1:h2" \
    --exec "$T/child.sh"
LPORT=$PORT
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$LPORT" \
    "tls:ca=$T/ca.pem,name=localhost,sni=alias.example,cert=$T/client.pem,key=$T/client.key,alpn=strata/1" \
    </dev/null >env.txt 2>err.txt || rc=$?
[ "$rc" -eq 0 ] && pass "a client with a certificate: exit 0" || fail "connect: exit $rc: $(cat err.txt)"
fp=$(openssl x509 -in client.pem -noout -fingerprint -sha256 | sed 's/.*=//')
subj=$(openssl x509 -in client.pem -noout -subject -nameopt compat | sed 's/^subject=//')
iss=$(openssl x509 -in client.pem -noout -issuer -nameopt compat | sed 's/^issuer=//')
expect "PROTO" env.txt "PROTO=TCP"
expect "TCPREMOTEIP" env.txt "TCPREMOTEIP=127.0.0.1"
expect "STRATA_PEER_ADDR" env.txt "STRATA_PEER_ADDR=127.0.0.1"
grep -Eq '^STRATA_PEER_PORT=[0-9]+$' env.txt && pass "STRATA_PEER_PORT" || fail "no STRATA_PEER_PORT: $(cat env.txt)"
grep -Eq '^STRATA_TLS1_VERSION=TLSv1\.[23]$' env.txt && pass "STRATA_TLS1_VERSION" ||
    fail "no STRATA_TLS1_VERSION: $(cat env.txt)"
grep -Eq '^STRATA_TLS1_CIPHER=.+' env.txt && pass "STRATA_TLS1_CIPHER" || fail "no cipher: $(cat env.txt)"
expect "SNI" env.txt "STRATA_TLS1_SNI=alias.example"
expect "ALPN" env.txt "STRATA_TLS1_ALPN=strata/1"
expect "client certificate subject" env.txt "STRATA_TLS1_CLIENT_SUBJECT=$subj"
expect "client certificate issuer" env.txt "STRATA_TLS1_CLIENT_ISSUER=$iss"
expect "client certificate SHA-256 (as openssl x509 -fingerprint)" env.txt "STRATA_TLS1_CLIENT_SHA256=$fp"
expect "stunnel's SSL_CLIENT_DN" env.txt "SSL_CLIENT_DN=$subj"
n=$(ls marks | wc -l)
[ "$n" -eq 1 ] && pass "one child for one client" || fail "$n children started"
# A client that fails the handshake (no certificate): no child.
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$LPORT" "tls:ca=$T/ca.pem,name=localhost" \
    </dev/null >/dev/null 2>err.txt || rc=$?
[ "$rc" -ne 0 ] && pass "a client without a certificate fails: $(tail -n 1 err.txt)" ||
    fail "a client without a certificate got in"
printf 'not TLS at all\r\n\r\n' | timeout 10 "$STRATA" connect "tcp:127.0.0.1:$LPORT" >/dev/null 2>&1
sleep 0.5
n=$(ls marks | wc -l)
[ "$n" -eq 1 ] && pass "no child for clients that failed the handshake" ||
    fail "$n children: the child started before the layers were up"

# ---- --max-conns: past it, clients wait in the accept queue ---------------------------
start_listen "$T/max.log" --max-conns 1 tcp:127.0.0.1:0 --exec 'sleep 1; echo served'
MPORT=$PORT
start=$(date +%s%N)
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$MPORT" </dev/null >c1.out 2>&1 &
c1=$!
sleep 0.2
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$MPORT" </dev/null >c2.out 2>&1 &
c2=$!
wait $c1; t1=$((($(date +%s%N) - start) / 1000000))
wait $c2; t2=$((($(date +%s%N) - start) / 1000000))
if [ "$(cat c1.out)" = served ] && [ "$(cat c2.out)" = served ] && [ "$t2" -ge 1900 ] &&
    [ "$t1" -lt 1900 ]; then
    pass "--max-conns 1: the second client waited for the first ($t1 ms, then $t2 ms)"
else
    fail "--max-conns 1: $t1 ms '$(cat c1.out)', $t2 ms '$(cat c2.out)'"
fi
stop "$LPID"

# ---- SIGTERM: stop accepting, let the open connection finish ----------------------------
start_listen "$T/grace.log" --grace 5 tcp:127.0.0.1:0 --exec 'sleep 1; echo finished'
GPORT=$PORT
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$GPORT" </dev/null >g1.out 2>&1 &
g1=$!
sleep 0.3
start=$(date +%s%N)
kill -TERM "$LPID"
sleep 0.2
rc=0
timeout 5 "$STRATA" connect --timeout 2 "tcp:127.0.0.1:$GPORT" </dev/null >/dev/null 2>g2.err || rc=$?
[ "$rc" -ne 0 ] && pass "after SIGTERM no new connection: $(tail -n 1 g2.err)" ||
    fail "a connection was accepted after SIGTERM"
wait $g1 || true
[ "$(cat g1.out)" = finished ] && pass "the open connection finished after SIGTERM" ||
    fail "the open connection was cut: '$(cat g1.out)'"
lrc=0
wait "$LPID" || lrc=$?
took=$((($(date +%s%N) - start) / 1000000))
[ "$lrc" -eq 0 ] && [ "$took" -lt 3000 ] &&
    pass "the listener exited 0 once it was done ($took ms after SIGTERM, grace 5 s)" ||
    fail "listener: exit $lrc after $took ms"
start_listen "$T/grace2.log" --grace 1 tcp:127.0.0.1:0 --exec 'sleep 5; echo finished'
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" </dev/null >g3.out 2>&1 &
g3=$!
sleep 0.3
start=$(date +%s%N)
kill -TERM "$LPID"
lrc=0
wait "$LPID" || lrc=$?
took=$((($(date +%s%N) - start) / 1000000))
wait $g3 || true
[ "$lrc" -eq 0 ] && [ "$took" -ge 900 ] && [ "$took" -lt 3000 ] && [ "$(cat g3.out)" != finished ] &&
    pass "--grace 1: the rest closed after $took ms" ||
    fail "--grace 1: exit $lrc after $took ms, client '$(cat g3.out)'"
finish
