#!/usr/bin/env bash
# SSH packet protection vs the raw OpenSSL primitives, same machine, same run.
#
# Builds the release preset, runs bench/ssh_cipher_bench (seal and open of
# 32 KiB payloads through strata__ssh_pkt_seal/open, CPU time), then
# `openssl speed -evp <cipher> -bytes 16384 -seconds N` (and
# `openssl speed -hmac <digest> ...` for rows with a MAC) and prints
# seal/primitive and open/primitive. For cipher + MAC rows the primitive
# figure is the two passes combined, 1 / (1/cipher + 1/hmac).
# Target: AEAD rows at 0.8x or better.
# Env: SECONDS_PER (default 2), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SECONDS_PER:-2}
cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-2}" --target ssh_cipher_bench >/dev/null
bench=build/release/bench/ssh_cipher_bench

cipher_prim() {
    case "$1" in
    chacha20-poly1305@openssh.com) echo chacha20-poly1305 ;;
    aes128-gcm@openssh.com) echo aes-128-gcm ;;
    aes256-gcm@openssh.com) echo aes-256-gcm ;;
    aes128-ctr) echo aes-128-ctr ;;
    aes192-ctr) echo aes-192-ctr ;;
    aes256-ctr) echo aes-256-ctr ;;
    aes128-cbc) echo aes-128-cbc ;;
    aes256-cbc) echo aes-256-cbc ;;
    3des-cbc) echo des-ede3-cbc ;;
    *) return 1 ;;
    esac
}

mac_digest() {
    case "$1" in
    hmac-sha2-256*) echo sha256 ;;
    hmac-sha2-512*) echo sha512 ;;
    hmac-sha1*) echo sha1 ;;
    *) echo "" ;;
    esac
}

# MB/s (10^6 bytes) from the last line of `openssl speed`: "<name> <N>k" (k = 1000 bytes/s).
ossl_speed() {
    openssl speed "$@" -bytes 16384 -seconds "$secs" 2>/dev/null | tail -n 1 |
        awk '{v=$NF; sub("k","",v); printf "%.1f", v/1000}'
}

declare -A cache
measure() { # key, openssl speed args...
    local key=$1
    shift
    [ -n "${cache[$key]:-}" ] || cache[$key]=$(ossl_speed "$@")
}

printf '%-30s %-30s %9s %9s %-26s %9s %6s %6s\n' cipher mac seal_MB/s open_MB/s primitive \
    prim_MB/s seal_x open_x
"$bench" "$secs" | while read -r cipher mac _ seal _ open; do
    c=$(cipher_prim "$cipher")
    measure "$c" -evp "$c"
    prim=$c p=${cache[$c]}
    dg=$(mac_digest "$mac")
    if [ -n "$dg" ]; then
        measure "hmac-$dg" -hmac "$dg"
        h=${cache[hmac-$dg]}
        prim="$c+hmac($dg)"
        p=$(awk -v a="$p" -v b="$h" 'BEGIN{printf "%.1f", 1/(1/a+1/b)}')
    fi
    printf '%-30s %-30s %9.1f %9.1f %-26s %9.1f %6.2f %6.2f\n' "$cipher" "$mac" "$seal" "$open" \
        "$prim" "$p" "$(awk -v a="$seal" -v b="$p" 'BEGIN{print a/b}')" \
        "$(awk -v a="$open" -v b="$p" 'BEGIN{print a/b}')"
done
