#!/usr/bin/env bash
# strata ssh -D (dynamic forwarding, a SOCKS server) against OpenSSH's sshd:
# curl fetches a 4 MiB file from a local HTTP server through it with
# SOCKS5 and a host name (--socks5-hostname), SOCKS5 and an IPv4 address,
# SOCKS4a and SOCKS4, each checked by sha256; a request the server cannot
# connect gets the SOCKS failure reply (curl says so) and strata prints
# OpenSSH's "channel N: open failed: ..." line (as it does for a refused -L
# channel, without -v); a client that does not speak
# SOCKS is closed and the forwarding goes on; -D on a port in use is
# reported.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen
need curl

root_sshd_with_echo

mkdir -p "$WORK/www"
head -c 4M /dev/urandom >"$WORK/www/data"
want=$(sha256sum <"$WORK/www/data" | cut -d' ' -f1)
HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$HPORT" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
wait_port "$HPORT" "$!"

S=("$STRATA" ssh -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes
   -p "$PORT")
DPORT=$(free_port)
"${S[@]}" -N -D "$DPORT" root@127.0.0.1 2>"$WORK/D.err" &
DPID=$!
PIDS+=("$DPID")
wait_port "$DPORT" "$DPID"

fetch() { # fetch CURL_PROXY_OPTION URL: the body's sha256
    curl -sS --max-time 60 "$1" "127.0.0.1:$DPORT" "$2" | sha256sum | cut -d' ' -f1
}
check "-D: SOCKS5 with a host name (curl --socks5-hostname)" "$want" \
    bash -c "$(declare -f fetch); DPORT=$DPORT; fetch --socks5-hostname http://localhost:$HPORT/data"
check "-D: SOCKS5 with an IPv4 address (curl --socks5)" "$want" \
    bash -c "$(declare -f fetch); DPORT=$DPORT; fetch --socks5 http://127.0.0.1:$HPORT/data"
check "-D: SOCKS4a (curl --socks4a)" "$want" \
    bash -c "$(declare -f fetch); DPORT=$DPORT; fetch --socks4a http://localhost:$HPORT/data"
check "-D: SOCKS4 (curl --socks4)" "$want" \
    bash -c "$(declare -f fetch); DPORT=$DPORT; fetch --socks4 http://127.0.0.1:$HPORT/data"
check "-D: three fetches at once" "$want
$want
$want" bash -c "$(declare -f fetch); DPORT=$DPORT; u=http://localhost:$HPORT/data
    fetch --socks5-hostname \$u & fetch --socks4a \$u & fetch --socks5-hostname \$u; wait"

# Nobody listens there: sshd refuses the channel (connect failed), the
# client hears SOCKS5 reply 5 (connection refused), strata says why.
CLOSED=$(free_port)
check "-D: refused channel -> SOCKS5 failure reply" "SOCKS5" \
    bash -c "curl -sS --max-time 20 --socks5-hostname 127.0.0.1:$DPORT http://localhost:$CLOSED/ 2>&1; true"
check "-D: refused channel -> SOCKS5 reply code 5" "(5)" \
    bash -c "curl -sS --max-time 20 --socks5 127.0.0.1:$DPORT http://127.0.0.1:$CLOSED/ 2>&1; true"
check "-D: refused channel -> SOCKS4 request rejected" "SOCKS4" \
    bash -c "curl -sS --max-time 20 --socks4a 127.0.0.1:$DPORT http://localhost:$CLOSED/ 2>&1; true"
check "-D: 'channel N: open failed' on strata's stderr" "open failed: connect failed" \
    bash -c "sleep 0.2; cat '$WORK/D.err'"
grep -E '^channel [0-9]+: open failed: connect failed' "$WORK/D.err" >/dev/null ||
    { echo "FAIL -D: the open failure line is not OpenSSH's 'channel N: open failed: ...'"; FAILS=$((FAILS + 1)); }

# -L to the same closed port: the same line, without -v, as OpenSSH prints it.
LPORT=$(free_port)
"${S[@]}" -N -L "$LPORT:127.0.0.1:$CLOSED" root@127.0.0.1 2>"$WORK/L.err" &
PIDS+=($!)
wait_port "$LPORT" "$!"
check "-L: refused channel -> 'channel N: open failed' on stderr" "open failed: connect failed" \
    bash -c "timeout 10 $STRATA connect tcp:127.0.0.1:$LPORT </dev/null >/dev/null 2>&1; sleep 0.2; cat '$WORK/L.err'"

# Not SOCKS at all: that connection is closed, the forwarding goes on.
check "-D: a client that is not SOCKS is closed" "closed" \
    bash -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 $STRATA connect tcp:127.0.0.1:$DPORT >/dev/null 2>&1; echo closed"
check "-D: still serving after a bad client" "$want" \
    bash -c "$(declare -f fetch); DPORT=$DPORT; fetch --socks5-hostname http://localhost:$HPORT/data"
kill -0 "$DPID" || { echo "FAIL -D: strata ssh exited"; FAILS=$((FAILS + 1)); }

check "-D: port in use is reported" "Could not request dynamic forwarding." \
    bash -c "timeout 20 ${S[*]} -D $DPORT root@127.0.0.1 'echo ran' 2>&1"
check "-D: bad specification" "Bad dynamic forwarding specification 'x:y'" \
    bash -c "${S[*]} -D x:y root@127.0.0.1 true 2>&1; true"
finish
