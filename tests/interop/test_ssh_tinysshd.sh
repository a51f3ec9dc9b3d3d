#!/usr/bin/env bash
# strata ssh against tinysshd, a server that closes the TCP connection right
# after it sent exit-status and CHANNEL_CLOSE (issue 19: no byte lost).
# Everything the server sent must reach stdout before strata exits, also
# when stdout is a pipe read late; the remote exit status comes through; a
# connection cut before the channel's own close is an error (255), never a
# success, and the bytes before the cut still arrive.
#
# tinysshd runs under tcpserver on 127.0.0.1 with throw-away keys. It reads
# ~USER/.ssh/authorized_keys and refuses a path with a group- or
# world-writable directory in it (/tmp is), so the server runs in a private
# mount namespace (unshare -m) where a tmpfs on /mnt holds the home and a
# copy of /etc/passwd names a test user (uid 0: root, or the caller mapped
# to root in a user namespace when not root) with that home. Nothing outside
# the namespace changes.
source "$(dirname "$0")/ssh_lib.sh"
need tinysshd
need tinysshd-makekey
need tcpserver
need unshare
need ssh
need sha256sum

cd "$WORK"
tinysshd-makekey "$WORK/kd" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
USER_=stratatest
{ grep -v "^$USER_:" /etc/passwd; echo "$USER_:x:0:0:strata test:/mnt/strata-home:/bin/sh"; } >"$WORK/passwd"
NS=(unshare -m)
[ "$(id -u)" -eq 0 ] || NS=(unshare -r -m)
PORT=$(free_port)
"${NS[@]}" sh -c "mount -t tmpfs -o mode=755 strata-tinysshd /mnt &&
    mkdir -m 700 -p /mnt/strata-home/.ssh &&
    cp '$WORK/id.pub' /mnt/strata-home/.ssh/authorized_keys &&
    mount --bind '$WORK/passwd' /etc/passwd &&
    exec tcpserver -HRl0 127.0.0.1 $PORT tinysshd -v '$WORK/kd'" >"$WORK/tinysshd.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "$!"
python3 - "$WORK/kd/ed25519.pk" "$PORT" >"$WORK/known_hosts" <<'EOF'
import base64, struct, sys
pk = open(sys.argv[1], "rb").read()
s = lambda b: struct.pack(">I", len(b)) + b
print("[127.0.0.1]:%s ssh-ed25519 %s" % (sys.argv[2], base64.b64encode(s(b"ssh-ed25519") + s(pk)).decode()))
EOF
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
OPTS=(-p "$PORT" -i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -l "$USER_")

head -c 1048576 /dev/urandom >"$WORK/data.1m"
head -c 67108864 /dev/urandom >"$WORK/data.64m"
head -c 100000 /dev/urandom >"$WORK/data.100k"

# run NAME ssh|strata EXPECT_RC DATA COMMAND: the remote command's stdout read
# by a reader that starts 2 s late; checks exit status, byte count, sha256.
run() {
    local name=$1 want_rc=$3 data=$4 cmd=$5 rc got client=(ssh)
    [ "$2" = strata ] && client=("$STRATA" ssh -v)
    set +e
    timeout 120 "${client[@]}" "${OPTS[@]}" 127.0.0.1 "$cmd" 2>"$WORK/err" | (sleep 2; cat >"$WORK/out")
    rc=${PIPESTATUS[0]}
    set -e
    got=$(wc -c <"$WORK/out")
    if [ "$rc" -eq "$want_rc" ] && [ "$got" -eq "$(wc -c <"$data")" ] &&
        [ "$(sha256sum <"$WORK/out")" = "$(sha256sum <"$data")" ]; then
        echo "ok   $name: $got bytes, sha256 equal, exit $rc"
    else
        echo "FAIL $name: exit $rc (want $want_rc), $got of $(wc -c <"$data") bytes"
        sed 's/^/    /' "$WORK/err"
        FAILS=$((FAILS + 1))
    fi
}

# ended_cleanly NAME: strata -v logged the connection's end as an orderly
# close (the server's close after CHANNEL_CLOSE is the normal end), not a
# failure.
ended_cleanly() {
    if grep -q "^strata: \[io\] 127.0.0.1:$PORT: closed (" "$WORK/err" &&
        ! grep -q -e "failed:" -e "^strata: layer" "$WORK/err"; then
        echo "ok   $1: the end is an orderly close"
    else
        echo "FAIL $1: the end is not an orderly close:"; tail -3 "$WORK/err" | sed 's/^/    /'
        FAILS=$((FAILS + 1))
    fi
}

# The peer behaves as described: OpenSSH's ssh gets every byte.
run "openssh ssh, 1 MiB, exit 5" ssh 5 "$WORK/data.1m" "cat $WORK/data.1m; exit 5"
run "strata ssh, 1 MiB, exit 5, slow reader" strata 5 "$WORK/data.1m" "cat $WORK/data.1m; exit 5"
ended_cleanly "1 MiB, exit 5"
run "strata ssh, 64 MiB, exit 5, slow reader" strata 5 "$WORK/data.64m" "cat $WORK/data.64m; exit 5"
ended_cleanly "64 MiB, exit 5"
run "strata ssh, 1 MiB, exit 0, slow reader" strata 0 "$WORK/data.1m" "cat $WORK/data.1m"
ended_cleanly "1 MiB, exit 0"

# Cut: the command sends 100 kB, closes its output (channel EOF), then kills
# the server process: the TCP connection ends with no CHANNEL_CLOSE and no
# exit status. Every byte before the cut arrives; the exit is 255 with a
# message, never 0.
run "strata ssh, channel EOF then a cut, 100 kB" strata 255 "$WORK/data.100k" \
    "cat $WORK/data.100k; exec >&- 2>&-; sleep 1; kill -9 \$PPID"
# (-v reports the failure once: the io driver's own line is -vv's.)
if [ "$(grep -c "layer 1 'ssh': connection closed by the server" "$WORK/err")" -eq 1 ] &&
    grep -q "^strata: layer 1 'ssh': connection closed by the server" "$WORK/err"; then
    echo "ok   the cut is reported"
else
    echo "FAIL the cut is not reported:"; sed 's/^/    /' "$WORK/err"; FAILS=$((FAILS + 1))
fi
[ "$FAILS" -eq 0 ] || { echo "tinysshd log:"; tail -20 "$WORK/tinysshd.log" | sed 's/^/    /'; }
finish
