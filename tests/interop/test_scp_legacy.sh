#!/usr/bin/env bash
# strata scp -O (the legacy scp protocol: the remote runs scp -t / scp -f over
# an exec channel) against a throw-away sshd on 127.0.0.1, once Debian 12's
# (its scp 9.2 on the far side) and once OpenSSH 10.5's (its own scp): files
# of 0 B, 1 B, an odd size and 3 MiB both ways checked by cmp, -r of a tree
# with odd names (spaces, a newline, a non-UTF-8 byte) both ways, -p modes and
# times both ways, a missing remote file (OpenSSH's message, exit 1), remote
# to remote through this host; then a hostile server (ForceCommand running a
# fake scp) sending ../evil, /abs/path, a name not asked for, an oversized
# size, a bad mode and a directory without -r: each refused with its message,
# exit 1, nothing written outside the target (nor in it).
. "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0"

root_sshd main ""
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
SSHO=(-O -q -i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -F none -P "$PORT")
H=root@127.0.0.1
R="$WORK/remote"
L="$WORK/local"
mkdir -p "$R/up" "$L/down"
cd "$L"

ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; FAILS=$((FAILS + 1)); }
scp_o() { timeout 60 "$STRATA" scp "${SSHO[@]}" "$@"; }

: >empty
printf x >one
head -c 300007 /dev/urandom >odd
head -c 3145728 /dev/urandom >big
cp empty one odd big "$R/"

# Upload: four sources over one channel into a remote directory.
if scp_o empty one odd big "$H:$R/up" && cmp empty "$R/up/empty" && cmp one "$R/up/one" &&
    cmp odd "$R/up/odd" && cmp big "$R/up/big"; then
    ok "upload 0 B, 1 B, 300007 B, 3 MiB (cmp)"
else bad "upload"; fi

# Download: each to a file name, then several into a directory.
rc=0
for f in empty one odd big; do
    scp_o "$H:$R/$f" "got-$f" && cmp "$R/$f" "got-$f" || rc=1
done
[ $rc = 0 ] && ok "download 0 B, 1 B, 300007 B, 3 MiB (cmp)" || bad "download"
if scp_o "$H:$R/one" "$H:$R/odd" down && cmp one down/one && cmp odd down/odd; then
    ok "download of two sources into a directory"
else bad "download into a directory"; fi

# -r of a tree with odd names, both ways.
mkdir -p "tree/sub dir" tree/emptydir "tree/odd$(printf '\xff')"
printf a >"tree/a file"
printf b >"tree/sub dir/b"
printf c >"tree/odd$(printf '\xff')/c$(printf '\xfe') d"
head -c 70000 /dev/urandom >"tree/sub dir/bin"
if scp_o -r tree "$H:$R/tree-up" && diff -r tree "$R/tree-up" >/dev/null; then
    ok "-r upload of a tree with spaces and non-UTF-8 bytes in names"
else bad "-r upload"; fi
# A newline cannot travel in a record: that entry is reported (to the remote
# too), the rest is copied, exit 1.
mkdir -p "nltree/nl
dir" && printf n >nltree/fine
set +e
scp_o -r nltree "$H:$R/nltree" >"$WORK/nl.out" 2>&1
rc=$?
set -e
if [ $rc = 1 ] && grep -qxF 'nltree/nl\012dir: a name with a newline cannot be sent by the scp protocol' "$WORK/nl.out" &&
    [ "$(cat "$R/nltree/fine")" = n ] && [ "$(ls "$R/nltree")" = fine ]; then
    ok "-r upload of a name with a newline: reported, the rest copied, exit 1"
else bad "newline name: rc=$rc $(cat "$WORK/nl.out")"; fi
if scp_o -r "$H:$R/tree-up" tree-back && diff -r tree tree-back >/dev/null; then
    ok "-r download of the same tree"
else bad "-r download"; fi

# -p: modes and times both ways (a directory's too).
chmod 640 odd
touch -d '2001-02-03 04:05:06' odd
mkdir -p ptree && printf p >ptree/f && chmod 751 ptree && touch -d '2002-03-04 05:06:07' ptree/f ptree
if scp_o -p odd "$H:$R/p-up" && [ "$(stat -c %a/%Y "$R/p-up")" = "$(stat -c %a/%Y odd)" ]; then
    ok "-p upload keeps mode 640 and mtime"
else bad "-p upload: $(stat -c %a/%Y "$R/p-up" 2>&1) vs $(stat -c %a/%Y odd)"; fi
chmod 604 "$R/p-up"
touch -d '2003-04-05 06:07:08' "$R/p-up"
if scp_o -p "$H:$R/p-up" p-down && [ "$(stat -c %a/%Y p-down)" = "$(stat -c %a/%Y "$R/p-up")" ]; then
    ok "-p download keeps mode 604 and mtime"
else bad "-p download: $(stat -c %a/%Y p-down 2>&1) vs $(stat -c %a/%Y "$R/p-up")"; fi
if scp_o -r -p ptree "$H:$R/ptree" && scp_o -r -p "$H:$R/ptree" ptree-back &&
    [ "$(stat -c %a/%Y ptree-back ptree-back/f)" = "$(stat -c %a/%Y ptree ptree/f)" ]; then
    ok "-r -p keeps a directory's mode and mtime both ways"
else bad "-r -p: $(stat -c %a/%Y ptree-back ptree-back/f 2>&1 | tr '\n' ' ')"; fi

# The remote shell sees the path: a quoted name with a space comes back
# unquoted and passes the name check; a remote wildcard fetches its matches.
if scp_o "$H:'$R/tree-up/a file'" quoted && [ "$(cat quoted)" = a ] &&
    mkdir -p globbed && scp_o "$H:$R/up/o*" globbed && [ "$(ls globbed | tr '\n' ' ')" = "odd one " ]; then
    ok "a quoted remote name with a space; a remote wildcard (odd, one)"
else bad "quoted / wildcard: $(ls globbed 2>&1)"; fi

# A missing remote file: OpenSSH's message, exit 1, nothing made.
set +e
scp_o "$H:$R/nope" nope.out >"$WORK/e.out" 2>&1
rc=$?
set -e
if [ $rc = 1 ] && grep -qx "scp: $R/nope: No such file or directory" "$WORK/e.out" && [ ! -e nope.out ]; then
    ok "missing remote file: exit 1 with 'scp: $R/nope: No such file or directory'"
else bad "missing file: rc=$rc $(cat "$WORK/e.out")"; fi

# A directory without -r, a missing local file: refused, exit 1.
set +e
scp_o tree "$H:$R/no-r" >"$WORK/d.out" 2>&1
rc=$?
set -e
if [ $rc = 1 ] && grep -q "tree: not a regular file" "$WORK/d.out" && [ ! -e "$R/no-r" ]; then
    ok "a local directory without -r: 'not a regular file', exit 1"
else bad "dir without -r: rc=$rc $(cat "$WORK/d.out")"; fi

# The progress meter: on a terminal (script(1)) both ways, none with -q.
SSHT=("${SSHO[@]:1}")
SSHT=("${SSHT[@]/-q/}")
timeout 60 script -qec "$STRATA scp -O ${SSHT[*]} big $H:$R/meter-up && $STRATA scp -O ${SSHT[*]} $H:$R/big meter-down" /dev/null >"$WORK/tty.out" 2>&1 || true
timeout 60 script -qec "$STRATA scp -O -q ${SSHT[*]} big $H:$R/meter-q" /dev/null >"$WORK/ttyq.out" 2>&1 || true
if [ "$(grep -c "big  *100% *3.0MB" "$WORK/tty.out")" = 2 ] && ! grep -q "100%" "$WORK/ttyq.out" && cmp big meter-down; then
    ok "progress meter on a terminal both ways (\"big 100% 3.0MB\"), none with -q"
else bad "meter: $(tr '\r' '\n' <"$WORK/tty.out" | tail -3)"; fi

# -l 400 (Kbit/s = 50000 B/s): 100000 B take at least 1.5 s each way (a
# lower bound only: it fails when the limit is ignored).
head -c 100000 /dev/urandom >paced
t0=$(date +%s%N) t1=0 t2=0
scp_o -l 400 paced "$H:$R/paced" && t1=$(date +%s%N) && scp_o -l 400 "$H:$R/paced" paced.back && t2=$(date +%s%N)
if cmp paced paced.back && [ $(((t1 - t0) / 1000000)) -ge 1500 ] && [ $(((t2 - t1) / 1000000)) -ge 1500 ]; then
    ok "-l 400: 100000 B up and down each take at least 1.5 s"
else bad "-l: $(((t1 - t0) / 1000000)) ms up, $(((t2 - t1) / 1000000)) ms down"; fi

# Remote to remote, through this host.
if scp_o "$H:$R/odd" "$H:$R/r2r" && cmp odd "$R/r2r"; then
    ok "remote to remote through this host"
else bad "remote to remote"; fi

# A hostile server: every command runs a fake scp that answers the request
# for NAME with the record of that case.
kill "$SSHD_PID" 2>/dev/null || true
mkdir -p "$WORK/outside"
cat >"$WORK/fakescp" <<EOF
#!/bin/sh
case "\$SSH_ORIGINAL_COMMAND" in
*dotdot) rec='C0644 3 ../evil' ;;
*abs) rec='C0644 3 $WORK/outside/abs' ;;
*wrongname) rec='C0644 3 other' ;;
*hugesize) rec='C0644 99999999999999999999 hugesize' ;;
*badmode) rec='C06x4 3 badmode' ;;
*suid) rec='C14755 3 suid' ;;
*adir) rec='D0755 0 adir' ;;
*) rec='hello' ;;
esac
head -c 1 >/dev/null
case "\$SSH_ORIGINAL_COMMAND" in
*nested) printf 'D0755 0 sub\n'; head -c 1 >/dev/null; rec='C0644 3 ../../evil' ;;
*short) printf 'C0644 1000 short\n'; head -c 1 >/dev/null; printf 0123456789; exit 0 ;;
esac
printf '%s\nabc\000' "\$rec"
head -c 1 >/dev/null
exit 0
EOF
chmod 755 "$WORK/fakescp"
root_sshd hostile "ForceCommand $WORK/fakescp"
SSHO=(-O -q -i "$WORK/id" -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -F none -P "$PORT")
mkdir -p hostile/target
hostile() { # hostile CASE MESSAGE
    set +e
    scp_o "$H:/srv/$1" hostile/target >"$WORK/h.out" 2>&1
    local rc=$?
    set -e
    if [ $rc = 1 ] && grep -qxF "$2" "$WORK/h.out" && [ -z "$(ls -A hostile/target)" ] &&
        [ ! -e hostile/evil ] && [ ! -e evil ] && [ -z "$(ls -A "$WORK/outside")" ]; then
        ok "hostile server, $1: refused with '$2', exit 1, nothing written"
    else
        bad "hostile $1: rc=$rc $(cat "$WORK/h.out"); target: $(ls -A hostile/target "$WORK/outside")"
    fi
}
hostile dotdot "protocol error: unexpected filename \"../evil\" (a name must not hold '/')"
hostile abs "protocol error: unexpected filename \"$WORK/outside/abs\" (a name must not hold '/')"
hostile wrongname "protocol error: filename \"other\" does not match request \"wrongname\""
hostile hugesize "protocol error: size out of range"
hostile badmode "protocol error: bad mode \"06x4\""
hostile suid "protocol error: mode not delimited"
hostile adir "protocol error: received directory without -r"
hostile junk 'protocol error: expected control record, got "hello"'
# With -r, inside a directory the server made: still refused, only the
# (empty) directory exists, inside the target.
set +e
scp_o -r "$H:/srv/nested" hostile/target >"$WORK/h.out" 2>&1
rc=$?
set -e
if [ $rc = 1 ] && grep -qxF "protocol error: unexpected filename \"../../evil\" (a name must not hold '/')" "$WORK/h.out" &&
    [ "$(find hostile -mindepth 1 | sort | tr '\n' ' ')" = "hostile/target hostile/target/sub " ] && [ ! -e evil ] && [ ! -e "$L/../evil" ]; then
    ok "hostile server, -r: ../../evil inside a directory refused, exit 1, only that empty directory made"
else bad "hostile nested: rc=$rc $(cat "$WORK/h.out"); $(find hostile)"; fi
rmdir hostile/target/sub

# A server gone mid-file: what was cut short is said, the partial file
# reported, exit 1.
set +e
scp_o "$H:/srv/short" hostile/target >"$WORK/h.out" 2>&1
rc=$?
set -e
if [ $rc = 1 ] && grep -qxF 'lost connection: 10 of 1000 bytes of "short" received' "$WORK/h.out" &&
    grep -qxF 'partial file "hostile/target/short": 10 bytes received' "$WORK/h.out" &&
    [ "$(cat hostile/target/short)" = 0123456789 ]; then
    ok "a server gone mid-file: 'lost connection: 10 of 1000 bytes', partial file reported, exit 1"
else bad "short: rc=$rc $(cat "$WORK/h.out")"; fi
rm -f hostile/target/short

# -T lifts the name check only: the wrong name is then written inside the target.
if scp_o -T "$H:/srv/wrongname" hostile/target 2>/dev/null && [ "$(cat hostile/target/other)" = abc ]; then
    ok "-T: a name other than the one asked for is accepted (inside the target)"
else bad "-T"; fi

finish
