#!/usr/bin/env bash
# Connection sharing (issue 12): ControlMaster / ControlPath / ControlPersist
# and -O check|exit, against a throw-away sshd on 127.0.0.1.
# - a ControlPersist master; a second strata ssh through it runs a command
#   with its exit status, stdout, stderr and stdin right;
# - sshd's log shows one connection for all those sessions;
# - -O check answers with the master's pid; OpenSSH's ssh -S -O check and a
#   session of OpenSSH's ssh through the strata master work (same protocol);
# - the set-up time of a shared session against a fresh one (printed, not
#   asserted);
# - -O exit ends the master and removes its socket;
# - ControlMaster=auto over a stale socket (nobody listens): removed, and
#   this strata ssh becomes the master.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need ssh
root_sshd main "LogLevel VERBOSE"
export HOME="$WORK/home"
mkdir -p "$HOME"
chmod 700 "$WORK"
unset SSH_AUTH_SOCK
CTL="$WORK/ctl-%r@%h:%p"
SOCK="$WORK/ctl-root@127.0.0.1:$PORT"
S=("$STRATA" ssh -F none -o BatchMode=yes -o "UserKnownHostsFile=$WORK/known_hosts"
    -i "$WORK/id" -p "$PORT")

ms() { date +%s%N; }

# A fresh connection, for the timing comparison.
t0=$(ms)
timeout 60 "${S[@]}" root@127.0.0.1 true
fresh=$((($(ms) - t0) / 1000000))

# The master: ControlPersist backgrounds it; this first call runs its own
# command through it.
t0=$(ms)
out=$(timeout 60 "${S[@]}" -o ControlMaster=auto -o "ControlPath=$CTL" -o ControlPersist=60 \
    root@127.0.0.1 'echo first' 2>&1) || true
check "master's own session through the backgrounded master" "first" echo "$out"
[ -S "$SOCK" ] && echo "ok   control socket $SOCK exists" ||
    { echo "FAIL no control socket at $SOCK"; FAILS=$((FAILS + 1)); }
mode=$(stat -c %a "$SOCK" 2>/dev/null || echo none)
[ "$mode" = 600 ] && echo "ok   socket mode 0600" || { echo "FAIL socket mode $mode"; FAILS=$((FAILS + 1)); }

# A second client: exit status, stdout, stderr, stdin.
t0=$(ms)
rc=0
printf 'from stdin\n' | timeout 60 "${S[@]}" -o ControlMaster=auto -o "ControlPath=$CTL" \
    root@127.0.0.1 'cat; echo to-out; echo to-err >&2; exit 7' >"$WORK/o" 2>"$WORK/e" || rc=$?
shared=$((($(ms) - t0) / 1000000))
[ "$rc" = 7 ] && echo "ok   exit status 7 through the master" || { echo "FAIL exit status $rc"; FAILS=$((FAILS + 1)); }
check "stdin and stdout through the master" "from stdin
to-out" cat "$WORK/o"
check "stderr through the master" "to-err" cat "$WORK/e"
# A larger stdin, checked by checksum.
head -c 3000000 /dev/urandom >"$WORK/big"
want=$(sha256sum <"$WORK/big" | cut -d' ' -f1)
got=$(timeout 60 "${S[@]}" -S "$SOCK" root@127.0.0.1 'sha256sum' <"$WORK/big" | cut -d' ' -f1)
check "3 MB of stdin through the master (sha256)" "$want" echo "$got"
t0=$(ms)
timeout 60 "${S[@]}" -S "$SOCK" root@127.0.0.1 true
shared=$((($(ms) - t0) / 1000000))
echo "     strata ssh host true: fresh connection $fresh ms, through the master $shared ms (dev build)"

# -O check, from strata and from OpenSSH's ssh.
check "-O check" "Master running (pid=" "${S[@]}" -S "$SOCK" -O check root@127.0.0.1
check "OpenSSH ssh -S -O check against the strata master" "Master running" \
    ssh -S "$SOCK" -O check -p "$PORT" root@127.0.0.1
check "OpenSSH ssh session through the strata master" "via-openssh" \
    ssh -S "$SOCK" -o ControlMaster=no -o BatchMode=yes -o "UserKnownHostsFile=$WORK/known_hosts" \
    -p "$PORT" root@127.0.0.1 'echo via-openssh'

conns=$(grep -c "Accepted publickey" "$WORK/sshd_main.log" || true)
# one fresh connection, one master: two authentications for all sessions
[ "$conns" = 2 ] && echo "ok   sshd saw 2 connections (1 fresh + 1 master) for 6 sessions" ||
    { echo "FAIL sshd saw $conns connections"; FAILS=$((FAILS + 1)); }

check "-O exit" "Exit request sent." "${S[@]}" -S "$SOCK" -O exit root@127.0.0.1
for _ in $(seq 1 50); do [ -e "$SOCK" ] || break; sleep 0.1; done
[ ! -e "$SOCK" ] && echo "ok   socket removed after -O exit" || { echo "FAIL socket still there"; FAILS=$((FAILS + 1)); }
rc=0
out=$(timeout 10 "${S[@]}" -S "$SOCK" -O check root@127.0.0.1 2>&1) || rc=$?
[ "$rc" = 255 ] && echo "ok   -O check without a master: 255 ($out)" || { echo "FAIL -O check rc=$rc"; FAILS=$((FAILS + 1)); }

# A stale socket: bound, nobody listening.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || { echo "FAIL could not make a stale socket"; FAILS=$((FAILS + 1)); }
check "auto with a stale socket: becomes the master" "after-stale" \
    "${S[@]}" -o ControlMaster=auto -o "ControlPath=$CTL" -o ControlPersist=30 root@127.0.0.1 'echo after-stale'
check "the new master answers" "Master running" "${S[@]}" -S "$SOCK" -O check root@127.0.0.1
check "-O exit of the new master" "Exit request sent." "${S[@]}" -S "$SOCK" -O exit root@127.0.0.1
for _ in $(seq 1 50); do [ -e "$SOCK" ] || break; sleep 0.1; done

# -M without ControlPersist: shares its connection while its own session runs.
timeout 60 "${S[@]}" -M -S "$SOCK" root@127.0.0.1 'sleep 4; echo own-session' >"$WORK/m.out" 2>&1 &
MPID=$!
PIDS+=("$MPID")
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "-M master shares while its own session runs" "shared-session" \
    "${S[@]}" -S "$SOCK" root@127.0.0.1 'echo shared-session'
rc=0
wait "$MPID" || rc=$?
[ "$rc" = 0 ] && grep -q own-session "$WORK/m.out" && echo "ok   -M master's own session ran to its end" ||
    { echo "FAIL -M master rc=$rc: $(cat "$WORK/m.out")"; FAILS=$((FAILS + 1)); }
[ ! -e "$SOCK" ] && echo "ok   -M master removed its socket at the end" ||
    { echo "FAIL socket left by the -M master"; FAILS=$((FAILS + 1)); }

# -M -N: a master with no session of its own, stopped by SIGTERM: it ends
# cleanly and removes its socket.
"${S[@]}" -M -N -S "$SOCK" root@127.0.0.1 >"$WORK/n.out" 2>&1 & # killed below
NPID=$!
PIDS+=("$NPID")
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "-M -N master serves a session" "via-N-master" "${S[@]}" -S "$SOCK" root@127.0.0.1 'echo via-N-master'
kill -TERM "$NPID"
rc=0
wait "$NPID" || rc=$?
# 255 as OpenSSH's ssh killed by a signal; nothing else said (no sanitizer report)
[ "$rc" = 255 ] && [ ! -e "$SOCK" ] && ! grep -q . "$WORK/n.out" &&
    echo "ok   -M -N master ends on SIGTERM (255, as OpenSSH), socket removed" ||
    { echo "FAIL -M -N master on SIGTERM: rc=$rc socket=$([ -e "$SOCK" ] && echo left || echo gone) $(cat "$WORK/n.out")"; FAILS=$((FAILS + 1)); }

# -f -N -M: the usual "ssh -fNM" master, backgrounded once authenticated.
rc=0
timeout 60 "${S[@]}" -f -N -M -S "$SOCK" root@127.0.0.1 || rc=$?
[ "$rc" = 0 ] && [ -S "$SOCK" ] && echo "ok   -f -N -M returns at once with a listening master" ||
    { echo "FAIL -f -N -M rc=$rc"; FAILS=$((FAILS + 1)); }
check "session through the -f -N -M master" "via-f-master" "${S[@]}" -S "$SOCK" root@127.0.0.1 'echo via-f-master'
check "-O exit of the -f -N -M master" "Exit request sent." "${S[@]}" -S "$SOCK" -O exit root@127.0.0.1
for _ in $(seq 1 50); do [ -e "$SOCK" ] || break; sleep 0.1; done

# ControlPersist=2: the background master ends 2 s after its last session.
check "ControlPersist=2 master" "short-lived" "${S[@]}" -o ControlMaster=auto -o "ControlPath=$CTL" \
    -o ControlPersist=2 root@127.0.0.1 'echo short-lived'
[ -S "$SOCK" ] && echo "ok   ControlPersist=2 master listens after its first session" ||
    { echo "FAIL no ControlPersist=2 master"; FAILS=$((FAILS + 1)); }
for _ in $(seq 1 100); do [ -e "$SOCK" ] || break; sleep 0.1; done
[ ! -e "$SOCK" ] && echo "ok   ControlPersist=2 master gone after its time" ||
    { echo "FAIL ControlPersist=2 master still there after 10 s"; FAILS=$((FAILS + 1)); }

# A ControlPath in a group-writable directory is refused, as OpenSSH does.
mkdir -p "$WORK/gw" && chmod 775 "$WORK/gw"
check "group-writable ControlPath directory refused" "writable by group or others" \
    "${S[@]}" -M -S "$WORK/gw/sock" root@127.0.0.1 true

# A pty session through a master, in a tmux pane: the pane's size, a
# resize passed on (the client relays SIGWINCH to the master, which sends
# window-change), the exit status, the terminal restored.
if command -v tmux >/dev/null; then
    TSOCK="$WORK/tctl"
    timeout 60 "${S[@]}" -o ControlMaster=yes -o "ControlPath=$TSOCK" -o ControlPersist=60 -N root@127.0.0.1
    TM=(tmux -S "$WORK/tmux.sock" -f /dev/null)
    trap '"${TM[@]}" kill-server 2>/dev/null || true; cleanup' EXIT
    cat >"$WORK/t.sh" <<SH
stty -g >"$WORK/t.before"
HOME=$HOME TERM=xterm ${S[*]} -S $TSOCK root@127.0.0.1
echo "rc=\$?" >"$WORK/t.rc"
stty -g >"$WORK/t.after"
sleep 30
SH
    "${TM[@]}" new-session -d -s t -x 100 -y 30 "sh $WORK/t.sh"
    wait_pane() {
        for _ in $(seq 1 100); do
            "${TM[@]}" capture-pane -p -t t | grep -q -- "$1" && return 0
            sleep 0.1
        done
        echo "FAIL pane never showed '$1': $("${TM[@]}" capture-pane -p -t t)"
        FAILS=$((FAILS + 1))
        return 1
    }
    sleep 0.5
    "${TM[@]}" send-keys -t t 'echo "SIZE=$(stty size) TTY=$(tty)"' Enter
    wait_pane "SIZE=30 100 TTY=/dev/pts/" && echo "ok   pty through the master, of the pane's size"
    "${TM[@]}" resize-window -t t -x 120 -y 40
    sleep 0.5
    "${TM[@]}" send-keys -t t 'echo "NEWSIZE=$(stty size)"' Enter
    wait_pane "NEWSIZE=40 120" && echo "ok   resize through the master (SIGWINCH relayed)"
    "${TM[@]}" send-keys -t t 'exit 5' Enter
    for _ in $(seq 1 100); do [ -s "$WORK/t.after" ] && break; sleep 0.1; done
    [ "$(cat "$WORK/t.rc" 2>/dev/null)" = rc=5 ] && echo "ok   pty session's exit status through the master" ||
        { echo "FAIL pty exit: $(cat "$WORK/t.rc" 2>/dev/null)"; FAILS=$((FAILS + 1)); }
    cmp -s "$WORK/t.before" "$WORK/t.after" && echo "ok   terminal restored after a shared pty session" ||
        { echo "FAIL terminal not restored"; FAILS=$((FAILS + 1)); }
    "${S[@]}" -S "$TSOCK" -O exit root@127.0.0.1 2>/dev/null || true
else
    echo "FAIL tmux is not installed"; FAILS=$((FAILS + 1))
fi

# A ControlPersist master that cannot authenticate: 255 with the reason,
# no socket left.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other"
rc=0
out=$(timeout 60 "$STRATA" ssh -F none -o BatchMode=yes -o "UserKnownHostsFile=$WORK/known_hosts" \
    -i "$WORK/other" -o IdentitiesOnly=yes -p "$PORT" -o ControlMaster=auto -o "ControlPath=$CTL" \
    -o ControlPersist=yes root@127.0.0.1 true 2>&1) || rc=$?
[ "$rc" = 255 ] && [[ "$out" == *ermission* ]] && [ ! -e "$SOCK" ] &&
    echo "ok   ControlPersist master failing authentication: 255, says why ($out)" ||
    { echo "FAIL ControlPersist auth failure: rc=$rc out=$out"; FAILS=$((FAILS + 1)); }

# The other way: strata ssh through an OpenSSH master.
OSOCK="$WORK/openssh-master"
timeout 30 ssh -o ControlMaster=yes -o "ControlPath=$OSOCK" -o ControlPersist=30 -N -f \
    -o BatchMode=yes -o "UserKnownHostsFile=$WORK/known_hosts" -i "$WORK/id" -p "$PORT" root@127.0.0.1
check "strata -O check against an OpenSSH master" "Master running" \
    "${S[@]}" -S "$OSOCK" -O check root@127.0.0.1
rc=0
out=$(printf 'in\n' | timeout 60 "${S[@]}" -S "$OSOCK" root@127.0.0.1 'cat; echo err >&2; exit 3' 2>&1) || rc=$?
[ "$rc" = 3 ] && [[ "$out" == *in*err* ]] && echo "ok   strata session through an OpenSSH master (exit 3)" ||
    { echo "FAIL strata through OpenSSH master rc=$rc: $out"; FAILS=$((FAILS + 1)); }
check "strata -O exit against an OpenSSH master" "Exit request sent." \
    "${S[@]}" -S "$OSOCK" -O exit root@127.0.0.1
finish
