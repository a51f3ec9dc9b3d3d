#!/usr/bin/env bash
# ConnectTimeout covers the SSH handshake, as OpenSSH's does its banner
# exchange: against a server that accepts and never speaks, and one that
# sends its identification and then stalls the key exchange, strata ssh
# -o ConnectTimeout=2 exits 255 within 4 s with OpenSSH's message. The
# servers are small Python scripts on 127.0.0.1, stopped by PID.
source "$(dirname "$0")/ssh_lib.sh"
need python3

cat >"$WORK/stall.py" <<'PY'
import socket, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
conns = []
deadline = time.time() + 120
while time.time() < deadline:
    s.settimeout(1)
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    if mode == "banner":
        c.sendall(b"SSH-2.0-stalling_server\r\n")
    conns.append(c)  # kept open, never answered
PY

for mode in silent banner; do
    port=$(free_port)
    python3 "$WORK/stall.py" "$mode" "$port" &
    PIDS+=($!)
    wait_port "$port" "$!"
    want="Connection timed out during banner exchange"
    [ "$mode" = banner ] && want="Connection timed out during key exchange"
    start=$(date +%s%N)
    rc=0
    out=$(timeout 30 "$STRATA" ssh -F none -o BatchMode=yes -o ConnectTimeout=2 -p "$port" \
        root@127.0.0.1 true 2>&1) || rc=$?
    took=$((($(date +%s%N) - start) / 1000000))
    if [ "$rc" -eq 255 ] && [ "$took" -lt 4000 ] && [[ "$out" == *"$want"* ]]; then
        echo "ok   $mode server: exit 255 after $took ms: $out"
    else
        echo "FAIL $mode server: rc=$rc took=${took} ms out=$out"; FAILS=$((FAILS + 1))
    fi
done
finish
