#!/usr/bin/env bash
# The SSH session API without the CLI (tests/tools/ssh_session_client.c:
# public headers, libstrata alone) against OpenSSH's sshd: the destination's
# options come from a config file (HostName, Port, User, IdentityFile,
# UserKnownHostsFile), its ProxyJump makes a jump hop through the same sshd,
# LocalForward and a -L spec forward 8 MiB to an echo server and back, and
# the remote command's output and exit status come back. ServerAliveInterval
# from the config on the library's clock: a server that stops answering (a
# relay frozen with SIGSTOP) ends the session with OpenSSH's message.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
CLIENT="$STRATA_BUILD/tests/ssh_session_client"

root_sshd_with_echo

head -c 8M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
CPORT=$(free_port)
LPORT=$(free_port)
cat >"$WORK/config" <<CFG
Host jump
    HostName 127.0.0.1
    Port $PORT
Host target
    HostName 127.0.0.1
    Port $PORT
    ProxyJump jump
    LocalForward $CPORT 127.0.0.1:$EPORT
Host *
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts
    BatchMode yes
CFG

check "a command through ProxyJump from the config file" "hops: 2
via the API" "$CLIENT" "$WORK/config" target 'echo via the API'
check "the remote exit status" "status 7" \
    bash -c "'$CLIENT' '$WORK/config' target 'exit 7' </dev/null; echo status \$?"

"$CLIENT" "$WORK/config" target 'sleep 30' -L "$LPORT:127.0.0.1:$EPORT" </dev/null \
    >"$WORK/fwd.out" 2>&1 &
CPID=$!
PIDS+=("$CPID")
wait_port "$CPORT" "$CPID"
wait_port "$LPORT" "$CPID"
through() { timeout 60 "$STRATA" connect "tcp:127.0.0.1:$1" <"$WORK/data" | sha256sum | cut -d' ' -f1; }
TH="$(declare -f through); WORK='$WORK'; STRATA='$STRATA'"
check "LocalForward from the config through the API" "$want" bash -c "$TH; through $CPORT"
check "-L through the API" "$want" bash -c "$TH; through $LPORT"
kill "$CPID" 2>/dev/null || true

# A relay between client and sshd, frozen with SIGSTOP: keepalives go
# unanswered.
RPORT=$(free_port)
"$STRATA" listen "tcp:127.0.0.1:$RPORT" --forward "tcp:127.0.0.1:$PORT" 2>"$WORK/relay.log" &
RELAY=$!
PIDS+=("$RELAY")
wait_port "$RPORT" "$RELAY"
cat >"$WORK/config2" <<CFG
Host frozen
    HostName 127.0.0.1
    Port $RPORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts2
    StrictHostKeyChecking no
    BatchMode yes
    ServerAliveInterval 1
    ServerAliveCountMax 2
CFG
"$CLIENT" "$WORK/config2" frozen 'echo in; sleep 60' >"$WORK/alive.out" 2>"$WORK/alive.err" &
APID=$!
PIDS+=("$APID")
for _ in $(seq 200); do grep -q in "$WORK/alive.out" 2>/dev/null && break; sleep 0.1; done
kill -STOP "$RELAY"
for _ in $(seq 300); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
check "ServerAliveInterval from the config, on the library's clock" \
    "Timeout, server 127.0.0.1 not responding." cat "$WORK/alive.err"
kill -CONT "$RELAY" 2>/dev/null || true
finish
