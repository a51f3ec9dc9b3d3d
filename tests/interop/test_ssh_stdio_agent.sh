#!/usr/bin/env bash
# strata ssh -W and -A against OpenSSH's sshd:
# - -W host:port: 8 MiB through stdin/stdout to an echo server behind the
#   destination, checked by sha256; OpenSSH's own ssh with
#   ProxyCommand='strata ssh -W %h:%p ...' runs a command; -W to a port
#   nobody listens on fails with the server's reason and status 255;
# - -A: with a throw-away ssh-agent holding a throw-away key, the remote
#   'ssh-add -l' lists that key's fingerprint, and a nested OpenSSH ssh on
#   the server authenticates with the forwarded agent alone; without -A the
#   remote side has no agent.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen
need ssh-agent
need ssh-add
need ssh

root_sshd_with_echo

S=("$STRATA" ssh -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes
   -p "$PORT")

# ---- -W ----
head -c 8M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
check "-W: 8 MiB to an echo server and back" "$want" \
    bash -c "${S[*]} -W 127.0.0.1:$EPORT root@127.0.0.1 <'$WORK/data' | sha256sum"
PC="$STRATA ssh -F none -i $WORK/id -o UserKnownHostsFile=$WORK/known_hosts -o BatchMode=yes -p $PORT -W %h:%p root@127.0.0.1"
check "-W: OpenSSH ssh with ProxyCommand 'strata ssh -W %h:%p'" "through-strata-W" \
    ssh -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$WORK/known_hosts" \
        -o ProxyCommand="$PC" -i "$WORK/id" -p "$PORT" root@127.0.0.1 'echo through-strata-W'
CLOSED=$(free_port)
check "-W: refused target, the server's reason" "connect failed" \
    bash -c "${S[*]} -W 127.0.0.1:$CLOSED root@127.0.0.1 </dev/null 2>&1; true"
check "-W: refused target, status 255" "rc=255" \
    bash -c "${S[*]} -W 127.0.0.1:$CLOSED root@127.0.0.1 </dev/null >/dev/null 2>&1; echo rc=\$?"
check "-W: no command with it" "-W takes no command" \
    bash -c "${S[*]} -W 127.0.0.1:$EPORT root@127.0.0.1 true 2>&1; true"

# ---- -A ----
ssh-keygen -q -t ed25519 -N '' -C agent-only-key -f "$WORK/agentkey"
cat "$WORK/agentkey.pub" >>"$WORK/authorized_keys"
fp=$(ssh-keygen -l -f "$WORK/agentkey.pub" | cut -d' ' -f2)
ssh-agent -D -a "$WORK/agent.sock" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
for _ in $(seq 1 50); do [ -S "$WORK/agent.sock" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK="$WORK/agent.sock"
ssh-add -q "$WORK/agentkey" 2>/dev/null
check "-A: the remote ssh-add -l lists the local agent's key" "$fp" \
    "${S[@]}" -A root@127.0.0.1 'ssh-add -l'
NESTED="ssh -F /dev/null -o BatchMode=yes -o UserKnownHostsFile=$WORK/known_hosts -o IdentityFile=/dev/null -p $PORT root@127.0.0.1 echo nested-via-agent"
check "-A: a nested ssh on the server signs with the forwarded agent" "nested-via-agent" \
    "${S[@]}" -A root@127.0.0.1 "$NESTED"
check "-A not given: no agent on the server" "rc=2" \
    bash -c "${S[*]} root@127.0.0.1 'ssh-add -l >/dev/null 2>&1; echo rc=\$?'"
check "-a after -A: no agent on the server" "rc=2" \
    bash -c "${S[*]} -A -a root@127.0.0.1 'ssh-add -l >/dev/null 2>&1; echo rc=\$?'"
kill "$AGENT_PID"
finish
