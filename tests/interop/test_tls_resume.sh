#!/usr/bin/env bash
# interop: TLS session resumption, both ways, against OpenSSL on 127.0.0.1
# (throw-away keys, every peer stopped by PID, every wait bounded).
#
# - `strata listen` keeps one TLS context per tls: element for its lifetime:
#   openssl s_client -sess_out then -sess_in resumes (TLS 1.3 ticket, TLS 1.2
#   ticket), and so does -reconnect (TLS 1.2 ticket, TLS 1.2 session id
#   with -no_ticket), also with client certificates; a restarted listener (new ticket keys) does not resume but
#   completes a full handshake. The listener's -v line says "resumed" exactly
#   when s_client says "Reused".
# - `strata connect tls:session=F` against openssl s_server -www: the first
#   run writes F (mode 0600, even under umask 000), the second resumes (both
#   ends say so); a garbage F or a session for another server name is
#   ignored with a -v line: full handshake, exit 0.
. "$(dirname "$0")/tls_lib.sh"
STRATA=${STRATA:?}
make_pki
cd "$T"

# s_client_run LOG ARGS...: openssl s_client to the listener; sends a line,
# waits (bounded) for its echo so the TLS 1.3 tickets, which come after the
# handshake, are read before s_client ends.
s_client_run() {
    local log=$1
    shift
    { echo "resume-probe"; sleep 0.5; } | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
        -servername localhost -CAfile "$T/ca.pem" -verify_return_error "$@" > "$log" 2>&1 || true
}
# first_line LOG: s_client's "New, ..." / "Reused, ..." line of the handshake.
first_line() { grep -m1 -E '^(New|Reused), ' "$1" || echo "(no New/Reused line)"; }
# listener_said N WORD: the listener's N-th "layer 1 (tls) up" line (bounded
# wait) contains WORD (or, with WORD "-resumed", does not say resumed).
listener_said() {
    local n=$1 want=$2 line=""
    for _ in $(seq 50); do
        line=$(grep 'layer 1 (tls) up' "$T/l.log" | sed -n "${n}p")
        [ -n "$line" ] && break
        sleep 0.1
    done
    if [ "$want" = "-resumed" ]; then
        [ -n "$line" ] && ! grep -q resumed <<< "$line"
    else
        grep -q "$want" <<< "$line"
    fi
}

# ---- strata listen: s_client -sess_out / -sess_in ----------------------------------
start_listen "$T/l.log" -v --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key"
n=0
for v in 1.3 1.2; do
    opt=-tls1_3
    [ "$v" = 1.2 ] && opt=-tls1_2
    s_client_run "$T/s1.log" $opt -sess_out "$T/sess$v.pem"
    n=$((n + 1))
    case $(first_line "$T/s1.log") in
    "New, TLSv$v"*) pass "listen TLS $v: first s_client connection is a full handshake" ;;
    *) fail "listen TLS $v: first connection: $(first_line "$T/s1.log")"; sed 's/^/    /' "$T/s1.log" ;;
    esac
    listener_said "$n" -resumed && pass "listen TLS $v: listener -v: first not resumed" ||
        fail "listen TLS $v: listener -v line $n: $(grep 'up' "$T/l.log" | sed -n "${n}p")"
    [ -s "$T/sess$v.pem" ] && pass "listen TLS $v: s_client saved a session" ||
        fail "listen TLS $v: s_client saved no session"
    s_client_run "$T/s2.log" $opt -sess_in "$T/sess$v.pem"
    n=$((n + 1))
    case $(first_line "$T/s2.log") in
    "Reused, TLSv$v"*) pass "listen TLS $v: s_client -sess_in resumed" ;;
    *) fail "listen TLS $v: -sess_in not resumed: $(first_line "$T/s2.log")"; sed 's/^/    /' "$T/s2.log" ;;
    esac
    expect "listen TLS $v: resumed connection echoes" "$T/s2.log" "resume-probe"
    listener_said "$n" resumed && pass "listen TLS $v: listener -v says resumed" ||
        fail "listen TLS $v: listener -v line $n: $(grep 'up' "$T/l.log" | sed -n "${n}p")"
done

# ---- s_client -reconnect: five reconnections on the first one's session -----------
# TLS 1.2 with a ticket, and with a session id (-no_ticket: the listener's
# session cache). OpenSSL 3.0's s_client reconnects before it reads TLS 1.3
# tickets, so its -reconnect resumes no TLS 1.3 session, not even against
# openssl s_server: TLS 1.3 is covered by -sess_out/-sess_in above.
for mode in "-tls1_2" "-tls1_2 -no_ticket"; do
    # shellcheck disable=SC2086 # two options in one word on purpose
    s_client_run "$T/r.log" $mode -reconnect
    k=$(grep -c '^Reused, ' "$T/r.log" || true)
    [ "$k" -ge 5 ] && pass "listen: s_client $mode -reconnect: $k of 5 reconnections reused" ||
        { fail "listen: s_client $mode -reconnect: $k reused"; sed 's/^/    /' "$T/r.log"; }
done

# ---- a listener asking for client certificates resumes too ------------------------
# (OpenSSL resumes nothing there without a session id context: the listener
# sets one.) The resumed connection still knows the client's certificate.
stop "$LPID"
start_listen "$T/l.log" -v --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key,ca=$T/ca.pem"
s_client_run "$T/s1.log" -cert "$T/client.pem" -key "$T/client.key" -sess_out "$T/csess.pem"
s_client_run "$T/s2.log" -cert "$T/client.pem" -key "$T/client.key" -sess_in "$T/csess.pem"
case $(first_line "$T/s2.log") in
"Reused, TLSv1.3"*) pass "listen with client certificates: s_client -sess_in resumed" ;;
*) fail "listen with client certificates: $(first_line "$T/s2.log")"; sed 's/^/    /' "$T/s2.log" ;;
esac
listener_said 2 "peer /CN=client resumed" && pass "listen with client certificates: -v: resumed, peer known" ||
    fail "listen with client certificates: listener -v: $(grep 'up' "$T/l.log" | sed -n 2p)"

# ---- a restarted listener has new ticket keys: no resumption, full handshake ------
stop "$LPID"
start_listen "$T/l.log" -v --echo tcp:127.0.0.1:0 "tls:cert=$T/ec.pem,key=$T/ec.key"
for v in 1.3 1.2; do
    opt=-tls1_3
    [ "$v" = 1.2 ] && opt=-tls1_2
    s_client_run "$T/s3.log" $opt -sess_in "$T/sess$v.pem"
    case $(first_line "$T/s3.log") in
    "New, TLSv$v"*) pass "restarted listener TLS $v: old session not resumed, full handshake" ;;
    *) fail "restarted listener TLS $v: $(first_line "$T/s3.log")"; sed 's/^/    /' "$T/s3.log" ;;
    esac
    expect "restarted listener TLS $v: the connection works" "$T/s3.log" "resume-probe"
done
stop "$LPID"

# ---- strata connect tls:session=F against openssl s_server -www -------------------
# connect_www LOG ARGS...: GET / through strata connect -v; exit status checked.
connect_www() {
    local log=$1 rc=0
    shift
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 "$STRATA" connect -v "tcp:localhost:$PORT" \
        "$@" > "$log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { fail "connect $*: exit $rc"; sed 's/^/    /' "$log"; }
}
for v in 1.3 1.2; do
    start_s_server "$T/s.log" -www -cert "$T/ec.pem" -key "$T/ec.key" "-tls${v/./_}"
    F=$T/session$v.pem
    rm -f "$F"
    (umask 000 && connect_www "$T/c1.log" "tls:ca=$T/ca.pem,session=$F")
    expect "connect TLS $v: s_server -www served a new session" "$T/c1.log" "New, TLSv$v"
    grep -q "^strata: .*(tls) up: .*resumed" "$T/c1.log" &&
        fail "connect TLS $v: first run says resumed" || pass "connect TLS $v: first run: -v not resumed"
    [ -s "$F" ] && grep -q "BEGIN SSL SESSION PARAMETERS" "$F" &&
        pass "connect TLS $v: session=F written (PEM)" || fail "connect TLS $v: F not written"
    mode=$(stat -c %a "$F" 2>/dev/null || echo none)
    [ "$mode" = 600 ] && pass "connect TLS $v: F has mode 0600 under umask 000" ||
        fail "connect TLS $v: F has mode $mode"
    ls "$T" | grep -q "^session$v.pem.\+" && fail "connect TLS $v: a temporary file was left" ||
        pass "connect TLS $v: no temporary file left"
    connect_www "$T/c2.log" "tls:ca=$T/ca.pem,session=$F"
    expect "connect TLS $v: second run: s_server says Reused" "$T/c2.log" "Reused, TLSv$v"
    grep -q "^strata: .*(tls) up: tls TLSv$v .*resumed" "$T/c2.log" &&
        pass "connect TLS $v: second run: strata -v says resumed" ||
        { fail "connect TLS $v: second run: -v does not say resumed"; sed 's/^/    /' "$T/c2.log"; }
    # The session is OpenSSL's PEM: s_client takes it as it is.
    echo | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -sess_in "$F" \
        -CAfile "$T/ca.pem" > "$T/sc.log" 2>&1 || true
    expect "connect TLS $v: s_client -sess_in resumes strata's file" "$T/sc.log" "Reused, TLSv$v"
    stop "$SPID"
done

# A garbage file: ignored with a -v line; full handshake, exit 0, replaced.
start_s_server "$T/s.log" -www -cert "$T/ec.pem" -key "$T/ec.key"
printf 'not a session\n' > "$T/garbage.pem"
connect_www "$T/c3.log" "tls:ca=$T/ca.pem,session=$T/garbage.pem"
expect "connect: garbage session file: -v says ignored" "$T/c3.log" \
    "session file '$T/garbage.pem' ignored: not a TLS session in PEM"
expect "connect: garbage session file: full handshake" "$T/c3.log" "New, TLSv1.3"
grep -q "BEGIN SSL SESSION PARAMETERS" "$T/garbage.pem" &&
    pass "connect: garbage session file replaced by a session" || fail "connect: garbage file kept"
# A valid session for another name: not offered (its certificate does not
# carry the name), full handshake, exit 0.
cp "$T/session1.3.pem" "$T/foreign.pem" || fail "no session1.3.pem to copy"
stop "$SPID"
start_s_server "$T/s.log" -www -cert "$T/other.pem" -key "$T/other.key"
connect_www "$T/c4.log" "tls:ca=$T/ca.pem,sni=other.example,session=$T/foreign.pem"
expect "connect: session for another server: -v says ignored" "$T/c4.log" \
    "session file '$T/foreign.pem' ignored: made with a certificate that does not carry 'other.example'"
expect "connect: session for another server: full handshake" "$T/c4.log" "New, TLSv1.3"
stop "$SPID"

# session= is for a TLS client.
rc=0
timeout 20 "$STRATA" listen --echo tcp:127.0.0.1:0 "tls:cert=ec.pem,key=ec.key,session=s" \
    > "$T/u.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && pass "listen tls:session= on a server: usage error" ||
    { fail "listen tls:session= on a server: exit $rc"; cat "$T/u.log"; }
expect "listen tls:session= on a server: message" "$T/u.log" \
    "strata: chain element 2 'tls:cert=ec.pem,key=ec.key,session=s': session= is for a TLS client"

finish
