#!/usr/bin/env bash
# interop: TLS roles turned round on the command line (tls: role=), strata
# connect against strata listen over loopback TCP:
#  (a) one layer: the connecting end is the TLS server, the listener the TLS
#      client that verifies the connecting end's certificate; 1 MiB echoed,
#      checked by sha256;
#  (b) three layers, roles alternating (connecting end: server, client,
#      server), 1 MiB by sha256;
#  (c) the connecting end, as TLS server, asks the listener for a client
#      certificate (ca= with verify=peer) and gets it;
#  (d) the listener refuses a connecting end whose certificate has another
#      name, with the reason; bad role= uses exit with status 2.
# (No openssl tool fits here: s_client and s_server each do their TCP role
# and their TLS role the usual way round.)
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
make_pki
cd "$T"
head -c $((1 << 20)) /dev/urandom > data.bin
want=$(sha256sum < data.bin | cut -d' ' -f1)

# through NAME CONNECT-ARGS...: data.bin through strata connect; checks the
# echo by sha256.
through() {
    local name=$1; shift
    local rc=0
    timeout 60 "$STRATA" connect "tcp:127.0.0.1:$PORT" "$@" < data.bin > out.bin 2> c.log || rc=$?
    local got
    got=$(sha256sum < out.bin | cut -d' ' -f1)
    if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
        pass "$name: 1 MiB echoed, sha256 equal"
    else
        fail "$name: exit $rc, $(stat -c %s out.bin) bytes back"; sed 's/^/    /' c.log l.log
    fi
}

server_as_other="tls:role=server,cert=$T/other.pem,key=$T/other.key"
client_for_other="tls:role=client,ca=$T/ca.pem,name=other.example"

# (a) One layer, the roles turned round.
start_listen l.log --echo tcp:127.0.0.1:0 "$client_for_other"
through "connecting end as TLS server" "$server_as_other"
stop "$LPID"

# (b) Three layers; the connecting end is server, client, server.
start_listen l.log --echo tcp:127.0.0.1:0 "$client_for_other" \
    "tls:cert=$T/ec.pem,key=$T/ec.key" "$client_for_other"
through "three layers, roles alternating" "$server_as_other" \
    "tls:ca=$T/ca.pem,name=localhost" "$server_as_other"
stop "$LPID"

# (c) The connecting end asks the listener (its TLS client) for a
# certificate, and verifies it.
start_listen l.log --echo tcp:127.0.0.1:0 \
    "$client_for_other,cert=$T/client.pem,key=$T/client.key"
through "TLS server on the connecting end verifies the listener" \
    "$server_as_other,ca=$T/ca.pem,verify=peer"
stop "$LPID"
start_listen l.log --echo tcp:127.0.0.1:0 "$client_for_other"
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "$server_as_other,ca=$T/ca.pem,verify=peer" \
    < /dev/null > c.log 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "listener without a certificate: exit 1" ||
    { fail "listener without a certificate: exit $rc"; cat c.log; }
expect "listener without a certificate: the connecting end says why" c.log \
    "the peer sent no certificate"
stop "$LPID"

# (d) The listener expects another name: it refuses the connecting end.
start_listen l.log --echo tcp:127.0.0.1:0 "tls:role=client,ca=$T/ca.pem,name=gw.example"
rc=0
timeout 20 "$STRATA" connect "tcp:127.0.0.1:$PORT" "$server_as_other" < /dev/null \
    > c.log 2>&1 || rc=$?
[ "$rc" -eq 1 ] && pass "wrong name: connect exits 1" || fail "wrong name: connect exit $rc"
for _ in $(seq 50); do grep -q "mismatch" l.log && break; sleep 0.1; done
expect "wrong name: the listener says why" l.log \
    "certificate name mismatch: expected 'gw.example', certificate has DNS:other.example"
stop "$LPID"

rc=0
"$STRATA" listen --echo tcp:127.0.0.1:0 tls:role=client > u.log 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "client role in listen without a name: exit 2" || fail "exit $rc"
expect "client role in listen without a name: message" u.log \
    "strata: chain element 2 'tls:role=client': a TLS client in listen needs name= or sni= (or verify=none)"
rc=0
"$STRATA" connect tcp:127.0.0.1:1 tls:role=sideways > u.log 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "role=sideways: exit 2" || fail "role=sideways: exit $rc"
expect "role=sideways: message" u.log \
    "strata: chain element 2 'tls:role=sideways': role must be 'client' or 'server'"
rc=0
"$STRATA" connect tcp:127.0.0.1:1 tls:role=server > u.log 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "server role without cert: exit 2" || fail "server role without cert: exit $rc"
expect "server role without cert: message" u.log "a TLS server needs cert= and key="
finish
