#!/usr/bin/env bash
# strata connect / strata listen over loopback TCP (the io driver end to end):
# - 64 MiB through `listen --exec cat` and back, byte-identical (sha256), with
#   stdin/stdout as pipes and as files;
# - `printf hello | strata connect` against `--echo`; IPv6 on [::1];
# - EOF on stdin half-closes: the server still answers after reading EOF;
# - `--once`; 20 clients at once against one listener, each checked, and
#   shown to overlap in time;
# - a closed stdout (EPIPE) is exit status 1 with a message, never SIGPIPE;
# - connection refused and unresolvable names exit 1 with a clear message;
# - a stalled reader keeps both ends small (back-pressure), and reading
#   resumes; closed descriptors 0/1; SIGTERM stops a listener cleanly.
# Listeners print "strata: listening on ADDR:PORT" and use port 0; they are
# stopped by PID in the trap, and every wait is bounded.
. "$(dirname "$0")/lib.sh"
need sha256sum cmp mkfifo

# stop PID NAME [SIGNAL]: SIGTERM (or SIGNAL), then the listener must exit 0
# within 10 s (it closes its connections and, under ASan, checks for leaks on
# the way out).
stop() {
    local sig=${3:-TERM}
    kill -s "$sig" "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        bad "$2: listener still running 10 s after SIG$sig"
        kill -9 "$1"
    fi
    wait "$1"
    local rc=$?
    [ $rc -eq 0 ] || bad "$2: listener exit $rc after SIG$sig"
}
C() { timeout "$T" "$STRATA" connect "$@"; }

head -c $((64 << 20)) /dev/urandom >big
want=$(sha256sum <big | cut -d' ' -f1)

# ------------------------------------------------------------------- exec cat
if strata_listen cat tcp:127.0.0.1:0 --exec cat; then
    got=$(C tcp:127.0.0.1:"$PORT" <big | sha256sum | cut -d' ' -f1)
    [ "$got" = "$want" ] && ok "64 MiB through listen --exec cat, pipes, sha256 identical" \
        || bad "64 MiB through --exec cat over pipes: sha256 $got, want $want"
    C tcp:127.0.0.1:"$PORT" <big >big.out
    rc=$?
    [ $rc -eq 0 ] && cmp -s big big.out && ok "64 MiB through --exec cat, stdin and stdout files" \
        || bad "64 MiB with files (exit $rc, $(stat -c %s big.out) bytes back)"
    stop "$LPID" cat
else
    bad "listen --exec cat"
fi
# Half-close: the child sees EOF on its stdin, and its answer after that
# still arrives (our read side stayed open).
if strata_listen half tcp:127.0.0.1:0 --exec 'cat; echo after-eof'; then
    got=$(printf 'hello\n' | C tcp:127.0.0.1:"$PORT")
    [ "$got" = "$(printf 'hello\nafter-eof')" ] && ok "EOF on stdin half-closes; the reply after EOF arrives" \
        || bad "half-close: got '$got'"
    stop "$LPID" half
fi
if strata_listen drop tcp:127.0.0.1:0 --exec 'echo hi'; then
    got=$(head -c 1048576 /dev/zero | C tcp:127.0.0.1:"$PORT")
    rc=$?
    [ $rc -eq 0 ] && [ "$got" = hi ] && ok "a command that does not read its input: reply, exit 0" \
        || bad "exec 'echo hi' with 1 MiB of input: exit $rc, got '$got'"
    stop "$LPID" drop
fi

# ------------------------------------------------------------------- echo
if strata_listen echo tcp:127.0.0.1:0 --echo; then
    got=$(printf hello | C tcp:127.0.0.1:"$PORT")
    rc=$?
    [ $rc -eq 0 ] && [ "$got" = hello ] && ok "printf hello | strata connect against --echo" \
        || bad "echo: exit $rc, got '$got'"
    got=$(C tcp:localhost:"$PORT" </dev/null | wc -c)
    [ "$got" -eq 0 ] && ok "a name (localhost) and empty input (/dev/null): clean end" \
        || bad "localhost with /dev/null input: $got bytes"

    # Closed descriptors 0 and 1 must not be taken by the event loop.
    C tcp:127.0.0.1:"$PORT" <&- >closed-in.out 2>closed.log
    rc=$?
    [ $rc -eq 0 ] && [ ! -s closed-in.out ] && ok "stdin closed (<&-): an empty input, exit 0" \
        || bad "stdin closed: exit $rc ($(cat closed.log))"
    printf hello | C tcp:127.0.0.1:"$PORT" >&- 2>closed.log
    rc=$?
    [ $rc -eq 0 ] && ok "stdout closed (>&-): output dropped, exit 0" \
        || bad "stdout closed: exit $rc ($(cat closed.log))"

    # 20 clients at once; each holds its connection open for 2 s after
    # sending, so the run takes ~2 s only if they are served concurrently.
    start=$(date +%s)
    for i in $(seq 20); do
        head -c $((100000 + i * 1000)) /dev/urandom >in.$i
        ({ cat in.$i; sleep 2; } | C tcp:127.0.0.1:"$PORT" >out.$i; echo $? >rc.$i) &
    done
    wait_until=$((start + T))
    while [ "$(ls rc.* 2>/dev/null | wc -l)" -lt 20 ] && [ "$(date +%s)" -lt $wait_until ]; do
        sleep 0.2
    done
    took=$(($(date +%s) - start))
    good=0
    for i in $(seq 20); do
        [ "$(cat rc.$i 2>/dev/null)" = 0 ] && cmp -s in.$i out.$i && good=$((good + 1))
    done
    [ $good -eq 20 ] && ok "20 concurrent clients, each byte-identical" \
        || bad "concurrent clients: $good of 20 came back intact"
    [ "$took" -lt 12 ] && ok "the 20 connections were served at once (${took}s, serial would be 40s)" \
        || bad "20 connections took ${took}s: not served concurrently"
    kill -0 "$LPID" 2>/dev/null && ok "the listener keeps running after its clients" \
        || bad "the listener exited"

    # A closed stdout: EPIPE is an error status, never a fatal SIGPIPE.
    C tcp:127.0.0.1:"$PORT" <big 2>epipe.log | head -c 10 >/dev/null
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 1 ] && grep -q "writing stdout: broken pipe" epipe.log \
        && ok "stdout closed early: exit 1 'writing stdout: broken pipe', no SIGPIPE" \
        || bad "stdout closed early: exit $rc ($(cat epipe.log))"
    stop "$LPID" echo
    # The port is closed now: refused.
    C tcp:127.0.0.1:"$PORT" </dev/null >/dev/null 2>refused.log
    rc=$?
    [ $rc -eq 1 ] && grep -qx "strata: connecting to 127.0.0.1:$PORT: connection refused" refused.log \
        && ok "connection refused: exit 1 with a clear message" \
        || bad "refused: exit $rc ($(cat refused.log))"
fi

# ------------------------------------------------------------------- back-pressure
# The server streams zeros without end; the client's stdout is a pipe nobody
# reads for 3 s. With back-pressure both processes stop (the client stops
# reading the socket, the server stops reading its child) and stay small;
# without it they would buffer gigabytes. Then reading resumes.
rss_mb() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$1/status" 2>/dev/null || echo 0; }
if strata_listen zero tcp:127.0.0.1:0 --exec 'cat /dev/zero'; then
    mkfifo bp.fifo
    exec 8<>bp.fifo # a reader that does not read (yet)
    "$STRATA" connect tcp:127.0.0.1:"$PORT" </dev/null >bp.fifo 2>bp.log &
    cpid=$!
    track "$cpid"
    sleep 3
    c_mb=$(rss_mb "$cpid")
    s_mb=$(rss_mb "$LPID")
    [ "$c_mb" -gt 0 ] && [ "$c_mb" -lt 200 ] && [ "$s_mb" -gt 0 ] && [ "$s_mb" -lt 200 ] \
        && ok "a stalled reader: both ends stay small (client ${c_mb} MB, server ${s_mb} MB)" \
        || bad "back-pressure: client ${c_mb} MB, server ${s_mb} MB resident"
    got=$(timeout "$T" head -c $((32 << 20)) <&8 | tr -d '\0' | wc -c)
    n=$(timeout "$T" head -c $((32 << 20)) <&8 | wc -c)
    [ "$got" -eq 0 ] && [ "$n" -eq $((32 << 20)) ] && ok "reading resumes when the reader drains (32 MiB of zeros)" \
        || bad "after the stall: $n bytes, $got not zero"
    kill "$cpid"
    wait "$cpid" 2>/dev/null
    exec 8<&-
    stop "$LPID" zero
fi

# ------------------------------------------------------------------- IPv6
if strata_listen v6 'tcp:[::1]:0' --exec cat; then
    grep -q "listening on \[::1\]:$PORT" v6.log && ok "IPv6 listener reports [::1]:PORT" \
        || bad "IPv6 listening line: $(cat v6.log)"
    got=$(head -c $((4 << 20)) big | C "tcp:[::1]:$PORT" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$(head -c $((4 << 20)) big | sha256sum | cut -d' ' -f1)" ] \
        && ok "4 MiB over IPv6 [::1] byte-identical" || bad "IPv6 transfer differs"
    # SIGINT stops a listener as SIGTERM does (strata_io_stop_on_signals).
    f0=$fail
    stop "$LPID" v6 INT
    [ "$fail" -eq "$f0" ] && ok "SIGINT stops a listener: exit 0"
else
    bad "IPv6 listener on [::1]"
fi

# ------------------------------------------------------------------- --once
if strata_listen once tcp:127.0.0.1:0 --echo --once; then
    got=$(printf once | C tcp:127.0.0.1:"$PORT")
    [ "$got" = once ] && ok "--once serves one connection" || bad "--once: got '$got'"
    for _ in $(seq 100); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$LPID" 2>/dev/null; then
        bad "--once: the listener is still running"
    else
        wait "$LPID"
        rc=$?
        [ $rc -eq 0 ] && ok "--once: the listener exits 0 after its connection" \
            || bad "--once: listener exit $rc ($(cat once.log))"
    fi
fi

# ------------------------------------------------------------------- names
C tcp:no-such-host.invalid:80 </dev/null 2>resolve.log
rc=$?
[ $rc -eq 1 ] && grep -q "^strata: resolving 'no-such-host.invalid': " resolve.log \
    && ok "an unresolvable name: exit 1 naming it" || bad "unresolvable: exit $rc ($(cat resolve.log))"

# A listener stopped by SIGTERM while a connection (and its child) is live,
# with no grace period (--grace 0): closed at once (the graceful stop is in
# test_listen_exec.sh).
if strata_listen live --grace 0 tcp:127.0.0.1:0 -vv --exec 'cat'; then
    mkfifo live.fifo
    C tcp:127.0.0.1:"$PORT" <live.fifo >/dev/null 2>live-client.log &
    cpid=$!
    track "$cpid"
    exec 7>live.fifo # the client's stdin stays open until 7 is closed
    for _ in $(seq 50); do grep -q "started 'cat'" live.log && break; sleep 0.1; done
    stop "$LPID" live
    grep -q "connection from 127.0.0.1:[0-9]*: stopped by signal 15" live.log \
        && ok "SIGTERM with a live connection and child: closed, exit 0" \
        || bad "SIGTERM with a live connection: $(cat live.log)"
    exec 7>&-
    for _ in $(seq 100); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
fi

# Every process ran under the sanitizers of its build: any report fails.
if grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" ./*.log 2>/dev/null; then
    bad "sanitizer reports (above files)"
    grep -h -A20 "ERROR: \|runtime error:" ./*.log | head -60
else
    ok "no sanitizer report from any listener or client"
fi

finish
