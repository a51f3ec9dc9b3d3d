#!/usr/bin/env bash
# strata sftp and strata scp against Dropbear (dropbear-bin 2022.83), which
# runs OpenSSH's sftp-server as /usr/lib/sftp-server (scripts/deps.sh makes
# that link when missing): a batch with the main commands (put and get of
# 0 B, 1 B, a size that is not a multiple of the request size and 3 MiB,
# each compared with cmp; ls, mkdir, rename, rm), then scp up, down and -r.
# Dropbear listens on 127.0.0.1 with a throw-away host key and is stopped by
# PID; a throw-away user whose home is in the test directory holds the
# authorized_keys and the remote files.
source "$(dirname "$0")/ssh_lib.sh" || exit 1
[ -d "${WORK:-}" ] || exit 1
need dropbear
need dropbearkey
need ssh-keygen
need useradd
[ -x /usr/lib/sftp-server ] || { echo "FAIL: /usr/lib/sftp-server is missing (scripts/deps.sh links it)"; exit 1; }

dropbear_user stratas
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/home/.ssh/authorized_keys"
R="$WORK/home/r" # the remote side's files (the same machine)
mkdir -p "$R"
dropbear_start
export HOME="$WORK/client"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
SSHO=(-i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -F none -P "$PORT")
L="$WORK/local"
mkdir -p "$L"
cd "$L"

# 0 B, 1 B, 300007 B (not a multiple of any request size), 3 MiB
: >empty
printf x >one
head -c 300007 /dev/urandom >odd
head -c 3145728 /dev/urandom >big
cat >"$WORK/batch" <<B
cd $R
put empty
put one
put odd
put big
mkdir d
rename odd d/odd.moved
ls
ls -l d
get empty empty.back
get one one.back
get d/odd.moved odd.back
get big big.back
rm one
bye
B
set +e
out=$(timeout 60 "$STRATA" sftp "${SSHO[@]}" -b "$WORK/batch" "$TUSER@127.0.0.1" 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] && [[ "$out" == *"sftp> bye"* ]] && echo "ok   dropbear: sftp batch exit 0" \
    || { echo "FAIL dropbear batch: rc=$rc $out"; FAILS=$((FAILS + 1)); }
ok=1
for f in empty big; do
    cmp -s "$f" "$R/$f" && cmp -s "$f" "$f.back" || { echo "FAIL dropbear put/get $f"; ok=0; }
done
cmp -s odd "$R/d/odd.moved" && cmp -s odd odd.back || { echo "FAIL dropbear put/rename/get odd"; ok=0; }
cmp -s one one.back && [ ! -e "$R/one" ] || { echo "FAIL dropbear put/get/rm one"; ok=0; }
[ -d "$R/d" ] && [ ! -e "$R/odd" ] || { echo "FAIL dropbear mkdir/rename"; ok=0; }
[ "$(stat -c %U "$R/big")" = "$TUSER" ] || { echo "FAIL dropbear: files not the user's"; ok=0; }
[[ "$out" == *"sftp> ls"*"big"*"empty"* ]] && [[ "$out" == *"-rw"*"odd.moved"* ]] \
    || { echo "FAIL dropbear ls / ls -l: $out"; ok=0; }
[ "$ok" = 1 ] && echo "ok   dropbear: 0 B, 1 B, 300007 B, 3 MiB both ways (cmp); ls, mkdir, rename, rm" \
    || FAILS=$((FAILS + 1))

# scp up, down, -r
timeout 60 "$STRATA" scp "${SSHO[@]}" -q big "$TUSER@127.0.0.1:$R/scp-up" \
    && cmp -s big "$R/scp-up" && echo "ok   dropbear: scp upload" \
    || { echo "FAIL dropbear scp upload"; FAILS=$((FAILS + 1)); }
timeout 60 "$STRATA" scp "${SSHO[@]}" -q "$TUSER@127.0.0.1:$R/d/odd.moved" scp-down \
    && cmp -s odd scp-down && echo "ok   dropbear: scp download" \
    || { echo "FAIL dropbear scp download"; FAILS=$((FAILS + 1)); }
mkdir -p "tree/sub dir"
printf a >"tree/a"
head -c 70000 /dev/urandom >"tree/sub dir/b"
timeout 60 "$STRATA" scp "${SSHO[@]}" -q -r tree "$TUSER@127.0.0.1:$R/tree" \
    && diff -r tree "$R/tree" >/dev/null \
    && timeout 60 "$STRATA" scp "${SSHO[@]}" -q -r "$TUSER@127.0.0.1:$R/tree" tree.back \
    && diff -r tree tree.back >/dev/null && echo "ok   dropbear: scp -r both ways" \
    || { echo "FAIL dropbear scp -r"; FAILS=$((FAILS + 1)); }
finish
