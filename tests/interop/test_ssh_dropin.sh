#!/usr/bin/env bash
# strata ssh as a drop-in for OpenSSH's ssh against OpenSSH's sshd: the host
# key algorithm order follows what known_hosts holds for the host (a file
# that knows only the server's ECDSA key connects under strict checking).
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen

ssh-keygen -q -t ecdsa -N '' -f "$WORK/hk_ecdsa"
root_sshd main "HostKey $WORK/hk_ecdsa
AllowTcpForwarding yes"
export HOME="$WORK/home"
mkdir -p "$HOME/.ssh"
unset SSH_AUTH_SOCK
echo "[127.0.0.1]:$PORT $(cat "$WORK/hk_ecdsa.pub")" >"$WORK/kh_ecdsa"
S=("$STRATA" ssh -F none -i "$WORK/id" -o BatchMode=yes -p "$PORT")

check "known_hosts with only the ECDSA key: that algorithm is offered first" \
    "debug1: kex: host key algorithm: ecdsa-sha2-nistp256" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/kh_ecdsa" -o StrictHostKeyChecking=yes \
    root@127.0.0.1 'echo connected'
check "... and the session runs" "connected" \
    "${S[@]}" -o UserKnownHostsFile="$WORK/kh_ecdsa" -o StrictHostKeyChecking=yes \
    root@127.0.0.1 'echo connected'
check "known_hosts with the Ed25519 key: Ed25519 as before" \
    "debug1: kex: host key algorithm: ssh-ed25519" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/known_hosts" root@127.0.0.1 true
finish
