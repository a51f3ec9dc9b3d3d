#!/usr/bin/env bash
# strata ssh against Dropbear: publickey (ed25519, ECDSA, RSA), password,
# exec with exit status and stderr, 16 MiB both ways, -L forwarding, and a
# wrong key refused with OpenSSH's words. A throw-away user whose home is
# the test directory holds the authorized_keys.
source "$(dirname "$0")/ssh_lib.sh"
need dropbear
need dropbearkey
need ssh-keygen
need useradd

dropbear_user stratad
PASS="Db-$$-secret"
echo "$TUSER:$PASS" | chpasswd
for t in ed25519 ecdsa rsa; do ssh-keygen -q -t $t -N '' -f "$WORK/k_$t"; done
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_other"
cat "$WORK"/k_{ed25519,ecdsa,rsa}.pub >"$WORK/home/.ssh/authorized_keys"
dropbear_start
export HOME="$WORK/client"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
S=("$STRATA" ssh -F none -o UserKnownHostsFile="$WORK/known_hosts" -p "$PORT")

for t in ed25519 ecdsa rsa; do
    check "dropbear publickey $t" "$TUSER" "${S[@]}" -o BatchMode=yes -i "$WORK/k_$t" \
        "$TUSER@127.0.0.1" 'id -un'
done
printf '#!/bin/sh\necho "%s"\n' "$PASS" >"$WORK/askpass"
chmod +x "$WORK/askpass"
check "dropbear password" "$TUSER" env SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force \
    "${S[@]}" "$TUSER@127.0.0.1" 'id -un'
# (Dropbear 2022.83 has no post-quantum exchange: OpenSSH 10's warning would be on stderr.)
check "dropbear exec: status, stdout and stderr apart" "rc=4
out
err" bash -c "${S[*]} -o BatchMode=yes -o WarnWeakCrypto=no -i $WORK/k_ed25519 $TUSER@127.0.0.1 \
    'echo out; echo err >&2; exit 4' >$WORK/o 2>$WORK/e; echo rc=\$?; cat $WORK/o $WORK/e"
head -c 16M /dev/urandom >"$WORK/data"
chmod 644 "$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
check "dropbear: 16 MiB pushed" "$want" bash -c "${S[*]} -o BatchMode=yes -i $WORK/k_ed25519 \
    $TUSER@127.0.0.1 sha256sum <$WORK/data"
check "dropbear: 16 MiB pulled" "$want" bash -c "${S[*]} -o BatchMode=yes -i $WORK/k_ed25519 \
    $TUSER@127.0.0.1 cat $WORK/data | sha256sum"
check "dropbear: wrong key" "Permission denied (publickey,password).
rc=255" bash -c "${S[*]} -o BatchMode=yes -i $WORK/k_other $TUSER@127.0.0.1 true 2>&1; echo rc=\$?"
finish
