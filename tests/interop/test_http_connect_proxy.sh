#!/usr/bin/env bash
# The http-connect: chain element through a real HTTP proxy (tinyproxy) on
# loopback: a tunnel to a strata listener, 8 MiB checked by sha256, proxy
# authorization (407 without it, a tunnel with it), and a refused CONNECT.
. "$(dirname "$0")/lib.sh"
need tinyproxy sha256sum

strata_listen target tcp:127.0.0.1:0 --exec cat || exit 1
tport=$PORT

# tunnel IN OUT ARGS...: `strata connect ARGS` with IN as input, output into
# OUT. tinyproxy closes the whole tunnel when its client half-closes, dropping
# what is still in flight, so stdin stays open (a FIFO) until OUT has as many
# bytes as IN (bounded wait), then closes. Sets RC.
tunnel() {
    local in=$1 out=$2 want
    shift 2
    want=$(stat -c %s "$in")
    rm -f fifo
    mkfifo fifo
    timeout $T "$STRATA" connect "$@" <fifo >"$out" 2>err &
    local cpid=$!
    exec 3>fifo
    cat "$in" >&3
    for _ in $(seq 600); do
        [ "$(stat -c %s "$out")" -ge "$want" ] && break
        kill -0 $cpid 2>/dev/null || break
        sleep 0.1
    done
    exec 3>&-
    wait $cpid
    RC=$?
}

# start_proxy NAME [EXTRA CONFIG LINES]: tinyproxy in the foreground; sets PPORT.
start_proxy() {
    PPORT=$(free_port) || { bad "no free port"; return 1; }
    {
        echo "Port $PPORT"
        echo "Listen 127.0.0.1"
        echo "Allow 127.0.0.1"
        echo "Timeout 30"
        echo "MaxClients 10"
        echo "LogLevel Info"
        echo "LogFile \"$work/$1.log\""
        echo "PidFile \"$work/$1.pid\""
        shift
        printf '%s\n' "$@"
    } >"$work/proxy.conf"
    tinyproxy -d -c "$work/proxy.conf" >"$work/proxy.out" 2>&1 &
    track $!
    wait_port "$PPORT" || { bad "tinyproxy did not start"; cat "$work/proxy.out"; return 1; }
}

start_proxy open || finish
printf 'hello through the proxy' >hello
tunnel hello out tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$tport
[ $RC -eq 0 ] && [ "$(cat out)" = "hello through the proxy" ] && ok "echo through tinyproxy" ||
    bad "echo through tinyproxy: rc=$RC out='$(cat out)' $(cat err)"

head -c 8388608 /dev/urandom >big
want=$(sha256sum <big | cut -d' ' -f1)
tunnel big out tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$tport
got=$(sha256sum <out | cut -d' ' -f1)
[ "$got" = "$want" ] && ok "8 MiB through tinyproxy, sha256 equal" || bad "8 MiB: $got != $want $(cat err)"

# A CONNECT to a port where nothing listens: the proxy answers with an error.
dead=$(free_port)
timeout $T "$STRATA" connect tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$dead </dev/null >/dev/null 2>err
rc=$?
grep -q "proxy refused CONNECT 127.0.0.1:$dead: [45][0-9][0-9] " err && [ $rc -eq 1 ] &&
    ok "refused CONNECT: exit 1, $(sed 's/^strata: //' err | head -1)" || bad "refused CONNECT: rc=$rc $(cat err)"

start_proxy auth 'BasicAuth alice s3cret' || finish
timeout $T "$STRATA" connect tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$tport </dev/null >/dev/null 2>err
rc=$?
grep -q "proxy refused CONNECT 127.0.0.1:$tport: 407 " err && [ $rc -eq 1 ] &&
    ok "no credentials: 407, exit 1" || bad "no credentials: rc=$rc $(cat err)"
export PROXY_PASS=wrong
timeout $T "$STRATA" connect tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$tport,user=alice,pass=env:PROXY_PASS \
    </dev/null >/dev/null 2>err
rc=$?
grep -qE ": 40[17] " err && [ $rc -eq 1 ] && ok "wrong password: $(grep -oE '40[17] .*' err)" || bad "wrong password: rc=$rc $(cat err)"
printf 's3cret\n' >pass.txt
printf 'authorized' >auth
tunnel auth out tcp:127.0.0.1:$PPORT http-connect:127.0.0.1:$tport,user=alice,pass=file:pass.txt
[ "$(cat out)" = "authorized" ] && ok "basic proxy authorization (pass=file:)" || bad "auth tunnel: out='$(cat out)' $(cat err)"

finish
