#!/usr/bin/env bash
# interop: the tls: options ca=DIR, pass=file:, verify=none, ciphers= and
# suites= of `strata connect` and `strata listen`, against strata itself,
# openssl s_server and openssl s_client on 127.0.0.1 (throw-away keys, every
# peer stopped by PID). Each option is shown to do what it says and its
# failure to give exit status and message exactly; a listener refuses to
# start with layers it cannot build; --forward with TLS on both sides.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
make_pki
cd "$T" # short relative paths where a message quotes the element (quoted up to 80 bytes)

# run NAME WANT_RC LOG CMD...: runs CMD (stdin /dev/null),
# by the caller), output into LOG, and checks its exit status.
run() {
    local name=$1 want=$2 log=$3 rc=0
    shift 3
    timeout 20 "$@" < /dev/null > "$log" 2>&1 || rc=$?
    [ "$rc" -eq "$want" ] && pass "$name: exit $rc" || { fail "$name: exit $rc, want $want"; sed 's/^/    /' "$log"; }
}
# echo_ok NAME LINE CMD...: LINE sent through CMD comes back.
echo_ok() {
    local name=$1 line=$2
    shift 2
    echo "$line" | timeout 20 "$@" > "$T/e.log" 2>&1 || true
    expect "$name" "$T/e.log" "$line"
}

# ---- ca=DIR: a hashed directory (openssl rehash) ------------------------------------
"$STRATA" cert ca --subject "/CN=another CA" --key "$T/ca2.key" -o "$T/ca2.pem" --days 3 >/dev/null
mkdir "$T/cadir" "$T/otherdir"
cp "$T/ca.pem" "$T/cadir/"
cp "$T/ca2.pem" "$T/otherdir/"
openssl rehash "$T/cadir" "$T/otherdir"
ls "$T/cadir" | grep -qE '^[0-9a-f]{8}\.0$' && pass "openssl rehash made a hash link" ||
    fail "no hash link in $T/cadir"

start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key"
echo_ok "ca=DIR holding the CA: verified, echo" "verified through a directory" \
    "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/cadir"
run "ca=DIR without the CA" 1 "$T/c.log" "$STRATA" connect "tcp:localhost:$PORT" \
    "tls:ca=$T/otherdir"
expect "ca=DIR without the CA: message" "$T/c.log" \
    "strata: layer 1 'tls': certificate verify failed at depth 0 (/CN=localhost): unable to get local issuer certificate"
stop "$LPID"
run "ca= a path that does not exist" 1 "$T/c.log" "$STRATA" connect tcp:127.0.0.1:1 \
    "tls:ca=$T/nothing"
expect "ca= missing path: message" "$T/c.log" \
    "strata: chain element 2 'tls:ca=$T/nothing': cannot load trusted certificates from '$T/nothing'"

# A listener verifying client certificates through a directory.
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/cadir"
echo_ok "listen ca=DIR: a client certificate from the CA" "client verified through a directory" \
    "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem,cert=$T/client.pem,key=$T/client.key"
run "listen ca=DIR: a self-signed client certificate" 1 "$T/c.log" "$STRATA" connect \
    "tcp:localhost:$PORT" "tls:ca=$T/ca.pem,cert=$T/self.pem,key=$T/self.key"
expect "listen ca=DIR: the client reads unknown_ca" "$T/c.log" \
    "the peer sent a fatal alert: unknown_ca (48)"
for _ in $(seq 50); do grep -q "self-signed certificate" "$T/l.log" && break; sleep 0.1; done
expect "listen ca=DIR: the listener says why" "$T/l.log" \
    "certificate verify failed at depth 0 (/CN=localhost): self-signed certificate"
stop "$LPID"

# ---- pass=file: the passphrase of an encrypted key read from a file -----------------
openssl pkey -in "$T/ec.key" -aes128 -passout pass:sesame -out "$T/enc.key" 2>/dev/null
openssl pkey -in "$T/client.key" -aes256 -passout pass:sesame -out "$T/cenc.key" 2>/dev/null
printf 'sesame\n' > "$T/pw"
printf 'open up\n' > "$T/badpw"
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 \
    "tls:cert=$T/ec.pem,key=$T/enc.key,pass=file:$T/pw,ca=$T/ca.pem"
echo_ok "pass=file: on both ends (server key, client key)" "both keys decrypted" \
    "$STRATA" connect "tcp:localhost:$PORT" \
    "tls:ca=$T/ca.pem,cert=$T/client.pem,key=$T/cenc.key,pass=file:$T/pw"
run "pass=file: wrong passphrase" 1 "$T/c.log" "$STRATA" connect "tcp:localhost:$PORT" \
    "tls:ca=ca.pem,cert=client.pem,key=cenc.key,pass=file:badpw"
expect "pass=file: wrong passphrase: message" "$T/c.log" \
    "strata: chain element 2 'tls:ca=ca.pem,cert=client.pem,key=cenc.key,pass=file:badpw': wrong passphrase for the key in 'cenc.key'"
run "pass=file: a file that does not exist" 2 "$T/c.log" "$STRATA" connect \
    "tcp:localhost:$PORT" "tls:ca=$T/ca.pem,cert=$T/client.pem,key=$T/cenc.key,pass=file:$T/nope"
expect "pass=file: missing file: message" "$T/c.log" "cannot read '$T/nope': No such file or directory"
run "encrypted key without pass=" 1 "$T/c.log" "$STRATA" connect "tcp:localhost:$PORT" \
    "tls:ca=$T/ca.pem,cert=$T/client.pem,key=$T/cenc.key"
expect "encrypted key without pass=: message" "$T/c.log" \
    "the key in '$T/cenc.key' is encrypted and no passphrase callback is set"
stop "$LPID"
# A listener checks its layers once before it listens: a key it cannot
# decrypt ends it at once with the reason (not a reset for every client).
run "listen pass=file: wrong passphrase: refused at start" 1 "$T/c.log" "$STRATA" listen --echo \
    tcp:127.0.0.1:0 "tls:cert=ec.pem,key=enc.key,pass=file:badpw"
expect "listen pass=file: wrong passphrase: message" "$T/c.log" \
    "strata: chain element 2 'tls:cert=ec.pem,key=enc.key,pass=file:badpw': wrong passphrase for the key in 'enc.key'"
grep -q "listening on" "$T/c.log" && fail "listen with a bad key: it listened" ||
    pass "listen with a bad key: never listened"
run "listen pass=file: missing file: refused at start" 2 "$T/c.log" "$STRATA" listen --echo \
    tcp:127.0.0.1:0 "tls:cert=ec.pem,key=enc.key,pass=file:nope"
expect "listen pass=file: missing file: message" "$T/c.log" \
    "strata: chain element 2 'tls:cert=ec.pem,key=enc.key,pass=file:nope': cannot read 'nope': No such file or directory"
run "listen --forward through tls: with a missing ca=: refused at start" 1 "$T/c.log" \
    "$STRATA" listen tcp:127.0.0.1:0 --forward tcp:127.0.0.1:1 tls:ca=nothing
expect "listen --forward tls:ca=missing: message" "$T/c.log" \
    "strata: forward chain element 2 'tls:ca=nothing': cannot load trusted certificates from 'nothing'"

# ---- verify=none ---------------------------------------------------------------------
# connect: a self-signed server, no ca=.
start_s_server "$T/s.log" -cert "$T/self.pem" -key "$T/self.key"
printf 'no verification\n' | timeout 20 "$STRATA" connect "tcp:localhost:$PORT" tls:verify=none \
    > "$T/c.log" 2>&1 && pass "verify=none: self-signed server accepted: exit 0" ||
    { fail "verify=none: exit $?"; cat "$T/c.log"; }
for _ in $(seq 50); do grep -q "no verification" "$T/s.log" && break; sleep 0.1; done
expect "verify=none: the data reached s_server" "$T/s.log" "no verification"
for v in "" verify=peer; do
    run "self-signed server, tls:$v" 1 "$T/c.log" "$STRATA" connect "tcp:localhost:$PORT" "tls:$v"
    expect "self-signed server, tls:$v: message" "$T/c.log" \
        "strata: layer 1 'tls': certificate verify failed at depth 0 (/CN=localhost): self-signed certificate"
done
stop "$SPID"
# verify=none skips the name check too.
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key"
printf 'any name\n' | timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "tls:verify=none,name=x" \
    > "$T/c.log" 2>&1 && pass "verify=none,name=x: accepted" || { fail "verify=none,name=x"; cat "$T/c.log"; }
stop "$SPID"

# listen: ca= alone asks for a client certificate (verify=peer is the
# default); with verify=none no CertificateRequest is sent and a client
# without a certificate is served.
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/ca.pem"
timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" -msg < /dev/null \
    > "$T/sc.log" 2>&1 || true
expect "listen ca=: the server sends a CertificateRequest" "$T/sc.log" ", CertificateRequest"
stop "$LPID"
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 \
    "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/ca.pem,verify=none"
timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" -msg < /dev/null \
    > "$T/sc.log" 2>&1 || true
expect "listen ca=,verify=none: handshake done" "$T/sc.log" "Verify return code: 0 (ok)"
grep -q "CertificateRequest" "$T/sc.log" && { fail "listen verify=none: a CertificateRequest was sent"; } ||
    pass "listen ca=,verify=none: no CertificateRequest"
echo_ok "listen ca=,verify=none: a client without a certificate is served" "no client certificate" \
    "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem"
stop "$LPID"

# listen: verify=peer without ca= would check nothing: a usage error.
run "listen verify=peer without ca=" 2 "$T/c.log" "$STRATA" listen --echo tcp:127.0.0.1:0 \
    "tls:cert=ec.pem,key=ec.key,verify=peer"
expect "listen verify=peer without ca=: message" "$T/c.log" \
    "strata: chain element 2 'tls:cert=ec.pem,key=ec.key,verify=peer': verify=peer on a TLS server needs ca= (the CAs of the client certificates)"

# ---- ciphers= (the TLS 1.2 cipher list) and suites= (the TLS 1.3 suites) ---------------
# picks VERSION OPT=CHOICE S_SERVER_ARGS...: against s_server (offering more
# than CHOICE), strata connect with OPT=CHOICE negotiates CHOICE: strata -v
# and s_server both say so.
picks() {
    local v=$1 o=$2 c=${2#*=}
    shift 2
    start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -naccept 1 "$@"
    printf 'asked %s\n' "$c" | timeout 20 "$STRATA" connect -v "tcp:localhost:$PORT" \
        "tls:ca=$T/ca.pem,max=$v,$o" > "$T/c.log" 2>&1 || true
    expect "$o: strata -v reports it" "$T/c.log" "up: tls TLSv$v $c peer /CN=localhost"
    for _ in $(seq 50); do grep -q "asked $c" "$T/s.log" && break; sleep 0.1; done
    expect "$o: s_server negotiated it" "$T/s.log" "CIPHER is $c"
    stop "$SPID"
}
# lacks OPT=CHOICE S_SERVER_ARGS...: s_server without CHOICE: the handshake
# fails with exit 1 and the server's alert.
lacks() {
    local o=$1
    shift
    start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" "$@"
    run "$o, which the server does not have" 1 "$T/c.log" "$STRATA" connect \
        "tcp:localhost:$PORT" "tls:ca=$T/ca.pem,$o"
    expect "$o, which the server does not have: message" "$T/c.log" \
        "strata: layer 1 'tls': handshake failed: the peer sent a fatal alert: handshake_failure (40)"
    stop "$SPID"
}
# listener_picks VERSION OPT=CHOICE: a strata listener's list decides.
listener_picks() {
    local c=${2#*=}
    start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key,max=$1,$2"
    echo "from a $1 client" | timeout 20 "$STRATA" connect -v "tcp:localhost:$PORT" \
        "tls:ca=$T/ca.pem" > "$T/c.log" 2>&1 || true
    expect "listen $2: the client got it" "$T/c.log" "up: tls TLSv$1 $c peer /CN=localhost"
    expect "listen $2: echo" "$T/c.log" "from a $1 client"
    stop "$LPID"
}
both12=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305
both13=TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256
for c in ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-GCM-SHA256; do
    picks 1.2 "ciphers=$c" -cipher "$both12"
done
for c in TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256; do
    picks 1.3 "suites=$c" -ciphersuites "$both13"
done
lacks max=1.2,ciphers=ECDHE-ECDSA-CHACHA20-POLY1305 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
expect "ciphers= the server does not have: s_server says" "$T/s.log" "no shared cipher"
lacks suites=TLS_CHACHA20_POLY1305_SHA256 -ciphersuites TLS_AES_128_GCM_SHA256 -tls1_3
listener_picks 1.2 ciphers=ECDHE-ECDSA-AES256-GCM-SHA384
listener_picks 1.3 suites=TLS_CHACHA20_POLY1305_SHA256
# Names that select nothing: usage errors (exit 2); a TLS 1.3 suite given
# to ciphers= points at suites=.
run "ciphers= no such cipher" 2 "$T/c.log" "$STRATA" connect tcp:127.0.0.1:1 \
    "tls:ciphers=NO-SUCH-CIPHER"
expect "ciphers= no such cipher: message" "$T/c.log" \
    "strata: chain element 2 'tls:ciphers=NO-SUCH-CIPHER': cipher list 'NO-SUCH-CIPHER' selects no usable cipher"
run "ciphers= a TLS 1.3 suite" 2 "$T/c.log" "$STRATA" connect tcp:127.0.0.1:1 \
    "tls:ciphers=TLS_AES_128_GCM_SHA256"
expect "ciphers= a TLS 1.3 suite: message" "$T/c.log" \
    "strata: chain element 2 'tls:ciphers=TLS_AES_128_GCM_SHA256': cipher list 'TLS_AES_128_GCM_SHA256' selects no usable cipher (TLS 1.3 suites go in suites=)"
run "suites= no such suite" 2 "$T/c.log" "$STRATA" connect tcp:127.0.0.1:1 "tls:suites=NOPE"
expect "suites= no such suite: message" "$T/c.log" \
    "strata: chain element 2 'tls:suites=NOPE': TLS 1.3 cipher suites 'NOPE' are not valid"

# ---- --forward with TLS on both sides ------------------------------------------------
start_listen "$T/b.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/rsa.pem,key=$T/rsa.key"
bport=$PORT
start_listen "$T/r.log" tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key" \
    --forward "tcp:127.0.0.1:$bport" "tls:ca=$T/ca.pem,name=localhost"
head -c 4M /dev/urandom > "$T/data"
want=$(sha256sum < "$T/data" | cut -d' ' -f1)
got=$(timeout 60 "$STRATA" connect "tcp:localhost:$PORT" "tls:ca=$T/ca.pem" < "$T/data" 2> "$T/c.log" |
    sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && pass "--forward: TLS in, TLS out: 4 MiB echoed, sha256 equal" ||
    { fail "--forward TLS both sides: $got != $want"; cat "$T/c.log" "$T/r.log"; }
finish
