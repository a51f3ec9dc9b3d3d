#!/usr/bin/env bash
# strata listen --forward: a relay between an accepted connection and one it
# opens through a second chain (plain tcp here; the TLS tests stack layers on
# either side). 16 MiB both ways checked by sha256; a forward target that
# refuses ends the client's connection (no hang) and the listener says why.
. "$(dirname "$0")/lib.sh"
need sha256sum

strata_listen backend tcp:127.0.0.1:0 --exec cat || exit 1
bport=$PORT
strata_listen relay tcp:127.0.0.1:0 --forward tcp:127.0.0.1:$bport || exit 1
rport=$PORT

head -c 16777216 /dev/urandom >big
want=$(sha256sum <big | cut -d' ' -f1)
got=$(timeout $T "$STRATA" connect tcp:127.0.0.1:$rport <big 2>err | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && ok "16 MiB through the relay, sha256 equal" || bad "relay: $got != $want $(cat err)"

out=$(printf 'one\ntwo\n' | timeout $T "$STRATA" connect tcp:127.0.0.1:$rport 2>err)
[ "$out" = "$(printf 'one\ntwo')" ] && ok "half-close passes through the relay" || bad "half-close: '$out' $(cat err)"

dead=$(free_port)
strata_listen deadrelay tcp:127.0.0.1:0 --forward tcp:127.0.0.1:$dead || exit 1
dport=$PORT
printf 'lost' | timeout 20 "$STRATA" connect tcp:127.0.0.1:$dport >out 2>err
rc=$?
[ $rc -ne 124 ] && ok "refused forward target: the client's connection ends (exit $rc)" || bad "client hung"
for _ in $(seq 50); do grep -q "forward connection to" deadrelay.log && break; sleep 0.1; done
grep -q "forward connection to .*connection refused" deadrelay.log &&
    ok "listener reports: $(grep -o 'forward connection to.*' deadrelay.log | head -1)" ||
    bad "no report: $(cat deadrelay.log)"

out=$("$STRATA" listen tcp:127.0.0.1:0 --forward 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$out" = "strata: listen: --forward needs a chain (e.g. --forward tcp:HOST:PORT)" ] &&
    ok "--forward without a chain: exit 2" || bad "--forward alone: rc=$rc '$out'"
finish
