#!/usr/bin/env bash
# The strata SSH transport against OpenSSH's sshd (Debian 12's /usr/sbin/sshd):
# every key exchange, cipher, MAC and host key algorithm both support, host
# certificates signed by ssh-keygen -s, GEX with the old request, delayed
# compression after user authentication, rekeying started by either side,
# strict KEX, and the fingerprints against ssh-keygen's.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
need ssh
[ -x "$PROBE" ] || { echo "FAIL: $PROBE not built"; exit 1; }

mkdir -p /run/sshd
for t in ed25519 rsa dsa; do ssh-keygen -q -t $t -N '' -f "$WORK/hk_$t"; done
for b in 256 384 521; do ssh-keygen -q -t ecdsa -b $b -N '' -f "$WORK/hk_ecdsa$b"; done
# A host CA and certificates for two of the keys.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ca"
for t in ed25519 rsa ecdsa256; do
    ssh-keygen -q -s "$WORK/ca" -I "strata-test-$t" -h -n 127.0.0.1,localhost -V -5m:+1h \
        "$WORK/hk_$t.pub"
done
# A user key for publickey authentication (PEM, as OpenSSL reads it).
openssl genpkey -algorithm ed25519 -out "$WORK/user.pem" 2>/dev/null
"$PROBE" -A "$WORK/user.pem" >"$WORK/authorized_keys"

all() { ssh -Q "$1" | grep -v '^sk-' | paste -sd, -; }
PORT=$(free_port)
cat >"$WORK/sshd_config" <<CFG
HostKey $WORK/hk_ed25519
HostKey $WORK/hk_rsa
HostKey $WORK/hk_dsa
HostKey $WORK/hk_ecdsa256
HostKey $WORK/hk_ecdsa384
HostKey $WORK/hk_ecdsa521
HostCertificate $WORK/hk_ed25519-cert.pub
HostCertificate $WORK/hk_rsa-cert.pub
HostCertificate $WORK/hk_ecdsa256-cert.pub
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
Compression yes
RekeyLimit 256K
KexAlgorithms $(all kex)
Ciphers $(all cipher)
MACs $(all mac)
HostKeyAlgorithms $(all key-sig)
CFG
/usr/sbin/sshd -f "$WORK/sshd_config" -D -e -p "$PORT" -o ListenAddress=127.0.0.1 \
    >"$WORK/sshd.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "${PIDS[0]}"

both() { comm -12 <("$PROBE" -Q "$1" | sort) <(ssh -Q "$2" | sort); }

for k in $(both kex kex); do
    check "kex $k" "kex=$k " "$PROBE" -k "$k" 127.0.0.1 "$PORT"
done
# OpenSSH's server no longer answers KEX_DH_GEX_REQUEST_OLD: it disconnects,
# and the client reports the server's reason (the old request is tested
# against the in-memory server in unit.test_ssh_transport).
check "GEX old request refused by sshd" "server disconnected" \
    bash -c "! '$PROBE' -g -k diffie-hellman-group-exchange-sha256 127.0.0.1 $PORT"
for c in $(both cipher cipher); do
    check "cipher $c" "cipher=$c " "$PROBE" -c "$c" 127.0.0.1 "$PORT"
done
for m in $(both mac mac); do
    check "mac $m" "mac=$m " "$PROBE" -c aes128-ctr -m "$m" 127.0.0.1 "$PORT"
done
fp() { ssh-keygen -lf "$1" | awk '{print $2}'; }
check "host key ssh-ed25519" "keytype=ssh-ed25519 fp=$(fp "$WORK/hk_ed25519.pub")" \
    "$PROBE" -K ssh-ed25519 -f "$(fp "$WORK/hk_ed25519.pub")" 127.0.0.1 "$PORT"
for b in 256 384 521; do
    check "host key ecdsa-sha2-nistp$b" "fp=$(fp "$WORK/hk_ecdsa$b.pub")" \
        "$PROBE" -K "ecdsa-sha2-nistp$b" 127.0.0.1 "$PORT"
done
for a in rsa-sha2-512 rsa-sha2-256 ssh-rsa; do
    check "host key $a" "hostkey=$a cipher=" "$PROBE" -K "$a" -f "$(fp "$WORK/hk_rsa.pub")" \
        127.0.0.1 "$PORT"
done
check "host key ssh-dss" "fp=$(fp "$WORK/hk_dsa.pub")" "$PROBE" -K ssh-dss 127.0.0.1 "$PORT"
for a in ssh-ed25519-cert-v01@openssh.com rsa-sha2-512-cert-v01@openssh.com \
    rsa-sha2-256-cert-v01@openssh.com ecdsa-sha2-nistp256-cert-v01@openssh.com; do
    check "host certificate $a" "hostkey=$a cipher=" "$PROBE" -K "$a" 127.0.0.1 "$PORT"
done
# known_hosts: the plain key, the CA for the certificates, a wrong CA.
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/hk_ed25519.pub")" >"$WORK/kh_plain"
echo "@cert-authority * $(cut -d' ' -f1,2 "$WORK/ca.pub")" >"$WORK/kh_ca"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_ca"
echo "@cert-authority * $(cut -d' ' -f1,2 "$WORK/other_ca.pub")" >"$WORK/kh_wrong_ca"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_hk"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/other_hk.pub")" >"$WORK/kh_changed"
check "known_hosts: plain key" "hostkey=ssh-ed25519 cipher=" \
    "$PROBE" -H "$WORK/kh_plain" -K ssh-ed25519 127.0.0.1 "$PORT"
check "known_hosts: changed key refused" "changed" \
    bash -c "! '$PROBE' -H '$WORK/kh_changed' -K ssh-ed25519 127.0.0.1 $PORT"
check "known_hosts: unknown key type refused" "for 127.0.0.1 was refused" \
    bash -c "! '$PROBE' -H '$WORK/kh_plain' -K rsa-sha2-256 127.0.0.1 $PORT"
for a in ssh-ed25519-cert-v01@openssh.com rsa-sha2-512-cert-v01@openssh.com \
    ecdsa-sha2-nistp256-cert-v01@openssh.com; do
    check "known_hosts: @cert-authority for $a" "hostkey=$a cipher=" \
        "$PROBE" -H "$WORK/kh_ca" -K "$a" 127.0.0.1 "$PORT"
done
check "known_hosts: certificate by an unknown CA refused" "probe: handshake:" \
    bash -c "! '$PROBE' -H '$WORK/kh_wrong_ca' -K ssh-ed25519-cert-v01@openssh.com 127.0.0.1 $PORT"
check "strict KEX negotiated" "strict=1 " "$PROBE" 127.0.0.1 "$PORT"
check "without strict KEX" "strict=0 " "$PROBE" -n 127.0.0.1 "$PORT"
check "wrong host key refused" "host key ssh-ed25519 SHA256:" \
    bash -c "! '$PROBE' -K ssh-ed25519 -f SHA256:nope 127.0.0.1 $PORT"
check "publickey auth + zlib@openssh.com" "comp=zlib@openssh.com strict=1" \
    "$PROBE" -a "$WORK/user.pem" -z zlib@openssh.com -i 64 127.0.0.1 "$PORT"
# Rekeying: the server's RekeyLimit (256K), and ours (-R).
out=$(timeout 60 "$PROBE" -a "$WORK/user.pem" -i 1024 127.0.0.1 "$PORT" 2>&1) || true
n=$(sed -n 's/.*kex_count=\([0-9]*\).*/\1/p' <<<"$out")
if [ "${n:-0}" -ge 3 ]; then echo "ok   rekey by the server's RekeyLimit ($n exchanges)"; else
    echo "FAIL rekey by the server: $out"; FAILS=$((FAILS + 1)); fi
out=$(timeout 60 "$PROBE" -a "$WORK/user.pem" -R 65536 -i 512 -z zlib@openssh.com \
    -k diffie-hellman-group14-sha256 -c aes256-gcm@openssh.com 127.0.0.1 "$PORT" 2>&1) || true
n=$(sed -n 's/.*kex_count=\([0-9]*\).*/\1/p' <<<"$out")
if [ "${n:-0}" -ge 5 ]; then echo "ok   rekey by our limit ($n exchanges)"; else
    echo "FAIL rekey by us: $out"; FAILS=$((FAILS + 1)); fi
if grep -q "dispatch_protocol_error\|Bad packet\|Corrupted" "$WORK/sshd.log"; then
    echo "FAIL sshd logged protocol errors:"; grep "dispatch_protocol_error\|Bad packet\|Corrupted" "$WORK/sshd.log"
    FAILS=$((FAILS + 1))
fi
finish
