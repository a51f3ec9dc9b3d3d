#!/usr/bin/env bash
# Tools that call ssh, with strata ssh in its place, against OpenSSH's sshd:
# rsync -e, git (GIT_SSH_COMMAND: git's ssh variant, which passes
# -o SendEnv=GIT_PROTOCOL), scp -S and sftp -S (through a wrapper: they take
# a program name and pass OpenSSH's own options: -oForwardX11 no,
# -oPermitLocalCommand=no, -oClearAllForwardings=yes, ...), and OpenSSH's
# ssh with ProxyCommand 'strata ssh -W %h:%p'.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen
need rsync
need git
need scp
need sftp

root_sshd_with_echo "Subsystem sftp $(sftp_server_of "$SSHD")"
mkdir -p "$HOME/.ssh"
cat >"$HOME/.ssh/config" <<CFG
Host target
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts
    BatchMode yes
CFG
cat >"$WORK/strata-ssh" <<SH
#!/bin/sh
exec "$STRATA" ssh "\$@"
SH
chmod +x "$WORK/strata-ssh"

# A tree with odd names and a binary file.
mkdir -p "$WORK/src/sub dir"
head -c 300000 /dev/urandom >"$WORK/src/blob"
echo hello >"$WORK/src/sub dir/a file"
sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
want=$(sum "$WORK/src")

check "rsync -e 'strata ssh'" "$want" bash -c \
    "rsync -a -e '$STRATA ssh' '$WORK/src/' target:'$WORK/dst_rsync/' && cd '$WORK' && $(declare -f sum); sum '$WORK/dst_rsync'"

git init -q --bare "$WORK/repo.git"
git -C "$WORK/repo.git" config receive.denyCurrentBranch ignore
check "git clone with GIT_SSH_COMMAND='strata ssh'" "cloned" bash -c \
    "GIT_SSH_COMMAND='$STRATA ssh' git clone -q target:'$WORK/repo.git' '$WORK/clone' 2>&1 && echo cloned"
check "git push through strata ssh" "pushed" bash -c "cd '$WORK/clone' && echo x >f &&
    git add f && git -c user.name=t -c user.email=t@t commit -qm m &&
    GIT_SSH_COMMAND='$STRATA ssh' git push -q origin HEAD:main 2>&1 && echo pushed"
check "... and the server has the commit" "m" git -C "$WORK/repo.git" log --format=%s main

check "scp -S strata-ssh (SFTP mode): a file up" "ok" bash -c \
    "scp -q -S '$WORK/strata-ssh' '$WORK/src/blob' target:'$WORK/blob.up' && cmp '$WORK/src/blob' '$WORK/blob.up' && echo ok"
check "scp -S strata-ssh -r: a tree down" "$want" bash -c \
    "scp -q -r -S '$WORK/strata-ssh' target:'$WORK/src' '$WORK/dst_scp' && $(declare -f sum); sum '$WORK/dst_scp'"
check "sftp -S strata-ssh -b: put and ls" "blob.sftp" bash -c \
    "printf 'put %s %s\nls %s\n' '$WORK/src/blob' '$WORK/blob.sftp' '$WORK' | sftp -q -S '$WORK/strata-ssh' -b - target"
check "... the file arrived whole" "same" bash -c "cmp '$WORK/src/blob' '$WORK/blob.sftp' && echo same"

check "OpenSSH ssh with ProxyCommand 'strata ssh -W %h:%p'" "through the proxy" \
    ssh -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes \
    -o ProxyCommand="$STRATA ssh -W %h:%p target" -p "$PORT" root@127.0.0.1 'echo through the proxy'
finish
