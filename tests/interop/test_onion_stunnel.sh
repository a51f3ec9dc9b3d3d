#!/usr/bin/env bash
# The onion on the command line, against real peers on loopback:
#  (a) strata connect with two TLS layers -> stunnel (server mode: the outer
#      TLS) -> openssl s_server (the inner TLS), reversing lines;
#  (b) openssl s_client (inner TLS) -> stunnel (client mode: the outer TLS)
#      -> strata listen peeling both layers, echoing;
#  (c) three and four layers strata to strata, each layer with its own
#      certificate type, 4 MiB checked by sha256;
#  (d) strata listen terminating two layers and relaying (--forward) to a
#      plain backend, as stunnel does.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
command -v stunnel >/dev/null || { echo "FAIL: stunnel is missing (scripts/deps.sh installs stunnel4)"; exit 1; }
make_pki
cd "$T"

# start_stunnel NAME CONFIG-LINES...: stunnel in the foreground; its accept
# port must be in the lines. Waits for ACCEPT_PORT.
start_stunnel() {
    local name=$1 port=$2; shift 2
    { echo "foreground = yes"; echo "pid ="; echo "debug = 5"; echo "output = $T/$name.log"
      echo "[$name]"; printf '%s\n' "$@"; } > "$T/$name.conf"
    stunnel "$T/$name.conf" > "$T/$name.out" 2>&1 &
    PIDS+=($!)
    wait_port "$port"
}

# converse EXPECT CMD...: runs CMD with stdin from a FIFO, writes stdin's
# lines... (the text in $INPUT), waits (at most 20 s) until its output holds
# EXPECT, then ends the input. The peers here close the whole connection on
# our end of input, so input stays open until the answer is in. OUT: output.
converse() {
    local expect=$1; shift
    rm -f "$T/fifo" "$T/conv.out"; mkfifo "$T/fifo"
    timeout 30 "$@" < "$T/fifo" > "$T/conv.out" 2> "$T/conv.err" &
    local cpid=$!
    exec 8> "$T/fifo"
    printf '%s' "$INPUT" >&8
    for _ in $(seq 200); do
        grep -qF -- "$expect" "$T/conv.out" 2>/dev/null && break
        kill -0 $cpid 2>/dev/null || break
        sleep 0.1
    done
    exec 8>&-
    wait $cpid 2>/dev/null || true
    OUT=$(cat "$T/conv.out")
}

# (a) strata (two layers) -> stunnel (outer) -> s_server (inner).
start_s_server "$T/s.log" -cert "$T/ec.pem" -key "$T/ec.key" -rev
sport=$PORT
p1=$(free_port)
start_stunnel outer "$p1" "accept = 127.0.0.1:$p1" "connect = 127.0.0.1:$sport" \
    "cert = $T/rsa.pem" "key = $T/rsa.key"
INPUT=$'onion layers\n'
converse "sreyal noino" "$STRATA" connect -v "tcp:127.0.0.1:$p1" "tls:ca=$T/ca.pem,name=localhost" \
    "tls:ca=$T/ca.pem,name=localhost"
if grep -qF "sreyal noino" "$T/conv.out"; then
    pass "(a) strata, 2 layers -> stunnel (outer TLS) -> openssl s_server (inner TLS)"
else
    fail "(a) no reversed line: $(cat "$T/conv.out" "$T/conv.err")"
fi
grep -q "layer 2" "$T/conv.err" && pass "(a) -v reports both layers" || fail "(a) -v: $(cat "$T/conv.err")"

# (b) s_client (inner) -> stunnel client mode (outer) -> strata listen, 2 layers.
start_listen "$T/l.log" --echo tcp:127.0.0.1:0 "tls:cert=$T/rsa.pem,key=$T/rsa.key" \
    "tls:cert=$T/ec.pem,key=$T/ec.key"
lport=$PORT
p2=$(free_port)
start_stunnel cl "$p2" "client = yes" "accept = 127.0.0.1:$p2" "connect = 127.0.0.1:$lport" \
    "CAfile = $T/ca.pem" "verifyChain = yes" "checkHost = localhost" "sni = localhost"
INPUT=$'peeled by strata\n'
converse "peeled by strata" openssl s_client -connect "127.0.0.1:$p2" -servername localhost \
    -CAfile "$T/ca.pem" -verify_return_error -verify_hostname localhost -quiet
if grep -qF "peeled by strata" "$T/conv.out"; then
    pass "(b) openssl s_client (inner TLS) -> stunnel client (outer TLS) -> strata listen peeling both"
else
    fail "(b) no echo: $(cat "$T/conv.out" "$T/conv.err" "$T/l.log")"
fi
stop "$LPID"

# (c) three and four layers, strata to strata.
head -c 4194304 /dev/urandom > "$T/big"
want=$(sha256sum < "$T/big" | cut -d' ' -f1)
srv=("tls:cert=$T/ec.pem,key=$T/ec.key" "tls:cert=$T/rsa.pem,key=$T/rsa.key"
     "tls:cert=$T/ed.pem,key=$T/ed.key" "tls:cert=$T/ec.pem,key=$T/ec.key,max=1.2")
cli="tls:ca=$T/ca.pem,name=localhost"
for depth in 3 4; do
    start_listen "$T/l$depth.log" --exec cat tcp:127.0.0.1:0 "${srv[@]:0:$depth}"
    layers=(); for _ in $(seq $depth); do layers+=("$cli"); done
    got=$(timeout 60 "$STRATA" connect "tcp:127.0.0.1:$PORT" "${layers[@]}" < "$T/big" 2> "$T/c$depth.err" |
        sha256sum | cut -d' ' -f1 || true)
    [ "$got" = "$want" ] && pass "(c) $depth layers strata to strata: 4 MiB, sha256 equal" ||
        fail "(c) $depth layers: $(cat "$T/c$depth.err")"
    stop "$LPID"
done

# (d) terminate two layers and relay to a plain backend.
start_listen "$T/back.log" --exec cat tcp:127.0.0.1:0
bport=$PORT
start_listen "$T/relay.log" tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key" \
    "tls:cert=$T/ed.pem,key=$T/ed.key" --forward "tcp:127.0.0.1:$bport"
got=$(timeout 60 "$STRATA" connect "tcp:127.0.0.1:$PORT" "$cli" "$cli" < "$T/big" 2> "$T/d.err" |
    sha256sum | cut -d' ' -f1 || true)
[ "$got" = "$want" ] && pass "(d) listen terminates 2 layers and relays (--forward): 4 MiB, sha256 equal" ||
    fail "(d) relay: $(cat "$T/d.err" "$T/relay.log")"
finish
