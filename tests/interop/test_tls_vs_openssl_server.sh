#!/usr/bin/env bash
# interop: the strata TLS client (socket mode, tests/tools/tls_peer.c) against
# openssl s_server: TLS 1.2 and 1.3 with RSA, ECDSA and Ed25519 certificates,
# resumption, ALPN, client certificates (all made with `strata cert`), and
# certificates that must be refused (another name, expired, self-signed),
# each with its own status.
. "$(dirname "$0")/tls_lib.sh"
make_pki
REQ=$'GET / HTTP/1.0\r\n\r\n'

for kind in ec rsa ed; do
    for v in 1.2 1.3; do
        start_s_server "$T/s.log" -cert "$T/$kind.pem" -key "$T/$kind.key" -www
        timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --min $v --max $v \
            --send "$REQ" > "$T/c.log" 2>&1 || true
        expect "client $kind TLS $v: handshake" "$T/c.log" "handshake TLSv$v "
        expect "client $kind TLS $v: data" "$T/c.log" "HTTP/1.0 200 ok"
        stop "$SPID"
    done
done

# Resumption (the session from the first connection offered on the second).
for v in 1.2 1.3; do
    start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -www
    timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --max $v --send "$REQ" \
        --reconnect > "$T/c.log" 2>&1 || true
    expect "resumption TLS $v" "$T/c.log" "reused=1"
    stop "$SPID"
done

# An IP address is checked against the IP subjectAltName (and not sent as SNI).
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -www
timeout 20 "$PEER" client 127.0.0.1 "$PORT" --ca "$T/ca.pem" --send "$REQ" > "$T/c.log" 2>&1 || true
expect "IP address name" "$T/c.log" "HTTP/1.0 200 ok"
stop "$SPID"

# ALPN.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -www -alpn h2,http/1.1
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --alpn http/1.1 --send "$REQ" \
    > "$T/c.log" 2>&1 || true
expect "ALPN" "$T/c.log" "alpn=http/1.1"
stop "$SPID"

# Client certificates: required by the server; given, then missing.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -www -Verify 2 -CAfile "$T/ca.pem" \
    -verify_return_error
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --cert "$T/client.pem" \
    --key "$T/client.key" --send "$REQ" > "$T/c.log" 2>&1 || true
expect "client certificate given" "$T/c.log" "HTTP/1.0 200 ok"
timeout 20 "$PEER" client localhost "$PORT" --ca "$T/ca.pem" --send "$REQ" > "$T/c.log" 2>&1 || true
expect "client certificate missing" "$T/c.log" \
    "E_TLS_ALERT: recv failed: the peer sent a fatal alert: certificate_required (116)"
stop "$SPID"

# Certificates that must be refused.
refuse() { # cert key name expected...
    start_s_server "$T/s.log" -cert "$T/$1.pem" -key "$T/$2.key" -www
    local rc=0
    timeout 20 "$PEER" client "$3" "$PORT" --ca "$T/ca.pem" --send "$REQ" > "$T/c.log" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] && pass "$1 refused with exit status 1" || fail "$1: exit status $rc"
    expect "$1 refused: status and message" "$T/c.log" "$4"
    stop "$SPID"
}
refuse other other localhost \
    "E_CERT_HOSTNAME: certificate name mismatch: expected 'localhost', certificate has DNS:other.example"
refuse expired expired localhost \
    "E_CERT_EXPIRED: certificate at depth 0 (/CN=localhost) has expired (notAfter Jan  2 00:00:00 2020 GMT)"
refuse self self localhost \
    "E_CERT_UNTRUSTED: certificate verify failed at depth 0 (/CN=localhost): self-signed certificate"
finish
