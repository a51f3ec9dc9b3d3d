#!/usr/bin/env bash
# strata sftp and strata scp against a throw-away OpenSSH sshd (Debian's) on
# 127.0.0.1 with its sftp-server subsystem: a batch file with every command
# (checked by what lands on disk and what is printed), a failing batch
# command ending the batch with exit 1 unless prefixed with '-', batch from
# stdin, get/put -r of a tree with odd names, reget/reput, scp both ways,
# scp -r, a server that closes mid-transfer (exit 1, partial file).
. "$(dirname "$0")/ssh_lib.sh"

root_sshd main "Subsystem sftp /usr/lib/openssh/sftp-server"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
SSHO=(-i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -F none)
R="$WORK/remote"   # the remote side's files (same machine)
L="$WORK/local"
mkdir -p "$R" "$L"
cd "$L"

# Files: 0 bytes, 1 byte, an odd size, 3 MiB, a tree with odd names.
: >"$R/empty"
printf x >"$R/one"
head -c 300007 /dev/urandom >"$R/odd"
head -c 3145728 /dev/urandom >"$R/big"
mkdir -p "$L/tree/sub dir" "$L/tree/nl
dir"
printf a >"$L/tree/a file"
printf b >"$L/tree/sub dir/b"
printf c >"$L/tree/nl
dir/c$(printf '\xff')"
head -c 100000 /dev/urandom >"$L/up.bin"
head -c 1000 "$R/big" >"$L/big.part"
head -c 1000 "$L/up.bin" >"$R/up.part"
printf o >"$R/owned"
ln -s owned "$R/owned.ln"

cat >"$WORK/batch" <<B
pwd
cd $R
pwd
version
progress
progress
get empty
get one
get odd odd.copy
reget big big.part
ls
ls -l one
put up.bin
reput up.bin up.part
put -r tree
mkdir newdir
rename up.bin newdir/moved.bin
ln -s newdir/moved.bin sym
ln newdir/moved.bin hard
chmod 600 newdir/moved.bin
chown 65534 owned
chgrp 65534 owned
chown -h 123 owned.ln
chgrp -h 456 owned.ln
-chown nobody owned
get -r tree tree.back
df
df -h
lcd $L
lpwd
lmkdir made
rm hard
-rm no-such-file
-rmdir newdir
rm newdir/moved.bin
rmdir newdir
bye
B
set +e
out=$(timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -b "$WORK/batch" root@127.0.0.1 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] && [[ "$out" == *"sftp> bye"* ]] && echo "ok   sftp batch with every command: exit 0" \
    || { echo "FAIL batch: rc=$rc $out"; FAILS=$((FAILS + 1)); }
sum() { sha256sum <"$1" | cut -d' ' -f1; }
ok=1
[ -f empty ] && [ ! -s empty ] || { echo "FAIL get empty"; ok=0; }
[ "$(cat one)" = x ] || { echo "FAIL get one"; ok=0; }
[ "$(sum odd.copy)" = "$(sum "$R/odd")" ] || { echo "FAIL get odd"; ok=0; }
[ "$(sum big.part)" = "$(sum "$R/big")" ] || { echo "FAIL reget"; ok=0; }
[ "$(sum "$R/up.part")" = "$(sum up.bin)" ] || { echo "FAIL reput"; ok=0; }
[ "$(readlink "$R/sym")" = newdir/moved.bin ] || { echo "FAIL ln -s"; ok=0; }
[ "$(cat "$R/tree/nl
dir/c$(printf '\xff')")" = c ] || { echo "FAIL put -r odd names"; ok=0; }
[ "$(cat "tree.back/sub dir/b")" = b ] || { echo "FAIL get -r"; ok=0; }
[ -d made ] || { echo "FAIL lmkdir"; ok=0; }
[ ! -e "$R/hard" ] && [ ! -e "$R/newdir" ] || { echo "FAIL rm/rmdir"; ok=0; }
[[ "$out" == *"Couldn't remove directory \"$R/newdir\": Failure"* ]] || { echo "FAIL rmdir of a non-empty directory"; ok=0; }
[[ "$out" == *"Remote working directory: $R"* ]] || { echo "FAIL pwd: $out"; ok=0; }
[[ "$out" == *"SFTP protocol version 3"* ]] || { echo "FAIL version"; ok=0; }
[[ "$out" == *"%Capacity"* ]] || { echo "FAIL df"; ok=0; }
[[ "$out" == *"-rw"*" one"* ]] || { echo "FAIL ls -l: $out"; ok=0; }
[[ "$out" == *"Couldn't delete file \"$R/no-such-file\": No such file"* ]] \
    || { echo "FAIL -rm message: $out"; ok=0; }
[ "$(stat -c %u:%g "$R/owned")" = 65534:65534 ] && [ "$(stat -c %u:%g "$R/owned.ln")" = 123:456 ] \
    || { echo "FAIL chown/chgrp (-h): $(stat -c %u:%g "$R/owned" "$R/owned.ln")"; ok=0; }
[[ "$out" == *"Changing owner on $R/owned"* ]] && [[ "$out" == *"Changing group on $R/owned.ln"* ]] \
    && [[ "$out" == *"You must supply a numeric argument to the chown command."* ]] \
    || { echo "FAIL chown/chgrp output: $out"; ok=0; }
[ "$ok" = 1 ] && echo "ok   batch results on disk and in the output" || FAILS=$((FAILS + 1))

# A failing command ends the batch: exit 1, later commands not run.
printf 'cd %s\nget no-such\nmkdir after-fail\n' "$R" >"$WORK/b2"
set +e
timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -b "$WORK/b2" root@127.0.0.1 >"$WORK/b2.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && [ ! -e "$R/after-fail" ] && grep -q 'File "'"$R"'/no-such" not found' "$WORK/b2.out" \
    && echo "ok   failing batch command: exit 1, batch ended" \
    || { echo "FAIL failing batch: rc=$rc $(cat "$WORK/b2.out")"; FAILS=$((FAILS + 1)); }
# get / put with no path or too many: OpenSSH's messages (ignored with '-')
out=$(printf -- '-get\n-put\n-get a b c\n-put a b c\n' |
    timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -b - root@127.0.0.1 2>&1)
for m in "get: You must specify at least one path after a get command." \
    "put: You must specify at least one path after a put command." \
    "get: Too many arguments." "put: Too many arguments."; do
    [[ "$out" == *"$m"* ]] && echo "ok   message: $m" || { echo "FAIL no \"$m\" in: $out"; FAILS=$((FAILS + 1)); }
done
# -b - reads stdin; '-' prefix ignores the failure
printf -- '-get no-such\nmkdir %s/from-stdin\n' "$R" | timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -b - root@127.0.0.1 >/dev/null 2>&1 \
    && [ -d "$R/from-stdin" ] && echo "ok   -b - with an ignored failure" \
    || { echo "FAIL -b -"; FAILS=$((FAILS + 1)); }
# destination with a file path fetches it
rm -f "$L/one"
timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" "root@127.0.0.1:$R/one" >/dev/null 2>&1 && [ "$(cat one)" = x ] \
    && echo "ok   sftp host:file fetches the file" || { echo "FAIL sftp host:file"; FAILS=$((FAILS + 1)); }

# scp both ways, -r, -p
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q up.bin "root@127.0.0.1:$R/scp-up" \
    && [ "$(sum "$R/scp-up")" = "$(sum up.bin)" ] && echo "ok   scp upload" \
    || { echo "FAIL scp upload"; FAILS=$((FAILS + 1)); }
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q "root@127.0.0.1:$R/big" big.scp \
    && [ "$(sum big.scp)" = "$(sum "$R/big")" ] && echo "ok   scp download" \
    || { echo "FAIL scp download"; FAILS=$((FAILS + 1)); }
touch -d 2001-02-03 up.bin && chmod 640 up.bin
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -p up.bin "root@127.0.0.1:$R/scp-p" \
    && [ "$(stat -c %a/%Y "$R/scp-p")" = "$(stat -c %a/%Y up.bin)" ] && echo "ok   scp -p keeps mode and time" \
    || { echo "FAIL scp -p"; FAILS=$((FAILS + 1)); }
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r tree "root@127.0.0.1:$R/scp-tree" \
    && [ "$(cat "$R/scp-tree/sub dir/b")" = b ] && echo "ok   scp -r upload" \
    || { echo "FAIL scp -r upload"; FAILS=$((FAILS + 1)); }
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r "root@127.0.0.1:$R/scp-tree" back-tree \
    && diff -r tree back-tree >/dev/null && echo "ok   scp -r download" \
    || { echo "FAIL scp -r download"; FAILS=$((FAILS + 1)); }
# -r -p of many small files (copied many at once): every file, its mode and time
mkdir -p "$L/many"
for i in $(seq 1 300); do printf "$i" >"$L/many/f$i"; done
chmod 600 "$L/many/f7" && touch -d 2002-03-04 "$L/many/f7"
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r -p many "root@127.0.0.1:$R/many" &&
    timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r -p "root@127.0.0.1:$R/many" many.back &&
    diff -r many "$R/many" && diff -r many many.back &&
    [ "$(stat -c %a/%Y "$R/many/f7")" = "$(stat -c %a/%Y many/f7)" ] &&
    [ "$(stat -c %a/%Y many.back/f7)" = "$(stat -c %a/%Y many/f7)" ] &&
    echo "ok   scp -r -p of 300 small files both ways (modes, times)" \
    || { echo "FAIL scp -r -p small files"; FAILS=$((FAILS + 1)); }
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q "root@127.0.0.1:$R/one" "root@127.0.0.1:$R/r2r" \
    && [ "$(cat "$R/r2r")" = x ] && echo "ok   scp remote to remote (through this host)" \
    || { echo "FAIL scp remote to remote"; FAILS=$((FAILS + 1)); }
set +e
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q "root@127.0.0.1:$R/nope" x.out >"$WORK/e.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "not found" "$WORK/e.out" && echo "ok   scp of a missing file: exit 1" \
    || { echo "FAIL scp missing: rc=$rc $(cat "$WORK/e.out")"; FAILS=$((FAILS + 1)); }

# sftp -D: Debian's sftp-server run directly, no SSH (put, get, ls, chown).
cat >"$WORK/bd" <<B
put up.bin direct.up
get direct.up direct.back
ls -l direct.up
chown 65534 direct.up
chmod -h 604 direct.up
B
set +e
out=$(timeout 60 "$STRATA" sftp -D "/usr/lib/openssh/sftp-server -d $R" -b "$WORK/bd" 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] && cmp -s up.bin "$R/direct.up" && cmp -s up.bin direct.back \
    && [ "$(stat -c %u/%a "$R/direct.up")" = 65534/604 ] && [[ "$out" == *"-rw"*"direct.up"* ]] \
    && echo "ok   sftp -D /usr/lib/openssh/sftp-server: a batch" \
    || { echo "FAIL sftp -D: rc=$rc $out"; FAILS=$((FAILS + 1)); }
set +e
out=$(timeout 60 "$STRATA" sftp -D "$WORK/no-such-server -x" -b "$WORK/bd" 2>&1)
rc=$?
set -e
[ "$rc" = 255 ] && [[ "$out" == *"starting command '$WORK/no-such-server -x': no such file or directory"* ]] \
    && echo "ok   sftp -D of a missing program: exit 255, named" \
    || { echo "FAIL sftp -D missing: rc=$rc $out"; FAILS=$((FAILS + 1)); }

# A server without lsetstat@openssh.com (sftp-server behind a filter that
# drops it from VERSION): chown -h fails with OpenSSH's message, plain chown
# still works.
cat >"$WORK/hide.py" <<'P'
import os, struct, subprocess, sys, threading
srv = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def up():
    while (b := os.read(0, 65536)):
        srv.stdin.write(b)
        srv.stdin.flush()
    srv.stdin.close()
threading.Thread(target=up, daemon=True).start()
def take(n):
    b = b""
    while len(b) < n:
        c = srv.stdout.read1(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b
body = take(struct.unpack(">I", take(4))[0])  # VERSION: type, version, pairs
out, i = body[:5], 5
while i < len(body):
    pair = []
    for _ in range(2):
        n = struct.unpack(">I", body[i:i + 4])[0]
        pair.append(body[i:i + 4 + n])
        i += 4 + n
    if pair[0][4:] != b"lsetstat@openssh.com":
        out += pair[0] + pair[1]
os.write(1, struct.pack(">I", len(out)) + out)
while (b := srv.stdout.read1(65536)):
    os.write(1, b)
P
printf 'chown -h 123 owned.ln\n' >"$WORK/bh"
printf 'chown 321 owned\n' >"$WORK/bh2"
set +e
out=$(timeout 60 "$STRATA" sftp -D "python3 $WORK/hide.py /usr/lib/openssh/sftp-server -d $R" -b "$WORK/bh" 2>&1)
rc=$?
out2=$(timeout 60 "$STRATA" sftp -D "python3 $WORK/hide.py /usr/lib/openssh/sftp-server -d $R" -b "$WORK/bh2" 2>&1)
rc2=$?
set -e
[ "$rc" = 1 ] && [[ "$out" == *"Server does not support lsetstat@openssh.com extension"* ]] \
    && [ "$rc2" = 0 ] && [ "$(stat -c %u "$R/owned")" = 321 ] \
    && echo "ok   chown -h without lsetstat@openssh.com: OpenSSH's error" \
    || { echo "FAIL chown -h without lsetstat: rc=$rc $out / rc=$rc2 $out2"; FAILS=$((FAILS + 1)); }

# -S program: OpenSSH's ssh (its -v banner shows it ran), and strata ssh
# behind a wrapper that records the arguments it was given.
printf 'cd %s\nput up.bin via-s\nget via-s via-s.back\n' "$R" >"$WORK/bs"
set +e
out=$(timeout 60 "$STRATA" sftp -S /usr/bin/ssh -v "${SSHO[@]}" -P "$PORT" -b "$WORK/bs" root@127.0.0.1 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] && cmp -s up.bin "$R/via-s" && cmp -s up.bin via-s.back && [[ "$out" == *"OpenSSH_"* ]] \
    && echo "ok   sftp -S /usr/bin/ssh" || { echo "FAIL sftp -S ssh: rc=$rc $out"; FAILS=$((FAILS + 1)); }
rm -f "$R/via-s"
timeout 60 "$STRATA" scp -S /usr/bin/ssh -v "${SSHO[@]}" -P "$PORT" up.bin "root@127.0.0.1:$R/via-s" >"$WORK/s.out" 2>&1 \
    && timeout 60 "$STRATA" scp -S /usr/bin/ssh "${SSHO[@]}" -P "$PORT" -q "root@127.0.0.1:$R/big" big.via-s \
    && cmp -s up.bin "$R/via-s" && cmp -s "$R/big" big.via-s && grep -q "OpenSSH_" "$WORK/s.out" \
    && echo "ok   scp -S /usr/bin/ssh both ways" \
    || { echo "FAIL scp -S ssh: $(cat "$WORK/s.out")"; FAILS=$((FAILS + 1)); }
cat >"$WORK/wrap" <<W
#!/bin/sh
printf '%s\n' "\$@" >"$WORK/wrap.args"
exec "$STRATA" ssh "\$@"
W
chmod +x "$WORK/wrap"
rm -f "$R/via-s" via-s.back
set +e
out=$(timeout 60 "$STRATA" sftp -S "$WORK/wrap" "${SSHO[@]}" -P "$PORT" -b "$WORK/bs" root@127.0.0.1 2>&1)
rc=$?
set -e
want="-oForwardX11 no
-oPermitLocalCommand no
-oClearAllForwardings yes
-oControlMaster no
-i
$WORK/id
-o
UserKnownHostsFile=$WORK/known_hosts
-o
BatchMode=yes
-F
none
-obatchmode yes
-oForwardAgent no
-oPort $PORT
-l
root
-s
--
127.0.0.1
sftp"
[ "$rc" = 0 ] && cmp -s up.bin "$R/via-s" && cmp -s up.bin via-s.back && [ "$(cat "$WORK/wrap.args")" = "$want" ] \
    && echo "ok   sftp -S wrapper of strata ssh: OpenSSH's arguments" \
    || { echo "FAIL sftp -S wrapper: rc=$rc $out; args: $(cat "$WORK/wrap.args")"; FAILS=$((FAILS + 1)); }
rm -f "$R/via-s"
want="-x
-oPermitLocalCommand=no
-oClearAllForwardings=yes
-oRemoteCommand=none
-oRequestTTY=no
-oControlMaster=no
-i
$WORK/id
-o
UserKnownHostsFile=$WORK/known_hosts
-o
BatchMode=yes
-F
none
-q
-p
$PORT
-l
root
-s
--
127.0.0.1
sftp"
timeout 60 "$STRATA" scp -S "$WORK/wrap" "${SSHO[@]}" -P "$PORT" -q up.bin "root@127.0.0.1:$R/via-s" >"$WORK/s.out" 2>&1 \
    && cmp -s up.bin "$R/via-s" && [ "$(cat "$WORK/wrap.args")" = "$want" ] \
    && echo "ok   scp -S wrapper of strata ssh: OpenSSH's arguments" \
    || { echo "FAIL scp -S wrapper: $(cat "$WORK/s.out"); args: $(cat "$WORK/wrap.args")"; FAILS=$((FAILS + 1)); }

# -l 1024 (Kbit/s: 128000 bytes a second): 256 KiB take at least 2 s, so
# each copy must take at least 1.5 s (a lower bound only: a slow machine
# never fails it; without the limit they take a fraction of a second).
head -c 262144 /dev/urandom >quarter
mkdir -p qtree
for i in $(seq 1 16); do head -c 16384 /dev/urandom >"qtree/f$i"; done
slow() { # slow NAME COMMAND...: the command succeeds and takes >= 1.5 s
    local name=$1 t0 t1
    shift
    t0=$(date +%s%N)
    if timeout 60 "$@" >"$WORK/l.out" 2>&1; then
        t1=$(date +%s%N)
        if [ $(((t1 - t0) / 1000000)) -ge 1500 ]; then
            echo "ok   $name: $(((t1 - t0) / 1000000)) ms"
            return 0
        fi
        echo "FAIL $name: only $(((t1 - t0) / 1000000)) ms"
    else
        echo "FAIL $name: $(cat "$WORK/l.out")"
    fi
    FAILS=$((FAILS + 1))
    return 1
}
slow "scp -l 1024 of 256 KiB up" "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -l 1024 quarter "root@127.0.0.1:$R/quarter" \
    && { cmp -s quarter "$R/quarter" || { echo "FAIL scp -l copy differs"; FAILS=$((FAILS + 1)); }; }
printf 'get %s/quarter quarter.back\n' "$R" >"$WORK/bl"
slow "sftp -l 1024 get of 256 KiB" "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -l 1024 -b "$WORK/bl" root@127.0.0.1 \
    && { cmp -s quarter quarter.back || { echo "FAIL sftp -l copy differs"; FAILS=$((FAILS + 1)); }; }
slow "scp -r -l 1024 of 16 files of 16 KiB up" "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r -l 1024 qtree "root@127.0.0.1:$R/qtree" \
    && { diff -r qtree "$R/qtree" >/dev/null || { echo "FAIL scp -r -l copy differs"; FAILS=$((FAILS + 1)); }; }
slow "scp -r -l 1024 of 16 files of 16 KiB down" "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -r -l 1024 "root@127.0.0.1:$R/qtree" qtree.back \
    && { diff -r qtree qtree.back >/dev/null || { echo "FAIL scp -r -l copy differs"; FAILS=$((FAILS + 1)); }; }

# The progress meter: on a terminal (script(1) gives a pty) after
# `progress`, never when stdout is not a terminal.
printf 'cd %s\nprogress\nget big big.tty\n' "$R" >"$WORK/b3"
timeout 60 script -qec "$STRATA sftp ${SSHO[*]} -P $PORT -b $WORK/b3 root@127.0.0.1" /dev/null >"$WORK/tty.out" 2>&1 || true
timeout 60 "$STRATA" sftp "${SSHO[@]}" -P "$PORT" -b "$WORK/b3" root@127.0.0.1 >"$WORK/notty.out" 2>&1 || true
grep -q "big  *100% *3.0MB" "$WORK/tty.out" && ! grep -q "100%" "$WORK/notty.out" \
    && echo "ok   progress meter on a terminal only" \
    || { echo "FAIL progress meter: $(cat "$WORK/tty.out")"; FAILS=$((FAILS + 1)); }

# A server that goes away mid-transfer: exit 1, the partial file reported.
head -c 200000000 /dev/zero >"$R/huge"
set +e
timeout 60 "$STRATA" scp "${SSHO[@]}" -P "$PORT" -q -l 80000 "root@127.0.0.1:$R/huge" huge.out >"$WORK/k.out" 2>&1 &
SCP=$!
for _ in $(seq 1 100); do [ -s huge.out ] && break; sleep 0.1; done
for p in $(pgrep -P "$SSHD_PID"); do kill -KILL "$p"; done
wait "$SCP"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "partial file" "$WORK/k.out" && echo "ok   server gone mid-transfer: exit 1, partial file reported" \
    || { echo "FAIL mid-transfer: rc=$rc $(cat "$WORK/k.out")"; FAILS=$((FAILS + 1)); }

finish
