#!/usr/bin/env bash
# The strata SSH transport against Dropbear (dropbear-bin): every key
# exchange, cipher, MAC and host key algorithm Dropbear offers (Dropbear's
# KEXINIT decides which: an algorithm it lacks fails with "no matching ...",
# anything else must work), a core set that must be there, the host key
# fingerprints against dropbearkey's, and rekeying.
source "$(dirname "$0")/ssh_lib.sh"
need dropbear
need dropbearkey
[ -x "$PROBE" ] || { echo "FAIL: $PROBE not built"; exit 1; }

keys=()
for t in ed25519 ecdsa rsa; do
    dropbearkey -t $t -f "$WORK/hk_$t" >"$WORK/hk_$t.txt" 2>&1
    keys+=(-r "$WORK/hk_$t")
done
PORT=$(free_port)
dropbear -F -E -p "127.0.0.1:$PORT" -P "$WORK/dropbear.pid" "${keys[@]}" >"$WORK/dropbear.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "${PIDS[0]}"

try() { # try KIND NAME PROBE-ARGS...: must work unless Dropbear lacks it
    local kind=$1 name=$2 out
    shift 2
    if out=$(timeout 60 "$PROBE" "$@" 127.0.0.1 "$PORT" 2>&1); then
        echo "ok   $kind $name"
        TRIED="$TRIED $name"
    elif [[ "$out" == *"no matching"* ]]; then
        echo "--   $kind $name (Dropbear does not offer it)"
    else
        echo "FAIL $kind $name: $out"; FAILS=$((FAILS + 1))
    fi
}
TRIED=""
for k in $("$PROBE" -Q kex); do try kex "$k" -k "$k"; done
for c in $("$PROBE" -Q cipher); do try cipher "$c" -c "$c"; done
for m in $("$PROBE" -Q mac); do try mac "$m" -c aes128-ctr -m "$m"; done
for h in $("$PROBE" -Q key); do try hostkey "$h" -K "$h"; done
for want in curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group14-sha256 aes128-ctr \
    aes256-ctr chacha20-poly1305@openssh.com hmac-sha2-256 ssh-ed25519 ecdsa-sha2-nistp256 \
    rsa-sha2-256; do
    if [[ " $TRIED " == *" $want "* ]]; then echo "ok   core: $want"; else
        echo "FAIL core algorithm $want did not work"; FAILS=$((FAILS + 1)); fi
done
# Fingerprints as dropbearkey prints them (SHA256 in Dropbear 2022.83).
for t in ed25519 rsa; do
    alg=$([ $t = rsa ] && echo rsa-sha2-256 || echo ssh-ed25519)
    fp=$(dropbearkey -y -f "$WORK/hk_$t" | sed -n 's/^Fingerprint: \(SHA256:[^ ]*\).*/\1/p')
    [ -n "$fp" ] || { echo "FAIL: no fingerprint from dropbearkey"; FAILS=$((FAILS + 1)); }
    check "fingerprint $t" "fp=$fp" "$PROBE" -K "$alg" 127.0.0.1 "$PORT"
done
# Dropbear takes a rekey before authentication (OpenSSH's sshd does not).
out=$(timeout 60 "$PROBE" -R 65536 -i 512 127.0.0.1 "$PORT" 2>&1) || true
n=$(sed -n 's/.*kex_count=\([0-9]*\).*/\1/p' <<<"$out")
if [ "${n:-0}" -ge 5 ]; then echo "ok   rekey by our limit ($n exchanges)"; else
    echo "FAIL rekey: $out"; FAILS=$((FAILS + 1)); fi
check "default negotiation + ssh-userauth accepted" "kex=curve25519-sha256 " "$PROBE" 127.0.0.1 "$PORT"
finish
