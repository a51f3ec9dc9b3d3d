#!/usr/bin/env bash
# strata listen closes towards the client from the inside out, as connect
# does: when the application's output ends (an --exec child's, or the
# --forward side's), the client gets the TLS close_notify, but the TCP FIN
# only after the client has closed its side; with --half-close the FIN
# follows at once. The client (tests/tools/tls_close_client.py, Python's ssl
# on memory BIOs) watches the socket under TLS.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
SRC=${STRATA_SRC:?}
command -v python3 >/dev/null || { echo "FAIL: python3 is missing"; exit 1; }
make_pki
cd "$T"
client() { timeout 30 python3 "$SRC/tests/tools/tls_close_client.py" "$1" "$T/ca.pem" 2>&1; }
TLS="tls:cert=$T/ec.pem,key=$T/ec.key"

start_listen "$T/l1.log" tcp:127.0.0.1:0 "$TLS" --exec 'printf "hello from the child"'
out=$(client "$PORT")
expect_line() { # NAME WANT
    if [[ "$out" == *"$2"* ]]; then pass "$1: $out"; else fail "$1: want '$2', got: $out"; fi
}
expect_line "--exec: close_notify, no FIN before the client's close" \
    "20 bytes, close_notify yes, fin-before-our-close no, fin-after-our-close "
[[ "$out" == *"fin-after-our-close none"* ]] && fail "--exec: no FIN after the client's close"
stop "$LPID"

start_listen "$T/l2.log" --half-close tcp:127.0.0.1:0 "$TLS" --exec 'printf "hello from the child"'
out=$(client "$PORT")
expect_line "--half-close: the FIN right after close_notify" \
    "20 bytes, close_notify yes, fin-before-our-close yes"
stop "$LPID"

# --forward to a plain backend that sends a line and closes.
BPORT=$(free_port)
python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $BPORT)); s.listen(4)
for _ in range(4):
    c, _ = s.accept(); c.sendall(b'from the backend'); c.close()" &
PIDS+=($!)
wait_port "$BPORT"
start_listen "$T/l3.log" tcp:127.0.0.1:0 "$TLS" --forward "tcp:127.0.0.1:$BPORT"
out=$(client "$PORT")
expect_line "--forward: close_notify, no FIN before the client's close" \
    "16 bytes, close_notify yes, fin-before-our-close no, fin-after-our-close "
[[ "$out" == *"fin-after-our-close none"* ]] && fail "--forward: no FIN after the client's close"
finish
