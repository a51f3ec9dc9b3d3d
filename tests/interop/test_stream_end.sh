#!/usr/bin/env bash
# No byte lost at the end of a stream (issue 19). A peer (stream_end_peer.py,
# Python's ssl module) sends N bytes over TLS and ends in one of three ways:
#   clean  close_notify, then FIN   -> every byte on stdout, exit 0
#   fin    FIN without close_notify -> every byte on stdout, then exit 1 with
#                                      the truncation message
#   rst    RST (SO_LINGER 0)        -> exit 1 with a message, no crash; what
#                                      arrived is a prefix of what was sent
#                                      (the kernel may drop bytes on an RST)
# stdout is a file, or a pipe whose reader starts 2 s late (the writer is
# faster than the reader: the error must wait for the queued bytes). Byte
# counts are exact and checked by sha256. A relay (`strata listen --forward`)
# passes a FIN-only stream on whole. The SSH counterparts (channel EOF
# without CLOSE, a late reader) are in test_ssh_tinysshd.sh.
source "$(dirname "$0")/lib.sh"
need python3 openssl sha256sum timeout
PEER_PY=${STRATA_SRC:?}/tests/interop/stream_end_peer.py

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
    -out cert.pem -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 || { bad "make a certificate"; finish; }

# start_peer FILE END: the peer in the background; sets PPID_ and PORT.
start_peer() {
    rm -f peer.log
    python3 "$PEER_PY" --file "$1" --end "$2" --cert cert.pem --key key.pem >peer.log 2>&1 &
    PPID_=$!
    track "$PPID_"
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^PORT //p' peer.log 2>/dev/null | head -n 1)
        [ -n "$PORT" ] && return 0
        kill -0 "$PPID_" 2>/dev/null || break
        sleep 0.1
    done
    echo "peer did not start:"; sed 's/^/    /' peer.log
    return 1
}

# run_case N END MODE: one connection; checks bytes, hash, exit status, message.
run_case() {
    local n=$1 end=$2 mode=$3 name="tls $2 $1 bytes, stdout a $3" rc
    local data=data.$n
    start_peer "$data" "$end" || { bad "$name: peer"; return; }
    rm -f out err
    if [ "$mode" = file ]; then
        timeout "$T" "$STRATA" connect "tcp:127.0.0.1:$PORT" tls:ca=cert.pem </dev/null >out 2>err
        rc=$?
    else
        timeout "$T" "$STRATA" connect "tcp:127.0.0.1:$PORT" tls:ca=cert.pem </dev/null 2>err |
            (sleep 2; cat >out)
        rc=${PIPESTATUS[0]}
    fi
    wait "$PPID_" 2>/dev/null
    local got
    got=$(wc -c <out)
    if grep -q -e AddressSanitizer -e 'runtime error' err; then
        bad "$name: sanitizer report"; sed 's/^/    /' err; return
    fi
    case $end in
    clean)
        if [ "$rc" -eq 0 ] && [ "$got" -eq "$n" ] && [ "$(sha256sum <out)" = "$(sha256sum <"$data")" ]; then
            ok "$name: $got bytes, sha256 equal, exit 0"
        else
            bad "$name: exit $rc, $got of $n bytes"; sed 's/^/    /' err
        fi ;;
    fin)
        if [ "$rc" -eq 1 ] && [ "$got" -eq "$n" ] && [ "$(sha256sum <out)" = "$(sha256sum <"$data")" ] &&
            grep -q "layer 1 'tls': the peer's stream ended without close_notify" err; then
            ok "$name: $got bytes, sha256 equal, exit 1 with the truncation message"
        else
            bad "$name: exit $rc, $got of $n bytes"; sed 's/^/    /' err
        fi ;;
    rst)
        # the RST shows as a reset read, or as the record it cut short
        if [ "$rc" -eq 1 ] && grep -q -e "^strata: reading from 127.0.0.1:$PORT: connection reset by peer" \
            -e "^strata: layer 1 'tls': " err && [ "$got" -le "$n" ] &&
            cmp -s -n "$got" out "$data"; then
            ok "$name: exit 1 with a message, $got of $n bytes, a prefix of what was sent"
        else
            bad "$name: exit $rc, $got of $n bytes"; sed 's/^/    /' err
        fi ;;
    esac
}

# relay_case N: `strata listen --forward` terminates the peer's TLS and
# relays to a plain TCP client that reads 2 s late; the peer ends FIN-only.
# The relay's side that failed still hands every byte to the other side
# before both end, and the relay reports the truncation.
relay_case() {
    local n=$1 name="relay, tls fin $1 bytes" rc
    start_peer "data.$n" fin || { bad "$name: peer"; return; }
    strata_listen relay tcp:127.0.0.1:0 --once --forward "tcp:127.0.0.1:$PORT" tls:ca=cert.pem ||
        { bad "$name: relay"; return; }
    rm -f out
    timeout "$T" "$STRATA" connect "tcp:127.0.0.1:$PORT" </dev/null 2>err | (sleep 2; cat >out)
    rc=${PIPESTATUS[0]}
    for _ in $(seq 100); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.1; done
    wait "$PPID_" 2>/dev/null
    local got
    got=$(wc -c <out)
    if [ "$rc" -eq 0 ] && [ "$got" -eq "$n" ] && [ "$(sha256sum <out)" = "$(sha256sum <"data.$n")" ] &&
        grep -q "layer 1 'tls': the peer's stream ended without close_notify" relay.log; then
        ok "$name: $got bytes through the relay, sha256 equal, the relay reports the truncation"
    else
        bad "$name: exit $rc, $got of $n bytes"; sed 's/^/    /' err relay.log
    fi
}

for n in 100000 1048576 16777216; do
    head -c "$n" /dev/urandom >"data.$n"
    for end in clean fin; do
        for mode in file pipe; do run_case "$n" "$end" "$mode"; done
    done
    run_case "$n" rst pipe
done
relay_case 16777216
finish
