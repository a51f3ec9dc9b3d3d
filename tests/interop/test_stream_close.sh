#!/usr/bin/env bash
# How strata connect ends a stream, against peers that do not forgive an
# early close: a TLS server (tests/tools/tls_close_peer.py) that aborts its
# reply when it sees the client's FIN (as servers do: "client prematurely
# closed connection") but not on close_notify; tinyproxy, which tears the
# tunnel down when its client half-closes; stunnel terminating the outer TLS.
#  - a piped request through tls: gets the whole 32 MiB reply, exit 0
#    (inside-out close: close_notify first, the FIN after the server's close);
#    with --half-close the FIN goes at once and the reply is cut (exit 1);
#  - http-connect: tls: through tinyproxy, tls: http-connect: tls: through
#    stunnel + tinyproxy, and tls: tls: through stunnel: the whole reply, exit 0;
#  - --timeout 2 against a silent server: exit 1 within 3 s naming the layer;
#  - --linger and --idle end a connection to a peer that stays silent;
#  - -i keeps the connection open after stdin's end until the peer closes;
#  - SSLKEYLOGFILE gets the key log, in a file created 0600.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
SRC=${STRATA_SRC:?}
for bin in python3 tinyproxy stunnel sha256sum; do
    command -v "$bin" >/dev/null || { echo "FAIL: $bin is missing (scripts/deps.sh installs it)"; exit 1; }
done
make_pki
cd "$T"
BIG=$((32 * 1024 * 1024))
python3 -c "
import sys
chunk = bytes(range(256)) * 256
n = $BIG
with open('want.bin', 'wb') as f:
    while n > 0:
        f.write(chunk[:min(n, len(chunk))]); n -= len(chunk)
"
WANT=$(sha256sum <want.bin | cut -c1-64)
TLS="tls:ca=$T/ca.pem,name=localhost"
REQ=$'GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n'

# peer NAME MODE [BYTES]: tls_close_peer.py in the background; sets PORT.
peer() {
    local name=$1 mode=$2 bytes=${3:-0}
    rm -f "$T/$name.port"
    python3 "$SRC/tests/tools/tls_close_peer.py" "$mode" "$T/$name.port" "$T/ec.pem" "$T/ec.key" \
        "$bytes" >"$T/$name.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
    PORT=$(cat "$T/$name.port" 2>/dev/null) || { fail "$name did not start"; cat "$T/$name.log"; return 1; }
}
# outcome NAME N: what the peer saw of its Nth client (its Nth line).
outcome() {
    for _ in $(seq 100); do [ "$(wc -l <"$T/$1.log")" -ge "$2" ] && break; sleep 0.1; done
    sed -n "$2p" "$T/$1.log"
}
# fetch NAME RCWANT ARGS...: the request piped into strata connect ARGS;
# checks the exit status and that the whole reply arrived (RCWANT 0) or not.
fetch() {
    local name=$1 want_rc=$2 rc=0 got
    shift 2
    printf '%s' "$REQ" | timeout 60 "$STRATA" connect "$@" >out.bin 2>err.txt || rc=$?
    got=$(sha256sum <out.bin | cut -c1-64)
    if [ "$want_rc" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$got" = "$WANT" ]; then
        pass "$name: all $BIG bytes, exit 0"
    elif [ "$want_rc" -ne 0 ] && [ "$rc" -eq "$want_rc" ] && [ "$got" != "$WANT" ]; then
        pass "$name: cut at $(stat -c %s out.bin) bytes, exit $rc: $(tail -n 1 err.txt)"
    else
        fail "$name: exit $rc (want $want_rc), $(stat -c %s out.bin) bytes: $(cat err.txt)"
    fi
}

# ---- a server that aborts its reply on the FIN ------------------------------------
peer origin abort-on-fin "$BIG" || finish
OPORT=$PORT
fetch "tls: to a server that aborts on FIN" 0 "tcp:127.0.0.1:$OPORT" "$TLS"
expect "the server saw close_notify, not a FIN, before its end" <(outcome origin 1) \
    "sent $BIG bytes, close_notify before the end"
fetch "the same with --half-close (FIN at once)" 1 --half-close "tcp:127.0.0.1:$OPORT" "$TLS"
expect "the server aborted on the FIN" <(outcome origin 2) "aborted on FIN"

# ---- through tinyproxy (no half-close) ---------------------------------------------
PPORT=$(free_port)
cat >proxy.conf <<CFG
Port $PPORT
Listen 127.0.0.1
Allow 127.0.0.1
Timeout 60
MaxClients 10
LogLevel Info
LogFile "$T/proxy.log"
PidFile "$T/proxy.pid"
ConnectPort $OPORT
CFG
tinyproxy -d -c proxy.conf >proxy.out 2>&1 &
PIDS+=($!)
wait_port "$PPORT" || { fail "tinyproxy did not start"; cat proxy.out; finish; }
fetch "http-connect: tls: through tinyproxy" 0 "tcp:127.0.0.1:$PPORT" \
    "http-connect:127.0.0.1:$OPORT" "$TLS"

# ---- stunnel terminating the outer TLS ----------------------------------------------
# start_stunnel NAME PORT CONNECT-PORT
start_stunnel() {
    { echo "foreground = yes"; echo "pid ="; echo "debug = 5"; echo "output = $T/$1.log"
      echo "[$1]"; echo "accept = 127.0.0.1:$2"; echo "connect = 127.0.0.1:$3"
      echo "cert = $T/ec.pem"; echo "key = $T/ec.key"; } >"$T/$1.conf"
    stunnel "$T/$1.conf" >"$T/$1.out" 2>&1 &
    PIDS+=($!)
    wait_port "$2"
}
S1=$(free_port)
start_stunnel toproxy "$S1" "$PPORT" || { fail "stunnel did not start"; finish; }
fetch "tls: http-connect: tls: through stunnel and tinyproxy" 0 "tcp:127.0.0.1:$S1" "$TLS" \
    "http-connect:127.0.0.1:$OPORT" "$TLS"
S2=$(free_port)
start_stunnel toorigin "$S2" "$OPORT" || { fail "stunnel did not start"; finish; }
fetch "tls: tls: through stunnel" 0 "tcp:127.0.0.1:$S2" "$TLS" "$TLS"

# ---- time limits ---------------------------------------------------------------------
SILENT=$(free_port)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SILENT)); s.listen(4)
c, _ = s.accept(); time.sleep(30)" &
PIDS+=($!)
wait_port "$SILENT"
start=$(date +%s%N); rc=0
timeout 20 "$STRATA" connect --timeout 2 "tcp:127.0.0.1:$SILENT" "$TLS" </dev/null >/dev/null \
    2>err.txt || rc=$?
took=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -eq 1 ] && [ "$took" -lt 3000 ] && grep -q "layer 1 'tls': handshake not done after 2 s" err.txt; then
    pass "--timeout 2, silent server: exit 1 after $took ms: $(cat err.txt)"
else
    fail "--timeout 2, silent server: exit $rc after $took ms: $(cat err.txt)"
fi
# -v reports a failure once (the io driver's own line only with -vv).
timeout 20 "$STRATA" connect -v --timeout 1 "tcp:127.0.0.1:$SILENT" "$TLS" </dev/null >/dev/null \
    2>err.txt || true
n=$(grep -c "handshake not done" err.txt || true)
[ "$n" -eq 1 ] && pass "-v prints the failure once" || fail "-v printed it $n times: $(cat err.txt)"
peer mute mute || finish
MPORT=$PORT
start=$(date +%s%N); rc=0
timeout 20 "$STRATA" connect --linger 1 "tcp:127.0.0.1:$MPORT" "$TLS" </dev/null >/dev/null \
    2>err.txt || rc=$?
took=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -eq 1 ] && [ "$took" -lt 4000 ] && grep -q "did not close within 1 s after our close" err.txt; then
    pass "--linger 1, a peer that never answers our close: exit 1 after $took ms"
else
    fail "--linger 1: exit $rc after $took ms: $(cat err.txt)"
fi
start=$(date +%s%N); rc=0
timeout 20 "$STRATA" connect --idle 1 "tcp:127.0.0.1:$MPORT" "$TLS" < <(sleep 8) >/dev/null \
    2>err.txt || rc=$?
took=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -eq 1 ] && [ "$took" -lt 4000 ] && grep -q "idle for 1 s" err.txt; then
    pass "--idle 1: exit 1 after $took ms"
else
    fail "--idle 1: exit $rc after $took ms: $(cat err.txt)"
fi

# ---- -i: stdin's end waits for the peer --------------------------------------------------
peer late reply-late || finish
LPORT=$PORT
rc=0
out=$(timeout 20 "$STRATA" connect -i "tcp:127.0.0.1:$LPORT" "$TLS" </dev/null 2>err.txt) || rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "late reply" ]; then pass "-i: the late reply, exit 0"; else
    fail "-i: exit $rc, '$out': $(cat err.txt)"; fi
rc=0
out=$(timeout 20 "$STRATA" connect "tcp:127.0.0.1:$LPORT" "$TLS" </dev/null 2>err.txt) || rc=$?
expect "without -i our close_notify goes at once" <(outcome late 2) "close_notify before the reply"
if [ "$rc" -eq 1 ] && [ -z "$out" ]; then pass "without -i: no reply, exit 1 (no close_notify back)"; else
    fail "without -i: exit $rc, '$out': $(cat err.txt)"; fi

# ---- SSLKEYLOGFILE, as curl and browsers honour it ------------------------------------
rm -f keys.log
umask 022
rc=0
out=$(SSLKEYLOGFILE=$T/keys.log timeout 20 "$STRATA" connect -i "tcp:127.0.0.1:$LPORT" "$TLS" \
    </dev/null 2>err.txt) || rc=$?
if [ "$rc" -eq 0 ] && [ "$(stat -c %a keys.log 2>/dev/null)" = 600 ] &&
    grep -Eq '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$' keys.log &&
    grep -Eq '^SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$' keys.log; then
    pass "SSLKEYLOGFILE: NSS key log lines in a file created 0600 (umask 022)"
else
    fail "SSLKEYLOGFILE: exit $rc, mode $(stat -c %a keys.log 2>&1): $(head -c 300 keys.log 2>&1)"
fi
finish
