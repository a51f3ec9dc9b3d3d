#!/usr/bin/env bash
# strata bench --quick: every measurement runs in one go (exit 0), the header
# names OpenSSL, each expected row is present with a positive strata figure,
# a positive OpenSSL figure and a positive ratio (the figures themselves are
# not asserted); a WHAT selects its rows only. Its usage errors (exit 2, the
# exact message) are checked in test_cli_usage.sh.
. "$(dirname "$0")/lib.sh"

rows=(
    "handshakes TLS 1.3 X25519 P-256|hs/s"
    "onion 1 TLS layer, 16 KiB writes|MB/s"
    "onion 2 TLS layers, 16 KiB writes|MB/s"
    "onion 3 TLS layers, 16 KiB writes|MB/s"
    "onion 4 TLS layers, 16 KiB writes|MB/s"
    "ssh chacha20-poly1305|MB/s"
    "ssh aes128-gcm|MB/s"
    "ssh aes256-gcm|MB/s"
    "ssh aes128-ctr hmac-sha2-256-etm|MB/s"
    "ssh aes256-ctr hmac-sha2-256-etm|MB/s"
    "ssh aes128-ctr hmac-sha2-512-etm|MB/s"
    "ssh aes128-ctr hmac-sha2-256|MB/s"
    "ssh aes128-cbc hmac-sha1|MB/s"
    "ssh 3des-cbc hmac-sha1|MB/s"
    "kex mlkem768x25519-sha256|kex/s"
    "kex sntrup761x25519-sha512|kex/s"
    "kex curve25519-sha256|kex/s"
    "kex ecdh-sha2-nistp256|kex/s"
    "kex diffie-hellman-group14-sha256|kex/s"
    "ML-KEM-768 keygen (vs X25519 half)|op/s"
    "ML-KEM-768 encaps (vs X25519 half)|op/s"
    "ML-KEM-768 decaps (vs X25519 half)|op/s"
    "ML-KEM-768 keygen+decaps (vs X25519 half)|op/s"
    "sntrup761 keygen (vs X25519 half)|op/s"
    "sntrup761 encaps (vs X25519 half)|op/s"
    "sntrup761 decaps (vs X25519 half)|op/s"
    "sntrup761 keygen+decaps (vs X25519 half)|op/s"
)

# check_row NAME UNIT: the row "NAME  S UNIT  O UNIT  R" in out.txt, S, O, R > 0.
check_row() {
    local name=$1 unit=$2 line
    line=$(awk -v n="$name" 'substr($0, 1, length(n)) == n && substr($0, length(n) + 1, 1) == " "' out.txt)
    if [ "$(printf '%s\n' "$line" | grep -c .)" -ne 1 ]; then
        bad "row '$name': not exactly once"
        return
    fi
    local rest=${line:${#name}}
    if printf '%s\n' "$rest" | awk -v u="$unit" '
        NF == 5 && $2 == u && $4 == u && $1 + 0 > 0 && $3 + 0 > 0 && $5 + 0 > 0 &&
        $1 ~ /^[0-9]+\.[0-9]$/ && $3 ~ /^[0-9]+\.[0-9]$/ && $5 ~ /^[0-9]+\.[0-9][0-9][0-9]?$/ { ok = 1 }
        END { exit !ok }'; then
        ok "row '$name':$rest"
    else
        bad "row '$name': bad figures: '$rest'"
    fi
}

timeout 120 "$STRATA" bench --quick >out.txt 2>err.txt
rc=$?
[ $rc -eq 0 ] && ok "strata bench --quick exits 0" || { bad "strata bench --quick: exit $rc"; cat err.txt; }
head -1 out.txt | grep -q "^strata bench: strata [0-9.]* vs OpenSSL 3\.[0-9.]* .*, [0-9-]* [0-9:]* UTC," \
    && ok "header: $(head -1 out.txt)" || bad "header: $(head -1 out.txt)"
sed -n 2p out.txt | grep -q "^measurement  *strata  *OpenSSL  *ratio$" && ok "column header" \
    || bad "column header: $(sed -n 2p out.txt)"
for r in "${rows[@]}"; do
    check_row "${r%|*}" "${r#*|}"
done
[ "$(wc -l <out.txt)" -eq $((${#rows[@]} + 2)) ] && ok "${#rows[@]} rows, nothing else" \
    || bad "$(wc -l <out.txt) lines, want $((${#rows[@]} + 2))"
[ ! -s err.txt ] && ok "--quick prints no progress" || bad "stderr: $(cat err.txt)"

# A WHAT selects its rows only.
timeout 60 "$STRATA" bench --seconds 0.02 handshakes >out.txt 2>err.txt \
    && [ "$(wc -l <out.txt)" -eq 3 ] && grep -q "^handshakes TLS 1.3" out.txt \
    && ok "bench handshakes: one row" || bad "bench handshakes: $(cat out.txt err.txt)"
timeout 60 "$STRATA" bench --quick ssh-cipher onion >out.txt 2>err.txt \
    && [ "$(grep -c '^onion ' out.txt)" -eq 4 ] && [ "$(grep -c '^ssh ' out.txt)" -eq 9 ] \
    && ! grep -q '^handshakes' out.txt && ok "bench ssh-cipher onion: their 13 rows" \
    || bad "bench ssh-cipher onion: $(cat out.txt err.txt)"

timeout 60 "$STRATA" bench --quick kex >out.txt 2>err.txt \
    && [ "$(grep -c '^kex ' out.txt)" -eq 5 ] && [ "$(grep -c '(vs X25519 half)' out.txt)" -eq 8 ] \
    && ! grep -q '^ssh ' out.txt && ok "bench kex: its 13 rows" || bad "bench kex: $(cat out.txt err.txt)"

# --json: one JSON object per line and nothing else on stdout; every object
# has the fields --help names, with the types it says; the rows are the
# table's (same names and units), the onion rows carry their depth, and the
# ratio is strata / openssl.
timeout 60 "$STRATA" bench --quick --json handshakes onion >out.json 2>err.txt \
    && ok "bench --json exits 0" || bad "bench --json: exit $?: $(cat err.txt)"
if python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = {"handshakes TLS 1.3 X25519 P-256": ("handshakes", "hs/s", None)}
for n in range(1, 5):
    want["onion %d TLS layer%s, 16 KiB writes" % (n, "" if n == 1 else "s")] = ("onion", "MB/s", n)
assert [r["what"] for r in rows] == list(want), [r["what"] for r in rows]
for r in rows:
    bench, unit, layers = want[r["what"]]
    assert r["bench"] == bench and r["unit"] == unit, r
    assert r.get("layers") == layers, r
    for k in ("strata", "openssl", "ratio", "seconds"):
        assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r)
    assert abs(r["ratio"] - r["strata"] / r["openssl"]) <= 1e-4 * r["ratio"], r
    assert r["seconds"] == 0.05, r
    assert r["strata_version"] and r["openssl_version"].startswith("OpenSSL 3."), r
    assert len(r["date"]) == 20 and r["date"].endswith("Z"), r
print(len(rows))
' out.json >json.n 2>json.err; then
    ok "bench --json: $(cat json.n) objects, fields and types as documented"
else
    bad "bench --json: $(cat json.err) / $(head -3 out.json)"
fi
timeout 60 "$STRATA" bench --quick --json kex >out.json 2>err.txt \
    && python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 13 and all(r["bench"] == "kex" and "layers" not in r for r in rows), rows
' out.json && ok "bench --json kex: 13 kex objects" || bad "bench --json kex: $(head -3 out.json)"

# --help: usage on stdout, exit 0, names every WHAT.
"$STRATA" bench --help >help.out 2>help.err && grep -q "^usage: strata bench" help.out \
    && grep -q "^  handshakes " help.out && grep -q "^  onion " help.out \
    && grep -q "^  ssh-cipher " help.out && grep -q "^  --json " help.out && [ ! -s help.err ] && ok "strata bench --help" \
    || bad "strata bench --help"

finish
