#!/usr/bin/env bash
# strata listen --exec: the child starts only once every layer is up (a
# client that fails the TLS handshake starts none), and sees the connection
# in its environment as stunnel and ucspi-tcp children do: the client's
# address and port, and per TLS layer its version, cipher, SNI, ALPN and the
# client certificate's subject, issuer and SHA-256 fingerprint (checked
# against openssl x509).
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
finish
