#!/usr/bin/env bash
# An interactive strata ssh session with a pty, driven through tmux against
# OpenSSH's sshd: the remote side sees a terminal of the pane's size, a
# resize is passed on (window-change), the exit status comes back, the
# local terminal's settings are restored afterwards, "~." ends a session
# (status 255, terminal restored too), and the other escapes: "~?" help,
# "~~" one tilde, "~C" opens a -L forwarding on the live connection, "~#"
# lists it, "-KL" cancels it, "~C -D" / "-KD" the same for a SOCKS
# forwarding (a SOCKS5 client reaches the sshd's banner through it), "~^Z" suspends
# strata ssh until fg, and "-e none" turns escapes off.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen
need tmux

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/authorized_keys"
PORT=$(free_port)
cat >"$WORK/sshd_config" <<CFG
HostKey $WORK/hk
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
ListenAddress 127.0.0.1
PrintMotd no
CFG
"$SSHD" -f "$WORK/sshd_config" -D -e -p "$PORT" >"$WORK/sshd.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "$!"
echo "[127.0.0.1]:$PORT $(cat "$WORK/hk.pub")" >"$WORK/known_hosts"
TM=(tmux -S "$WORK/tmux.sock" -f /dev/null)
stop_tmux() { "${TM[@]}" kill-server 2>/dev/null || true; }
trap 'stop_tmux; cleanup' EXIT

CMD="-F none -i $WORK/id -o UserKnownHostsFile=$WORK/known_hosts -p $PORT root@127.0.0.1"
# The pane runs a shell script that records the terminal settings around
# the session and its exit status.
session() { # session NAME [EXTRA strata ssh OPTIONS]
    cat >"$WORK/$1.sh" <<SH
stty -g >"$WORK/$1.before"
HOME=$WORK TERM=xterm $STRATA ssh ${2:-} $CMD
echo "rc=\$?" >"$WORK/$1.rc"
stty -g >"$WORK/$1.after"
sleep 30
SH
    "${TM[@]}" new-session -d -s "$1" -x 100 -y 30 "sh $WORK/$1.sh"
}
wait_for() { # wait_for NAME TEXT: until the pane shows TEXT (bounded)
    for _ in $(seq 1 100); do
        "${TM[@]}" capture-pane -p -t "$1" | grep -q -- "$2" && return 0
        sleep 0.1
    done
    echo "pane $1 never showed '$2':"
    "${TM[@]}" capture-pane -p -t "$1"
    return 1
}
wait_file() { for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

session a
"${TM[@]}" send-keys -t a 'echo "SIZE=$(stty size) TTY=$(tty)"' Enter
if wait_for a "SIZE=30 100 TTY=/dev/pts/"; then echo "ok   pty of the pane's size"; else FAILS=$((FAILS + 1)); fi
"${TM[@]}" resize-window -t a -x 120 -y 40
sleep 0.3
"${TM[@]}" send-keys -t a 'echo "NEWSIZE=$(stty size)"' Enter
if wait_for a "NEWSIZE=40 120"; then echo "ok   window-change passed on"; else FAILS=$((FAILS + 1)); fi
# A resize with no keystroke after it reaches the remote side at once: the
# remote shell traps SIGWINCH while it waits.
"${TM[@]}" send-keys -t a "trap 'echo WINCH=\$(stty size)' WINCH; echo TRAPPED; sleep 15 & wait" Enter
wait_for a "TRAPPED" >/dev/null || true
sleep 0.3
"${TM[@]}" resize-window -t a -x 90 -y 25
if wait_for a "WINCH=25 90"; then echo "ok   window-change sent at once (no keystroke)"; else FAILS=$((FAILS + 1)); fi
"${TM[@]}" send-keys -t a C-c
sleep 0.3
"${TM[@]}" send-keys -t a 'exit 5' Enter
if wait_file "$WORK/a.rc" && [ "$(cat "$WORK/a.rc")" = rc=5 ]; then
    echo "ok   exit status of the shell"
else
    echo "FAIL exit status: $(cat "$WORK/a.rc" 2>/dev/null)"; FAILS=$((FAILS + 1))
fi
wait_file "$WORK/a.after"
if cmp -s "$WORK/a.before" "$WORK/a.after"; then
    echo "ok   terminal settings restored"
else
    echo "FAIL terminal settings differ after the session"; FAILS=$((FAILS + 1))
fi

session b
"${TM[@]}" send-keys -t b 'echo READY' Enter
wait_for b "^READY" || FAILS=$((FAILS + 1))
"${TM[@]}" send-keys -t b Enter '~.'
if wait_file "$WORK/b.rc" && [ "$(cat "$WORK/b.rc")" = rc=255 ]; then
    echo "ok   ~. ends the session with 255"
else
    echo "FAIL ~.: $(cat "$WORK/b.rc" 2>/dev/null)"; FAILS=$((FAILS + 1))
fi
wait_file "$WORK/b.after"
cmp -s "$WORK/b.before" "$WORK/b.after" && echo "ok   terminal restored after ~." ||
    { echo "FAIL terminal not restored after ~."; FAILS=$((FAILS + 1)); }

pane_ok() { # pane_ok NAME TEXT LABEL
    if wait_for "$1" "$2" >/dev/null; then echo "ok   $3"; else echo "FAIL $3"; FAILS=$((FAILS + 1)); fi
}
session c
"${TM[@]}" send-keys -t c 'echo READY' Enter
wait_for c "^READY" || FAILS=$((FAILS + 1))
"${TM[@]}" send-keys -t c Enter '~?'
pane_ok c "Supported escape sequences:" "~? prints the escape help"
"${TM[@]}" send-keys -t c 'echo A~~B' Enter
"${TM[@]}" send-keys -t c '~~' 'echo TILDE' Enter
pane_ok c "~echo: command not found" "~~ at a line start sends one ~"
pane_ok c "A~~B" "a tilde mid-line is sent as typed"
"${TM[@]}" send-keys -t c C-c Enter
LP=$(free_port)
"${TM[@]}" send-keys -t c Enter '~C'
pane_ok c "ssh>" "~C opens the command line"
"${TM[@]}" send-keys -t c -- "-L $LP:127.0.0.1:$PORT" Enter
pane_ok c "Forwarding port." "~C -L opens a forwarding on the live connection"
if timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$LP; head -c 7 <&3" 2>/dev/null | grep -q "SSH-2.0"; then
    echo "ok   the ~C forwarding reaches the sshd's banner"
else
    echo "FAIL nothing through the ~C forwarding"; FAILS=$((FAILS + 1))
fi
"${TM[@]}" send-keys -t c Enter '~#'
pane_ok c "listening on 127.0.0.1 port $LP" "~# lists the forwarding"
"${TM[@]}" send-keys -t c Enter '~C'
sleep 0.5
"${TM[@]}" send-keys -t c -- "-KL $LP" Enter
pane_ok c "Canceled forwarding." "~C -KL cancels it"
if (exec 3<>"/dev/tcp/127.0.0.1/$LP") 2>/dev/null; then
    echo "FAIL the cancelled forwarding still listens"; FAILS=$((FAILS + 1))
else
    echo "ok   nothing listens after -KL"
fi
DP=$(free_port)
"${TM[@]}" send-keys -t c Enter '~C'
sleep 0.5
"${TM[@]}" send-keys -t c -- "-D $DP" Enter
pane_ok c "Forwarding port." "~C -D opens a SOCKS forwarding on the live connection"
socks5_banner() { # socks5_banner SOCKS_PORT PORT: a SOCKS5 CONNECT to localhost:PORT, then 7 bytes
    timeout 10 python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x05\x01\x00" + b"\x05\x01\x00\x03\x09localhost" + struct.pack(">H", int(sys.argv[2])))
got = b""
while len(got) < 2 + 10 + 7:
    b = s.recv(100)
    if not b:
        break
    got += b
sys.stdout.write(got[12:19].decode("latin-1") if got[:4] == b"\x05\x00\x05\x00" else "refused")
' "$1" "$2"
}
if socks5_banner "$DP" "$PORT" | grep -q "SSH-2.0"; then
    echo "ok   the ~C -D forwarding reaches the sshd's banner through SOCKS5"
else
    echo "FAIL nothing through the ~C -D forwarding"; FAILS=$((FAILS + 1))
fi
"${TM[@]}" send-keys -t c Enter '~#'
pane_ok c "-D listening on 127.0.0.1 port $DP" "~# lists the -D forwarding"
"${TM[@]}" send-keys -t c Enter '~C'
sleep 0.5
"${TM[@]}" send-keys -t c -- "-KD $DP" Enter
pane_ok c "Canceled forwarding." "~C -KD cancels it"
if (exec 3<>"/dev/tcp/127.0.0.1/$DP") 2>/dev/null; then
    echo "FAIL the cancelled -D forwarding still listens"; FAILS=$((FAILS + 1))
else
    echo "ok   nothing listens after -KD"
fi
"${TM[@]}" send-keys -t c Enter '~' C-z
pane_ok c "\[suspend ssh\]" "~^Z suspends strata ssh"
"${TM[@]}" send-keys -t c 'fg' Enter
sleep 0.5
"${TM[@]}" send-keys -t c Enter 'echo BACK$((40+2))' Enter
pane_ok c "BACK42" "after fg the session goes on"
"${TM[@]}" send-keys -t c 'exit 3' Enter
if wait_file "$WORK/c.rc" && [ "$(cat "$WORK/c.rc")" = rc=3 ]; then
    echo "ok   exit status after the escapes"
else
    echo "FAIL exit after the escapes: $(cat "$WORK/c.rc" 2>/dev/null)"; FAILS=$((FAILS + 1))
fi

session d "-e none"
"${TM[@]}" send-keys -t d 'echo READY' Enter
wait_for d "^READY" || FAILS=$((FAILS + 1))
"${TM[@]}" send-keys -t d Enter '~.' Enter 'echo NOESC$((6*7))' Enter
pane_ok d "NOESC42" "-e none: ~. is sent as typed"
"${TM[@]}" send-keys -t d C-c 'exit' Enter

# EscapeChar from the configuration: "%." ends the session, "~." is typed.
session e "-o EscapeChar=%"
"${TM[@]}" send-keys -t e 'echo READY' Enter
wait_for e "^READY" || FAILS=$((FAILS + 1))
"${TM[@]}" send-keys -t e Enter '~.' Enter 'echo TILDE$((6*7))' Enter
pane_ok e "TILDE42" "EscapeChar %: ~. is sent as typed"
"${TM[@]}" send-keys -t e Enter '%.'
if wait_file "$WORK/e.rc" && [ "$(cat "$WORK/e.rc")" = rc=255 ]; then
    echo "ok   EscapeChar %: %. ends the session with 255"
else
    echo "FAIL EscapeChar %: $(cat "$WORK/e.rc" 2>/dev/null)"; FAILS=$((FAILS + 1))
fi
finish
