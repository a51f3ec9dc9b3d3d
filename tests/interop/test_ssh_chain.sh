#!/usr/bin/env bash
# SSH in chains: `strata connect tcp:H:P ssh:... direct:HOST:PORT` against
# OpenSSH's sshd. A direct-tcpip channel carries 16 MiB to an echo server
# and back (checked by sha256), a session channel runs the shell, SSH runs
# inside another SSH connection's direct-tcpip channel, and bad chains are
# refused with exact messages; RekeyLimit's time works in a chain too.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen

root_sshd_with_echo

SSH="ssh:user=root,key=$WORK/id,known-hosts=$WORK/known_hosts"
head -c 16M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
check "direct-tcpip channel: 16 MiB to an echo server and back" "$want" \
    bash -c "'$STRATA' connect tcp:127.0.0.1:$PORT $SSH direct:127.0.0.1:$EPORT \
    <'$WORK/data' | sha256sum"
check "direct-tcpip to sshd itself: its banner comes through" "SSH-2.0-OpenSSH" \
    bash -c "(sleep 2) | '$STRATA' connect tcp:127.0.0.1:$PORT $SSH direct:127.0.0.1:$PORT | head -c 64"
check "ssh: without direct: is a shell session" "hello from the shell" \
    bash -c "echo 'echo hello from the shell' | '$STRATA' connect tcp:127.0.0.1:$PORT $SSH"
check "SSH inside SSH: ssh: direct: ssh:" "inner shell" \
    bash -c "echo 'echo inner shell' | '$STRATA' connect tcp:127.0.0.1:$PORT $SSH \
    direct:127.0.0.1:$PORT $SSH"
# -vv wraps each layer to count its bytes: direct: still finds the ssh: layer
# before it, and the SSH layers' counts are logged as they go.
check "-vv: SSH inside SSH, each layer's bytes" "layer 2 (ssh): " \
    bash -c "echo 'echo inner shell' | '$STRATA' connect -vv tcp:127.0.0.1:$PORT $SSH \
    direct:127.0.0.1:$PORT $SSH 2>&1 | grep -q 'inner shell' && echo 'echo x' |
    '$STRATA' connect -vv tcp:127.0.0.1:$PORT $SSH direct:127.0.0.1:$PORT $SSH 2>&1 | grep 'bytes in and'"
# RekeyLimit's time in a chain: the io driver gives every SSH layer the clock
# (not only strata ssh's). A quiet 6 s session with a 2 s limit from
# ~/.ssh/config makes several key exchanges (-vv logs each one).
mkdir -p "$HOME/.ssh"
printf 'Host *\n    RekeyLimit default 2\n' >"$HOME/.ssh/config"
out=$( (sleep 6; echo 'echo done') | timeout 30 "$STRATA" connect -vv tcp:127.0.0.1:$PORT $SSH 2>&1)
n=$(grep -c '\[ssh\] kex ' <<<"$out" || true)
if [[ "$out" == *done* ]] && [ "$n" -ge 3 ]; then
    echo "ok   ssh: in a chain rekeys on time: $n key exchanges in a quiet 6 s with RekeyLimit default 2"
else
    echo "FAIL ssh: in a chain, RekeyLimit default 2: $n key exchange(s): $(tail -n 3 <<<"$out")"
    FAILS=$((FAILS + 1))
fi
rm -f "$HOME/.ssh/config"
check "direct-tcpip refused: the server's reason" "channel open failed: connect failed" \
    bash -c "! '$STRATA' connect tcp:127.0.0.1:$PORT $SSH direct:127.0.0.1:1 </dev/null 2>&1"
check "direct: without ssh: before it" "direct: must follow an ssh: element" \
    bash -c "! '$STRATA' connect tcp:127.0.0.1:$PORT direct:127.0.0.1:1 </dev/null 2>&1"
check "ssh: in listen is refused" "ssh: is a client element" \
    bash -c "! '$STRATA' listen tcp:127.0.0.1:0 ssh:user=x --echo 2>&1"
check "unknown ssh: option" "unknown option" \
    bash -c "! '$STRATA' connect tcp:127.0.0.1:$PORT ssh:colour=blue 2>&1"
check "wrong key in a chain: Permission denied" "Permission denied (publickey" \
    bash -c "! '$STRATA' connect tcp:127.0.0.1:$PORT ssh:user=root,key=$WORK/hk,known-hosts=$WORK/known_hosts \
    </dev/null 2>&1"
finish
