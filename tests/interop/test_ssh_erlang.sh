#!/usr/bin/env bash
# A key exchange must not stall an upload (issue 19): strata ssh uploads
# 64 MiB with RekeyLimit=1M (a rekey every MiB) to Erlang/OTP's ssh daemon,
# which takes its time over each key exchange. strata must stop reading
# stdin while a key exchange holds its output back, never queue until a
# limit ends the connection; the daemon's channel (ssh_sha_cli.erl) answers
# with the sha256 and byte count of what it received. OpenSSH's ssh runs the
# same upload as a reference for the peer.
#
# The daemon: `erl -noshell -eval` running ssh:daemon on 127.0.0.1 with a
# throw-away system_dir (host key) and user_dir (authorized_keys).
source "$(dirname "$0")/ssh_lib.sh"
need erl
need erlc
need ssh
need sha256sum

cd "$WORK"
erlc -o "$WORK" "$STRATA_SRC/tests/interop/ssh_sha_cli.erl"
mkdir -p sys usr
ssh-keygen -q -t ecdsa -m PEM -N '' -f sys/ssh_host_ecdsa_key
ssh-keygen -q -t ed25519 -N '' -f id
cp id.pub usr/authorized_keys
PORT=$(free_port)
erl -noshell -pa "$WORK" -eval "ok = ssh:start(),
    {ok, _} = ssh:daemon({127,0,0,1}, $PORT, [{system_dir, \"$WORK/sys\"},
        {user_dir, \"$WORK/usr\"}, {auth_methods, \"publickey\"},
        {ssh_cli, {ssh_sha_cli, []}}]),
    receive stop -> ok end." >"$WORK/erl.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "$!"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 sys/ssh_host_ecdsa_key.pub)" >"$WORK/known_hosts"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
OPTS=(-p "$PORT" -i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes
    -o RekeyLimit=1M -l tester)

head -c 67108864 /dev/urandom >"$WORK/data"
want="$(sha256sum <"$WORK/data" | cut -d' ' -f1) 67108864"

upload() { # upload NAME CLIENT...
    local name=$1 rc got
    shift
    set +e
    got=$(timeout 300 "$@" "${OPTS[@]}" 127.0.0.1 sha <"$WORK/data" 2>"$WORK/err")
    rc=$?
    set -e
    if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
        echo "ok   $name: 64 MiB with RekeyLimit=1M, sha256 equal, exit 0"
    else
        echo "FAIL $name: exit $rc, the daemon saw '$got' (want '$want')"
        sed 's/^/    /' "$WORK/err"
        FAILS=$((FAILS + 1))
    fi
}

upload "openssh ssh" ssh
upload "strata ssh" "$STRATA" ssh
[ "$FAILS" -eq 0 ] || { echo "erl log:"; tail -20 "$WORK/erl.log" | sed 's/^/    /'; }
finish
