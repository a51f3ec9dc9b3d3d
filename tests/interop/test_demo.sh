#!/usr/bin/env bash
# `strata demo`, the README's main job: exits 0 and shows what it claims - a
# plain TCP round, then on ONE live TCP connection three TLS layers pushed with
# their own key type, version and cipher, data echoed byte-identical through
# 0, 1, 2 and 3 layers, a pop (the stream goes on beneath), a fresh push, and
# the orderly close.
source "$(dirname "$0")/lib.sh"

out=demo.out
if timeout "$T" "$STRATA" demo >"$out" 2>demo.err; then ok "demo exits 0"; else bad "demo failed: $(cat demo.err)"; fi
grep -qx 'demo: ok' "$out" && ok "demo says ok" || bad "no 'demo: ok'"

# layer N up with the version and cipher its push line promised
check_up() { # N VERSION CIPHER
    if grep -q "layer $1 up: tls $2 $3 peer /CN=" "$out"; then ok "layer $1 up: $2 $3"; else bad "layer $1 not up as $2 $3"; fi
}
check_up 1 TLSv1.3 TLS_AES_128_GCM_SHA256
check_up 2 TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305
check_up 3 TLSv1.3 TLS_CHACHA20_POLY1305_SHA256
check_up 3 TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384 # the re-push after the pop

# the echo rounds, in order: 0, 1, 2, 3 layers, pop, 2, push, 3
got=$(sed -n 's/^  echo .* through \([0-9]\) layers\{0,1\} .*byte-identical$/\1/p' "$out" | tr -d '\n')
[ "$got" = 012323 ] && ok "echo through 0 1 2 3, then 2 after the pop, 3 after the push" ||
    bad "echo rounds '$got', expected 012323"
grep -q '^  tcp .*byte-identical$' "$out" && ok "plain TCP round byte-identical" || bad "no plain TCP round"
grep -q '^  pop      layer 3 ' "$out" && ok "pop of layer 3 shown" || bad "no pop line"
grep -q '^  close    ' "$out" && ok "orderly close shown" || bad "no close line"
# --help describes the onion round the run does: the same pushes, in order.
"$STRATA" demo --help >help.out
want=$(sed -n 's/^ *- push: \(.*\)$/\1/p' help.out)
got=$(sed -n 's/^  push     layer [0-9]*: \(.*\) certificate, \(.*\)$/\1, \2/p' "$out")
[ -n "$want" ] && [ "$want" = "$got" ] && ok "demo --help lists the pushes the run does ($(echo "$want" | wc -l))" ||
    bad "demo --help pushes '$want' vs the run's '$got'"
grep -q "pop the innermost layer" help.out && grep -q '^  pop ' "$out" && ok "demo --help names the pop" ||
    bad "demo --help: no pop"
# one screen
n=$(wc -l <"$out")
[ "$n" -le 30 ] && ok "fits one screen ($n lines)" || bad "$n lines"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
