#!/usr/bin/env bash
# interop: the tls: chain element of `strata connect` and `strata listen` -
# strata against strata (one TLS layer, TLS inside TLS, client certificates,
# an encrypted key with pass=env:), strata connect against openssl s_server
# (ALPN, keylog=, TLS 1.2 and 1.3), failed verification: exit status 1
# with a message that names the reason, and -v / -vv / -vvv.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
make_pki

# One TLS layer, strata to strata.
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key"
echo "hello through tls" | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem" \
    > "$T/c.log" 2>&1 || true
expect "connect/listen: echo through one TLS layer" "$T/c.log" "hello through tls"
stop "$LPID"

# TLS inside TLS (two layers, each verified).
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key" \
    "tls:cert=$T/rsa.pem,key=$T/rsa.key"
echo "two layers deep" | timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "tls:ca=$T/ca.pem" \
    "tls:ca=$T/ca.pem,name=localhost" > "$T/c.log" 2>&1 || true
expect "TLS in TLS: echo" "$T/c.log" "two layers deep"
# -v, -vv, -vvv through the same two layers: -vv adds each layer's handshake
# steps and its bytes at the end; -vvv is more of it, not a usage error.
for v in -v -vv -vvv; do
    rc=0
    echo "verbose $v" | timeout 20 "$STRATA" connect $v "tcp:127.0.0.1:$PORT" "tls:ca=$T/ca.pem" \
        "tls:ca=$T/ca.pem,name=localhost" > "$T/v$v.log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] && grep -q "^verbose $v\$" "$T/v$v.log" && grep -q "layer 2 (tls) up" "$T/v$v.log" &&
        pass "connect $v: exit 0, echo, layers up" || { fail "connect $v: exit $rc"; cat "$T/v$v.log"; }
done
! grep -q "handshake starts\|bytes in and" "$T/v-v.log" && pass "-v: no handshake steps" ||
    fail "-v shows -vv detail"
for v in -vv -vvv; do
    n=$((${#v} + 9)) # "verbose $v\n", through layer 2 each way
    if grep -q "tls:ca=$T/ca.pem: handshake starts" "$T/v$v.log" &&
        grep -q "tls:ca=$T/ca.pem,name=localhost: TLSv1.3 read server certificate verify" "$T/v$v.log" &&
        grep -q "tls:ca=$T/ca.pem,name=localhost: handshake done" "$T/v$v.log" &&
        grep -q "layer 1 (tls): [0-9]* bytes in and [0-9]* out beneath (records, handshake), [0-9]* in and [0-9]* out above" "$T/v$v.log" &&
        grep -q "layer 2 (tls): [0-9]* bytes in and [0-9]* out beneath .*, $n in and $n out above (plaintext)" "$T/v$v.log"; then
        pass "connect $v: each layer's handshake steps and bytes"
    else
        fail "connect $v detail"; cat "$T/v$v.log"
    fi
done
grep -q ": waits in " "$T/v-vvv.log" && ! grep -q ": waits in " "$T/v-vv.log" &&
    pass "-vvv: where each handshake waits (trace)" || fail "-vvv trace"
stop "$LPID"

# Client certificates: ca= with verify=peer on the listener.
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 \
    "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/ca.pem,verify=peer"
echo "with a client certificate" | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" \
    "tls:ca=$T/ca.pem,cert=$T/client.pem,key=$T/client.key" > "$T/c.log" 2>&1 || true
expect "client certificate given" "$T/c.log" "with a client certificate"
rc=0
echo "no certificate" | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem" \
    > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "client certificate missing: exit 1" || fail "missing client cert: exit $rc"
# The listener's alert reaches the client: the io driver sends a failed
# stack's last bytes before it closes.
if grep -qF "the peer sent a fatal alert: certificate_required (116)" "$T/c.log"; then
    pass "client certificate missing: message"
else
    fail "client certificate missing: message"; cat "$T/c.log"
fi
grep -q "E_TLS_CERT_NONE\|the peer sent no certificate" "$T/l.log" &&
    pass "client certificate missing: listener says why" ||
    { fail "client certificate missing: listener"; cat "$T/l.log"; }
stop "$LPID"

# An encrypted key, its passphrase from the environment.
openssl pkey -in "$T/ec.key" -aes128 -passout pass:sesame -out "$T/enc.key" 2>/dev/null
export STRATA_TEST_PASS=sesame
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 \
    "tls:cert=$T/ec.pem,key=$T/enc.key,pass=env:STRATA_TEST_PASS"
echo "encrypted key" | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem" \
    > "$T/c.log" 2>&1 || true
expect "pass=env: encrypted key" "$T/c.log" "encrypted key"
stop "$LPID"

# strata connect against openssl s_server: versions, ALPN, keylog.
for v in 1.2 1.3; do
    start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -alpn http/1.1 -naccept 1
    rm -f "$T/keys.log"
    printf 'from strata\n' | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" \
        "tls:ca=$T/ca.pem,min=$v,max=$v,alpn=h2:http/1.1,keylog=$T/keys.log" > "$T/c.log" 2>&1 || true
    for _ in $(seq 50); do grep -q "from strata" "$T/s.log" && break; sleep 0.1; done
    expect "s_server TLS $v: data arrived" "$T/s.log" "from strata"
    expect "s_server TLS $v: ALPN" "$T/s.log" "ALPN protocols advertised by the client: h2, http/1.1"
    if [ $v = 1.2 ]; then want=CLIENT_RANDOM; else want=CLIENT_TRAFFIC_SECRET_0; fi
    expect "keylog TLS $v" "$T/keys.log" "$want "
    stop "$SPID"
done

# Failed verification: exit 1 and the reason.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key"
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "tls:ca=$T/ca.pem,name=x" < /dev/null \
    > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "name mismatch: exit 1" || fail "name mismatch: exit $rc"
expect "name mismatch: message" "$T/c.log" \
    "certificate name mismatch: expected 'x', certificate has DNS:localhost, IP:127.0.0.1"
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "tls:name=localhost" < /dev/null \
    > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "system trust store: exit 1" || fail "system trust store: exit $rc"
expect "system trust store: unknown issuer" "$T/c.log" "unable to get local issuer certificate"
stop "$SPID"

# Usage errors.
rc=0
"$STRATA" listen --echo tcp:127.0.0.1:0 tls: > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "listen without cert: exit 2" || fail "listen without cert: exit $rc"
expect "listen without cert: message" "$T/c.log" "a TLS server needs cert= and key="
rc=0
"$STRATA" connect tcp:127.0.0.1:1 tls:verify=maybe > "$T/c.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "bad verify=: exit 2" || fail "bad verify=: exit $rc"
expect "bad verify=: message" "$T/c.log" \
    "strata: chain element 2 'tls:verify=maybe': verify must be 'peer' or 'none'"
finish
