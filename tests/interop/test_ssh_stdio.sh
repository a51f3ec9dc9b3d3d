#!/usr/bin/env bash
# strata ssh's stdin and stdout of every kind against OpenSSH's sshd (issue
# 17: stdout written from the loop, no thread hand-off):
# - a pipe whose reader is slow (`| (sleep 1; sha256sum)`): the writes meet
#   a full pipe (EAGAIN, partial writes) and every byte still arrives;
# - a regular file, new and appended to (`>`, `>>`), and /dev/null;
# - /dev/full: the write error ends the session with its message, exit 255;
# - a reader that stops early (`| head -c 1000`): EPIPE ends the session at
#   once with "writing stdout: broken pipe", exit 255, never SIGPIPE;
# - stdin a regular file (`< file`) and /dev/null.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
root_sshd main ""
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
O=("$STRATA" ssh -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes
   -p "$PORT")
S=("${O[@]}" root@127.0.0.1)

head -c 32M /dev/urandom >"$WORK/big"
want=$(sha256sum <"$WORK/big" | cut -d' ' -f1)
for c in aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr; do
    check "$c: pull 32 MiB into a slow pipe reader" "$want" \
        bash -c "${O[*]} -c $c root@127.0.0.1 cat '$WORK/big' | (sleep 1; sha256sum)"
done
check "pull 32 MiB into a regular file" "$want" \
    bash -c "${S[*]} cat '$WORK/big' >'$WORK/out' && sha256sum <'$WORK/out'"
printf 'head\n' >"$WORK/app"
check "pull appended to a regular file" "$(printf 'head\nappended\n' | sha256sum | cut -d' ' -f1)" \
    bash -c "${S[*]} echo appended >>'$WORK/app' && sha256sum <'$WORK/app'"
check "pull 32 MiB into /dev/null: exit 0, nothing said" "rc=0 err=" \
    bash -c "${S[*]} cat '$WORK/big' >/dev/null 2>'$WORK/err'; echo \"rc=\$? err=\$(cat '$WORK/err')\""
check "stdout /dev/full: the write error, exit 255" \
    "rc=255 err=strata: writing stdout: no space left on device" \
    bash -c "${S[*]} cat '$WORK/big' >/dev/full 2>'$WORK/err'; echo \"rc=\$? err=\$(cat '$WORK/err')\""
check "stdout closed early (EPIPE): broken pipe, exit 255" \
    "n=1000 rc=255 err=strata: writing stdout: broken pipe" \
    bash -c "${S[*]} cat '$WORK/big' 2>'$WORK/err' | head -c 1000 >'$WORK/n';
             echo \"n=\$(wc -c <'$WORK/n') rc=\${PIPESTATUS[0]} err=\$(cat '$WORK/err')\""
check "push 32 MiB from a regular file" "$want" bash -c "${S[*]} sha256sum <'$WORK/big'"
check "stdin /dev/null" "bytes=0" bash -c "${S[*]} 'echo bytes=\$(wc -c)' </dev/null"
finish
