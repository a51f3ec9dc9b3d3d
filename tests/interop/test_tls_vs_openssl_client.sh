#!/usr/bin/env bash
# interop: the strata TLS server (socket mode, tests/tools/tls_peer.c) against
# openssl s_client and curl: TLS 1.2 and 1.3 with RSA, ECDSA and Ed25519
# certificates, client certificates, resumption, ALPN, SNI switching the
# server's context.
. "$(dirname "$0")/tls_lib.sh"
make_pki

# s_client sends "hello", the strata server answers and closes.
s_client() { # port args...
    local port=$1; shift
    printf 'hello\n' | timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/ca.pem" \
        -verify_return_error -quiet "$@" > "$T/c.log" 2>&1 || true
}

for kind in ec rsa ed; do
    for v in 1.2 1.3; do
        start_peer "$T/p.log" server --cert "$T/$kind.pem" --key "$T/$kind.key" --reply "strata says hi"
        s_client "$PORT" -servername localhost -verify_hostname localhost -tls${v/./_}
        expect "server $kind TLS $v: s_client got the reply" "$T/c.log" "strata says hi"
        sleep 0.2
        expect "server $kind TLS $v: handshake" "$T/p.log" "handshake TLSv$v "
        expect "server $kind TLS $v: request" "$T/p.log" "got 6 bytes"
    done
done

# Client certificates required: given, then missing.
start_peer "$T/p.log" server --cert "$T/ec.pem" --key "$T/ec.key" --ca "$T/ca.pem" --verify peer \
    --reply "authenticated" --count 2
s_client "$PORT" -servername localhost -cert "$T/client.pem" -key "$T/client.key"
expect "client certificate given" "$T/c.log" "authenticated"
s_client "$PORT" -servername localhost
sleep 0.3
expect "client certificate missing: server status" "$T/p.log" \
    "E_TLS_CERT_NONE: the peer sent no certificate, and one is required"

# Resumption: s_client stores the session and offers it again.
for v in 1.2 1.3; do
    start_peer "$T/p.log" server --cert "$T/ec.pem" --key "$T/ec.key" --reply "one" --count 2
    printf 'x\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" \
        -servername localhost -tls${v/./_} -sess_out "$T/sess.pem" -ign_eof > "$T/c1.log" 2>&1 || true
    printf 'x\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" \
        -servername localhost -tls${v/./_} -sess_in "$T/sess.pem" -ign_eof > "$T/c.log" 2>&1 || true
    expect "resumption TLS $v: s_client" "$T/c.log" "Reused, TLSv$v"
    sleep 0.2
    expect "resumption TLS $v: strata server" "$T/p.log" "reused=1"
done

# ALPN: the server picks http/1.1 from s_client's list.
start_peer "$T/p.log" server --cert "$T/ec.pem" --key "$T/ec.key" --alpn http/1.1 --reply alpn
printf 'hello\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" \
    -servername localhost -alpn h2,http/1.1 -ign_eof > "$T/c.log" 2>&1 || true
expect "ALPN: s_client" "$T/c.log" "ALPN protocol: http/1.1"
sleep 0.2
expect "ALPN: server" "$T/p.log" "alpn=http/1.1"

# SNI switches the server to another context (another certificate).
start_peer "$T/p.log" server --cert "$T/ec.pem" --key "$T/ec.key" \
    --alt "other.example:$T/other.pem:$T/other.key" --reply sni --count 2
s_client "$PORT" -servername other.example -verify_hostname other.example
expect "SNI other.example: verified against the other certificate" "$T/c.log" "sni"
s_client "$PORT" -servername localhost -verify_hostname localhost
expect "SNI localhost: default certificate" "$T/c.log" "sni"
sleep 0.2
expect "SNI: server saw the names" "$T/p.log" "sni=other.example"

# curl (HTTP/1.1 over TLS, ALPN, host name checked by curl).
for v in 1.2 1.3; do
    start_peer "$T/p.log" server --cert "$T/rsa.pem" --key "$T/rsa.key" --alpn http/1.1 \
        --http "hello curl" --max $v
    timeout 20 curl -sS --cacert "$T/ca.pem" "https://localhost:$PORT/" > "$T/c.log" 2>&1 || true
    expect "curl TLS $v: body" "$T/c.log" "hello curl"
    sleep 0.2
    expect "curl TLS $v: server" "$T/p.log" "handshake TLSv$v "
done
finish
