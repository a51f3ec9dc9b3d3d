#!/usr/bin/env bash
# strata ssh-keyscan against OpenSSH's ssh-keyscan on a local sshd: the same
# known_hosts lines for every host key type (compared sorted, line for line),
# hashed names that ssh-keygen -F finds, a DSA key when asked for, and clear
# errors for a server that is not SSH and for one that never answers, each
# reported once per host, with -T bounding the host as a whole.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keyscan
need ssh-keygen

mkdir -p /run/sshd
for t in ed25519 ecdsa rsa dsa; do ssh-keygen -q -t $t -N '' -f "$WORK/hk_$t"; done
PORT=$(free_port)
cat >"$WORK/sshd_config" <<CFG
HostKey $WORK/hk_ed25519
HostKey $WORK/hk_ecdsa
HostKey $WORK/hk_rsa
HostKey $WORK/hk_dsa
HostKeyAlgorithms +ssh-dss
PidFile $WORK/sshd.pid
UsePAM no
CFG
/usr/sbin/sshd -f "$WORK/sshd_config" -D -e -p "$PORT" -o ListenAddress=127.0.0.1 \
    >"$WORK/sshd.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "${PIDS[0]}"

compare() { # compare NAME [TYPES]
    local name=$1 t=()
    [ $# -ge 2 ] && t=(-t "$2")
    timeout 30 ssh-keyscan -T 5 "${t[@]}" -p "$PORT" 127.0.0.1 2>/dev/null | sort >"$WORK/openssh.txt" || true
    timeout 30 "$STRATA" ssh-keyscan -T 5 "${t[@]}" -p "$PORT" 127.0.0.1 2>"$WORK/strata.err" |
        sort >"$WORK/strata.txt" || true
    if [ -s "$WORK/openssh.txt" ] && diff -u "$WORK/openssh.txt" "$WORK/strata.txt"; then
        echo "ok   $name ($(wc -l <"$WORK/strata.txt") lines identical)"
    else
        echo "FAIL $name"; cat "$WORK/strata.err"; FAILS=$((FAILS + 1))
    fi
}
compare "default types (no -t)"
compare "rsa,ecdsa,ed25519" rsa,ecdsa,ed25519
compare "ed25519" ed25519
compare "ecdsa" ecdsa
compare "rsa" rsa
compare "dsa" dsa
# The server's identification comment, as ssh-keyscan prints it on stderr.
check "banner comment" "# 127.0.0.1:$PORT SSH-2.0-OpenSSH" "$STRATA" ssh-keyscan -t ed25519 -p "$PORT" 127.0.0.1
# The default offer starts with the post-quantum hybrids (sshd 9.2 has sntrup761).
check "-v shows the negotiation" "kex sntrup761x25519-sha512, host key ssh-ed25519" \
    "$STRATA" ssh-keyscan -v -t ed25519 -p "$PORT" 127.0.0.1
# Hashed names: ssh-keygen -F must find the host in them.
"$STRATA" ssh-keyscan -H -p "$PORT" 127.0.0.1 >"$WORK/hashed" 2>/dev/null
if grep -q '^|1|' "$WORK/hashed" && [ "$(wc -l <"$WORK/hashed")" -eq 3 ] &&
    [ "$(ssh-keygen -F "[127.0.0.1]:$PORT" -f "$WORK/hashed" | grep -vc '^#')" -eq 3 ]; then
    echo "ok   -H hashes names that ssh-keygen -F finds"
else
    echo "FAIL -H"; cat "$WORK/hashed"; FAILS=$((FAILS + 1))
fi
# Not an SSH server: an HTTP server answers our identification line with an
# HTML error page (HTTP/0.9 style, no status line), then closes.
HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$HPORT" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$HPORT" "${PIDS[1]}"
check "HTTP server refused" "without an SSH identification (it sent '<!DOCTYPE HTML>'): not an SSH server?" \
    bash -c "! '$STRATA' ssh-keyscan -t ed25519 -p $HPORT 127.0.0.1"
# A server that accepts and never speaks: -T bounds the wait.
SPORT=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
c=[]
while True: c.append(s.accept()[0])' "$SPORT" &
PIDS+=($!)
wait_port "$SPORT" "${PIDS[2]}"
check "silent server times out" "timed out" \
    bash -c "! timeout 20 '$STRATA' ssh-keyscan -T 1 -t ed25519 -p $SPORT 127.0.0.1"
# -T bounds the whole host: three key types against the silent server end in
# about 2 s (not 3 x 2 s), with the timeout reported once.
t0=$(date +%s%N)
timeout 20 "$STRATA" ssh-keyscan -T 2 -t rsa,ecdsa,ed25519 -p "$SPORT" 127.0.0.1 \
    >"$WORK/silent.out" 2>"$WORK/silent.err" && rc=0 || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" -eq 1 ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 3500 ] &&
    [ "$(grep -c 'timed out' "$WORK/silent.err")" -eq 1 ] && [ ! -s "$WORK/silent.out" ]; then
    echo "ok   -T 2 bounds the host as a whole (3 types in $ms ms, one message)"
else
    echo "FAIL -T 2 with 3 types: exit $rc in $ms ms (want 1 in 1900..3500), stderr:"
    cat "$WORK/silent.err"; FAILS=$((FAILS + 1))
fi
# Nothing listens: the connection error is printed once, not once per type.
CPORT=$(free_port)
"$STRATA" ssh-keyscan -t rsa,ecdsa,ed25519 -p "$CPORT" 127.0.0.1 >/dev/null 2>"$WORK/refused.err" &&
    rc=0 || rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$WORK/refused.err")" -eq 1 ] &&
    grep -q "Connection refused" "$WORK/refused.err"; then
    echo "ok   a refused connection is reported once"
else
    echo "FAIL refused connection: exit $rc, stderr:"; cat "$WORK/refused.err"; FAILS=$((FAILS + 1))
fi
# Not an SSH server, three types: one message.
"$STRATA" ssh-keyscan -t rsa,ecdsa,ed25519 -p "$HPORT" 127.0.0.1 >/dev/null 2>"$WORK/http.err" || true
[ "$(grep -c 'not an SSH server' "$WORK/http.err")" -eq 1 ] && echo "ok   a non-SSH server is reported once" ||
    { echo "FAIL non-SSH server with 3 types:"; cat "$WORK/http.err"; FAILS=$((FAILS + 1)); }
check "usage error" "unknown key type 'rot13'" bash -c "! '$STRATA' ssh-keyscan -t rot13 127.0.0.1"
check "bad -T" "option -T: 'soon' is not a number of seconds" bash -c "! '$STRATA' ssh-keyscan -T soon 127.0.0.1"
finish
