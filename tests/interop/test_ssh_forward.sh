#!/usr/bin/env bash
# strata ssh port forwarding against OpenSSH's sshd: -L and -R each move
# 64 MiB to an echo server and back (checked by sha256), two forwarded
# connections at once, -R 0 reports the port the server chose, LocalForward
# from the config file, and a -L port already in use is reported.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen

root_sshd_with_echo

head -c 64M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
S=("$STRATA" ssh -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes
   -p "$PORT")

through() { # through PORT: the data through 127.0.0.1:PORT and back, hashed
    timeout 120 "$STRATA" connect "tcp:127.0.0.1:$1" <"$WORK/data" | sha256sum | cut -d' ' -f1
}

TH="$(declare -f through); WORK='$WORK'; STRATA='$STRATA'"
LPORT=$(free_port)
"${S[@]}" -N -L "$LPORT:127.0.0.1:$EPORT" root@127.0.0.1 2>"$WORK/L.err" &
PIDS+=($!)
wait_port "$LPORT" "$!"
check "-L: 64 MiB through a direct-tcpip channel" "$want" bash -c "$TH; through $LPORT"
check "-L: two connections at once" "$want
$want" bash -c "$TH; through $LPORT & through $LPORT; wait"
check "-L: port in use is reported" "Could not request local forwarding." \
    bash -c "timeout 20 ${S[*]} -L $LPORT:127.0.0.1:$EPORT root@127.0.0.1 'echo ran' 2>&1"

RPORT=$(free_port)
"${S[@]}" -N -R "$RPORT:127.0.0.1:$EPORT" root@127.0.0.1 2>"$WORK/R.err" &
PIDS+=($!)
wait_port "$RPORT" "$!"
check "-R: 64 MiB through forwarded-tcpip channels" "$want" bash -c "$TH; through $RPORT"
check "-R 0: the server's port is reported" "Allocated port" \
    bash -c "timeout 20 ${S[*]} -R 0:127.0.0.1:$EPORT root@127.0.0.1 'sleep 0.3; echo ok' 2>&1"

# LocalForward from a config file.
CPORT=$(free_port)
cat >"$WORK/config" <<CFG
Host fwdhost
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts
    LocalForward $CPORT 127.0.0.1:$EPORT
CFG
"$STRATA" ssh -F "$WORK/config" -N fwdhost 2>"$WORK/C.err" &
PIDS+=($!)
wait_port "$CPORT" "$!"
check "LocalForward from the config file" "$want" bash -c "$TH; through $CPORT"
finish
