#!/usr/bin/env bash
# strata ssh against OpenSSH's sshd: exec with exit codes and stderr kept
# apart, 64 MiB both ways checked by sha256, every user auth method
# (publickey ed25519 / ECDSA / RSA, an encrypted key, a user certificate,
# ssh-agent, password, keyboard-interactive through PAM), the failure texts,
# BatchMode, compression, -J through two sshd instances, and a server that
# drops the connection mid-transfer (exit 255, nothing hangs).
# A throw-away local user (for password and PAM) is created and removed.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
need ssh-agent
need ssh-add
need useradd

mkdir -p /run/sshd
TUSER="stratat$$"
useradd -M -d "$WORK" -s /bin/sh "$TUSER"
trap 'userdel "$TUSER" 2>/dev/null || true; cleanup' EXIT
PASS="Pw-$$-secret"
echo "$TUSER:$PASS" | chpasswd

ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
for t in ed25519 ecdsa rsa; do ssh-keygen -q -t $t -N '' -C "k_$t" -f "$WORK/k_$t"; done
ssh-keygen -q -t ed25519 -N 'the passphrase' -f "$WORK/k_enc"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_agent"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_other"
# A user CA and a certificate for a key that is not in authorized_keys.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ca"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_cert"
ssh-keygen -q -s "$WORK/ca" -I strata-test -n root -V -5m:+1h "$WORK/k_cert.pub"
cat "$WORK"/k_{ed25519,ecdsa,rsa,enc,agent}.pub >"$WORK/authorized_keys"
chmod 644 "$WORK/authorized_keys"

start_sshd() { # start_sshd NAME EXTRA_CONFIG -> sets PORT_<NAME>
    local name=$1 port
    port=$(free_port)
    cat >"$WORK/sshd_$name.conf" <<CFG
HostKey $WORK/hk
PidFile $WORK/sshd_$name.pid
AuthorizedKeysFile $WORK/authorized_keys
TrustedUserCAKeys $WORK/ca.pub
Subsystem sftp /usr/lib/openssh/sftp-server
StrictModes no
PermitRootLogin yes
ListenAddress 127.0.0.1
$2
CFG
    /usr/sbin/sshd -f "$WORK/sshd_$name.conf" -D -e -p "$port" >"$WORK/sshd_$name.log" 2>&1 &
    PIDS+=($!)
    wait_port "$port" "$!"
    echo "[127.0.0.1]:$port $(cat "$WORK/hk.pub")" >>"$WORK/known_hosts"
    eval "PORT_$name=$port; PID_$name=$!"
}
start_sshd main "UsePAM no
PasswordAuthentication yes"
start_sshd pam "UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication yes"
start_sshd jump "UsePAM no"
printf 'Authorized use only.\nstrata banner test\n' >"$WORK/banner"
start_sshd alive "UsePAM no
Banner $WORK/banner
ClientAliveInterval 1
ClientAliveCountMax 1"

cat >"$WORK/config" <<CFG
Host *
    UserKnownHostsFile $WORK/known_hosts
    IdentityFile $WORK/k_ed25519
    User root
CFG
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
S=("$STRATA" ssh -F "$WORK/config" -o BatchMode=yes -p "$PORT_main")
N=("$STRATA" ssh -F none -o UserKnownHostsFile="$WORK/known_hosts" -p "$PORT_main")

# exec: stdout, stderr and the exit status kept apart.
set +e
timeout 30 "${S[@]}" 127.0.0.1 'echo out; echo err >&2; exit 3' >"$WORK/o" 2>"$WORK/e"
rc=$?
set -e
if [ $rc -eq 3 ] && [ "$(cat "$WORK/o")" = out ] && [ "$(cat "$WORK/e")" = err ]; then
    echo "ok   exec: exit status 3, stdout and stderr apart"
else
    echo "FAIL exec: rc=$rc out=$(cat "$WORK/o") err=$(cat "$WORK/e")"
    FAILS=$((FAILS + 1))
fi
check "exec: arguments joined as ssh does" "a b c" "${S[@]}" 127.0.0.1 echo a b c
check "-n: the remote side sees EOF at once" "0
rc=0" bash -c "yes | ${S[*]} -n 127.0.0.1 'wc -c'; echo rc=\$?"
# -s: a subsystem. sftp answers SSH_FXP_INIT (version 3) with SSH_FXP_VERSION
# (type 2). stdin stays open until the answer is in (at most 30 s):
# sftp-server, like with OpenSSH's ssh, exits without answering when EOF
# comes with the request.
check "-s sftp: the subsystem answers" "02 00 00 00 03" bash -c \
    "(printf '\\000\\000\\000\\005\\001\\000\\000\\000\\003'
      for _ in \$(seq 300); do [ \$(stat -c %s $WORK/sub.out 2>/dev/null || echo 0) -ge 9 ] && break; sleep 0.1; done) |
    ${S[*]} -s 127.0.0.1 sftp >$WORK/sub.out; head -c 9 $WORK/sub.out | od -An -tx1"
check "exit status 0" "rc=0" bash -c "${S[*]} 127.0.0.1 true; echo rc=\$?"
# Without -F the default file, ~/.ssh/config, is read (removed after: the
# other checks name their file).
mkdir -p "$HOME/.ssh"
cat >"$HOME/.ssh/config" <<CFG
Host viahome
    HostName 127.0.0.1
    Port $PORT_main
    UserKnownHostsFile $WORK/known_hosts
    IdentityFile $WORK/k_ed25519
    User root
CFG
check "no -F: ~/.ssh/config read (Host alias, HostName, Port, User)" "root" \
    "$STRATA" ssh -o BatchMode=yes viahome 'id -un'
rm -f "$HOME/.ssh/config"

# 64 MiB each way, checked by sha256.
head -c 64M /dev/urandom >"$WORK/big"
want=$(sha256sum <"$WORK/big" | cut -d' ' -f1)
check "push 64 MiB into sha256sum" "$want" bash -c "${S[*]} 127.0.0.1 sha256sum <'$WORK/big'"
check "pull 64 MiB from cat" "$want" bash -c "${S[*]} 127.0.0.1 cat '$WORK/big' | sha256sum"
check "compression (-C, zlib@openssh.com after auth)" "$want" \
    bash -c "${S[*]} -C 127.0.0.1 cat '$WORK/big' | sha256sum"

# publickey with each key type; RSA signs with rsa-sha2-* (sshd refuses ssh-rsa).
for t in ed25519 ecdsa rsa; do
    check "publickey $t" "root" "${N[@]}" -o BatchMode=yes -i "$WORK/k_$t" root@127.0.0.1 'id -un'
done
check "user certificate (k_cert-cert.pub beside the key)" "root" \
    "${N[@]}" -o BatchMode=yes -i "$WORK/k_cert" root@127.0.0.1 'id -un'
grep -q "Accepted publickey for root .*ED25519-CERT" "$WORK/sshd_main.log" &&
    echo "ok   sshd saw the certificate" || { echo "FAIL sshd log has no ED25519-CERT login"; FAILS=$((FAILS + 1)); }

# An encrypted key: the passphrase comes from SSH_ASKPASS (as with OpenSSH).
printf '#!/bin/sh\necho "the passphrase"\n' >"$WORK/askpass_ok"
printf '#!/bin/sh\necho "wrong"\n' >"$WORK/askpass_bad"
printf '#!/bin/sh\necho "%s"\n' "$PASS" >"$WORK/askpass_pw"
chmod +x "$WORK"/askpass_*
check "encrypted key with its passphrase" "root" \
    env SSH_ASKPASS="$WORK/askpass_ok" SSH_ASKPASS_REQUIRE=force \
    "${N[@]}" -o PasswordAuthentication=no -i "$WORK/k_enc" root@127.0.0.1 'id -un'
check "encrypted key, wrong passphrase: a clear error" "wrong passphrase for key $WORK/k_enc" \
    bash -c "! env SSH_ASKPASS='$WORK/askpass_bad' SSH_ASKPASS_REQUIRE=force \
    ${N[*]} -i '$WORK/k_enc' -o BatchMode=no root@127.0.0.1 true 2>&1 </dev/null"

# ssh-agent holding the only usable key.
eval "$(ssh-agent -s)" >/dev/null
PIDS+=("$SSH_AGENT_PID")
ssh-add -q "$WORK/k_agent" 2>/dev/null
check "ssh-agent signs" "root" "${N[@]}" -o BatchMode=yes root@127.0.0.1 'id -un'
unset SSH_AUTH_SOCK

# Passwords and keyboard-interactive (PAM) for the throw-away user.
check "password" "$TUSER" env SSH_ASKPASS="$WORK/askpass_pw" SSH_ASKPASS_REQUIRE=force \
    "${N[@]}" "$TUSER@127.0.0.1" 'id -un'
# A wrong password is asked again (NumberOfPasswordPrompts, default 3):
# the askpass program answers wrong first, then right.
printf '#!/bin/sh\nn=$(cat "%s/pwn" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"%s/pwn"\nif [ $n -ge 2 ]; then echo "%s"; else echo wrong; fi\n' \
    "$WORK" "$WORK" "$PASS" >"$WORK/askpass_retry"
chmod +x "$WORK/askpass_retry"
rm -f "$WORK/pwn"
check "a wrong password is asked again" "$TUSER" env SSH_ASKPASS="$WORK/askpass_retry" \
    SSH_ASKPASS_REQUIRE=force "${N[@]}" -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password "$TUSER@127.0.0.1" 'id -un'
rm -f "$WORK/pwn"
check "NumberOfPasswordPrompts 1: no second try, 255" "rc=255 asked=1" bash -c \
    "env SSH_ASKPASS='$WORK/askpass_retry' SSH_ASKPASS_REQUIRE=force ${N[*]} \
     -o PubkeyAuthentication=no -o PreferredAuthentications=password \
     -o NumberOfPasswordPrompts=1 '$TUSER@127.0.0.1' true 2>/dev/null; echo rc=\$? asked=\$(cat '$WORK/pwn')"
check "keyboard-interactive through PAM" "$TUSER" \
    env SSH_ASKPASS="$WORK/askpass_pw" SSH_ASKPASS_REQUIRE=force \
    "$STRATA" ssh -F none -o UserKnownHostsFile="$WORK/known_hosts" -p "$PORT_pam" \
    "$TUSER@127.0.0.1" 'id -un'
grep -q "Accepted keyboard-interactive/pam for $TUSER" "$WORK/sshd_pam.log" &&
    echo "ok   sshd accepted keyboard-interactive/pam" ||
    { echo "FAIL no keyboard-interactive login in the sshd log"; FAILS=$((FAILS + 1)); }

# The *Authentication options and PreferredAuthentications choose the methods.
check "PasswordAuthentication=no, KbdInteractiveAuthentication=no: publickey only" \
    "Permission denied (publickey,password,keyboard-interactive)." \
    bash -c "! env SSH_ASKPASS=$WORK/askpass_pw SSH_ASKPASS_REQUIRE=force ${N[*]} \
    -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no $TUSER@127.0.0.1 true 2>&1"
check "PreferredAuthentications=password (gssapi-with-mic skipped)" "$TUSER" \
    env SSH_ASKPASS="$WORK/askpass_pw" SSH_ASKPASS_REQUIRE=force "${N[@]}" \
    -o PreferredAuthentications=gssapi-with-mic,password "$TUSER@127.0.0.1" 'id -un'

# Failures: OpenSSH's words, status 255.
check "wrong key: Permission denied, 255" "Permission denied (publickey,password,keyboard-interactive).
rc=255" bash -c "${N[*]} -o BatchMode=yes -i '$WORK/k_other' root@127.0.0.1 true 2>&1; echo rc=\$?"
check "unknown host key under BatchMode: refused, 255" "Host key verification failed." \
    bash -c "'$STRATA' ssh -F none -o BatchMode=yes -o UserKnownHostsFile=/dev/null \
    -i '$WORK/k_ed25519' -p $PORT_main root@127.0.0.1 true 2>&1; echo rc=\$?"
check "StrictHostKeyChecking=accept-new adds the key" "root" \
    "$STRATA" ssh -F none -o StrictHostKeyChecking=accept-new -o BatchMode=yes \
    -o UserKnownHostsFile="$WORK/kh_new" -i "$WORK/k_ed25519" -p "$PORT_main" root@127.0.0.1 'id -un'
grep -q "^\[127.0.0.1\]:$PORT_main ssh-ed25519 " "$WORK/kh_new" &&
    echo "ok   accept-new wrote [127.0.0.1]:$PORT_main to the known_hosts file" ||
    { echo "FAIL accept-new did not write the key"; FAILS=$((FAILS + 1)); }
check "unknown -o option names it" 'unknown option "NoSuchOption"' \
    bash -c "${S[*]} -o NoSuchOption=1 127.0.0.1 true 2>&1; echo rc=\$?"
check "connection refused: 255" "rc=255" \
    bash -c "'$STRATA' ssh -F none -p 1 root@127.0.0.1 true 2>/dev/null; echo rc=\$?"

# -J: through the jump sshd to the main one; each hop from the same config.
check "-J through a second sshd" "jumped
rc=7" bash -c "'$STRATA' ssh -F '$WORK/config' -o BatchMode=yes -J 127.0.0.1:$PORT_jump \
    -p $PORT_main 127.0.0.1 'echo jumped; exit 7'; echo rc=\$?"
grep -q "Accepted publickey for root" "$WORK/sshd_jump.log" &&
    echo "ok   the jump host saw the login" || { echo "FAIL jump host log"; FAILS=$((FAILS + 1)); }
check "-J: 64 MiB through the jump host" "$want" \
    bash -c "'$STRATA' ssh -F '$WORK/config' -o BatchMode=yes -J 127.0.0.1:$PORT_jump \
    -p $PORT_main 127.0.0.1 cat '$WORK/big' | sha256sum"

# The server's keepalives (ClientAliveInterval 1, CountMax 1) are answered:
# the session outlives several intervals. Its banner is shown, -q hides it.
check "server keepalives answered; banner shown" "strata banner test
alive" bash -c "'$STRATA' ssh -F '$WORK/config' -o BatchMode=yes -p $PORT_alive 127.0.0.1 \
    'sleep 4; echo alive' 2>&1"
check "-q hides the banner" "rc=0" bash -c "out=\$('$STRATA' ssh -q -F '$WORK/config' \
    -o BatchMode=yes -p $PORT_alive 127.0.0.1 true 2>&1); [ -z \"\$out\" ]; echo rc=\$?"

# The server drops mid-transfer: the per-connection sshd process is killed.
start=$(date +%s)
set +e
( timeout 30 "${S[@]}" 127.0.0.1 'cat /dev/zero' >/dev/null 2>"$WORK/drop.err"; echo $? >"$WORK/drop.rc" ) &
dropper=$!
for _ in $(seq 1 50); do
    kids=$(pgrep -P "$PID_main" || true)
    [ -n "$kids" ] && break
    sleep 0.1
done
sleep 0.5
for k in $kids; do kill -9 "$k" 2>/dev/null; done
wait "$dropper"
set -e
rc=$(cat "$WORK/drop.rc")
if [ "$rc" = 255 ] && [ $(($(date +%s) - start)) -lt 25 ]; then
    echo "ok   server dropped mid-transfer: 255 ($(head -c 200 "$WORK/drop.err"))"
else
    echo "FAIL server drop: rc=$rc err=$(cat "$WORK/drop.err")"
    FAILS=$((FAILS + 1))
fi

# ServerAliveInterval: keepalives every second, answered, keep the session...
check "ServerAliveInterval: answered keepalives, the session goes on" "alive" \
    "${S[@]}" -o ServerAliveInterval=1 127.0.0.1 'sleep 3; echo alive'
# ... and a server that stops answering (a relay in between is frozen with
# SIGSTOP) ends the session after 3 unanswered: 255 and OpenSSH's message.
: >"$WORK/relay.log" # exists before the background job opens it
"$STRATA" listen tcp:127.0.0.1:0 --forward "tcp:127.0.0.1:$PORT_main" 2>"$WORK/relay.log" &
relay=$!
rport=
for _ in $(seq 100); do
    rport=$(sed -n 's/^strata: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/relay.log")
    [ -n "$rport" ] && break
    sleep 0.1
done
set +e
( timeout 40 "$STRATA" ssh -F "$WORK/config" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o ServerAliveInterval=1 -p "$rport" 127.0.0.1 'echo in; sleep 60' >"$WORK/alive.out" \
    2>"$WORK/alive.err"; echo $? >"$WORK/alive.rc" ) &
waiter=$!
for _ in $(seq 100); do grep -q in "$WORK/alive.out" 2>/dev/null && break; sleep 0.1; done
start=$(date +%s)
kill -STOP "$relay"
wait "$waiter"
kill -CONT "$relay"
kill "$relay"
wait "$relay" 2>/dev/null
set -e
rc=$(cat "$WORK/alive.rc")
took=$(($(date +%s) - start))
if [ "$rc" = 255 ] && grep -q "Timeout, server 127.0.0.1 not responding." "$WORK/alive.err" &&
    [ "$took" -ge 2 ] && [ "$took" -lt 20 ]; then
    echo "ok   ServerAliveInterval: unresponsive server ends the session in ${took}s: 255"
else
    echo "FAIL ServerAliveInterval: rc=$rc took=${took}s err=$(cat "$WORK/alive.err")"
    FAILS=$((FAILS + 1))
fi
# ---- Options whose effect is seen in a LogLevel DEBUG sshd's log. ----
start_sshd dbg "UsePAM no
LogLevel DEBUG"
D=("$STRATA" ssh -F "$WORK/config" -o BatchMode=yes -p "$PORT_dbg")
mark() { wc -l <"$WORK/sshd_dbg.log"; }
since() { tail -n +"$(($1 + 1))" "$WORK/sshd_dbg.log"; }
logcheck() { # logcheck NAME MARK PATTERN: the dbg sshd logged PATTERN after MARK
    # The privilege-separated child's lines may land a moment later.
    for _ in $(seq 30); do since "$2" | grep -E "$3" >/dev/null && break; sleep 0.1; done
    if since "$2" | grep -E "$3" >/dev/null; then echo "ok   $1"; else
        echo "FAIL $1: no '$3' in the sshd log (mark $2 of $(mark) lines):"
        since "$2" | tail -40
        FAILS=$((FAILS + 1)); fi
}

check "-l USER logs in as USER" "$TUSER" env SSH_ASKPASS="$WORK/askpass_pw" \
    SSH_ASKPASS_REQUIRE=force "${N[@]}" -l "$TUSER" 127.0.0.1 'id -un'
check "-t, stdin not a terminal: no pty, OpenSSH's notice" \
    "Pseudo-terminal will not be allocated because stdin is not a terminal.
not a tty" bash -c "${S[*]} -t 127.0.0.1 tty </dev/null 2>&1; true"
check "-tt: a pty even with stdin not a terminal" "/dev/pts/" \
    bash -c "${S[*]} -tt 127.0.0.1 tty </dev/null"
check "-T: no pty" "not a tty" bash -c "${S[*]} -T 127.0.0.1 tty </dev/null; true"
check "-v: the negotiated algorithms on stderr" "debug1: kex: client->server cipher: aes256-ctr MAC: hmac-sha2-512 compression: none" \
    bash -c "${S[*]} -v -c aes256-ctr -m hmac-sha2-512 127.0.0.1 true 2>&1 >/dev/null"
check "without -v: nothing on stderr" "rc=0" bash -c "out=\$(${S[*]} 127.0.0.1 true 2>&1); \
    [ -z \"\$out\" ]; echo rc=\$?"

m=$(mark)
check "-c aes256-ctr -m hmac-sha2-512" "rc=0" bash -c \
    "${D[*]} -c aes256-ctr -m hmac-sha2-512 127.0.0.1 true; echo rc=\$?"
logcheck "-c/-m: sshd negotiated aes256-ctr with hmac-sha2-512" "$m" \
    "kex: client->server cipher: aes256-ctr MAC: hmac-sha2-512 "
check "-c no-such-cipher: a clear error, 255" "rc=255" bash -c \
    "${D[*]} -c no-such-cipher 127.0.0.1 true 2>&1; echo rc=\$?"
check "-c no-such-cipher: the cipher is named" "no-such-cipher" bash -c \
    "${D[*]} -c no-such-cipher 127.0.0.1 true 2>&1; true"

cat >"$WORK/config_alg" <<CFG
Host *
    Ciphers aes192-ctr
    MACs hmac-sha2-256-etm@openssh.com
    KexAlgorithms diffie-hellman-group14-sha256
    HostKeyAlgorithms ssh-ed25519
    Compression yes
    UserKnownHostsFile $WORK/known_hosts
    IdentityFile $WORK/k_ed25519
    User root
CFG
m=$(mark)
check "Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms, Compression from -F" "root" \
    "$STRATA" ssh -F "$WORK/config_alg" -o BatchMode=yes -p "$PORT_dbg" 127.0.0.1 'id -un'
logcheck "config Ciphers/MACs/Compression: aes192-ctr, hmac-sha2-256-etm, zlib" "$m" \
    "kex: client->server cipher: aes192-ctr MAC: hmac-sha2-256-etm@openssh.com compression: zlib@openssh.com"
logcheck "config KexAlgorithms: diffie-hellman-group14-sha256" "$m" \
    "kex: algorithm: diffie-hellman-group14-sha256"
logcheck "config HostKeyAlgorithms: ssh-ed25519" "$m" "kex: host key algorithm: ssh-ed25519"
m=$(mark)
check "config HostKeyAlgorithms the server lacks: refused, 255" "rc=255" bash -c \
    "'$STRATA' ssh -F '$WORK/config_alg' -o HostKeyAlgorithms=ecdsa-sha2-nistp256 \
    -o BatchMode=yes -p $PORT_dbg 127.0.0.1 true 2>&1; echo rc=\$?"
logcheck "sshd saw only ecdsa-sha2-nistp256 offered" "$m" \
    "no matching host key type found. Their offer: ecdsa-sha2-nistp256( |$)"
m=$(mark)
check "config Ciphers without the server's: refused" "rc=255" bash -c \
    "'$STRATA' ssh -F '$WORK/config_alg' -o Ciphers=3des-cbc -p $PORT_dbg \
    -o BatchMode=yes 127.0.0.1 true 2>&1; echo rc=\$?"

# RekeyLimit 1M with 8 MiB pulled: several key exchanges after the first.
head -c 8M /dev/urandom >"$WORK/mid"
want8=$(sha256sum <"$WORK/mid" | cut -d' ' -f1)
m=$(mark)
check "RekeyLimit 1M: 8 MiB intact" "$want8" bash -c \
    "${D[*]} -o 'RekeyLimit=1M' 127.0.0.1 cat '$WORK/mid' | sha256sum"
sleep 1
n=$(since "$m" | grep -c "SSH2_MSG_NEWKEYS received" || true)
if [ "$n" -ge 4 ]; then echo "ok   RekeyLimit 1M: $n key exchanges in the sshd log"; else
    echo "FAIL RekeyLimit 1M: $n key exchanges"; FAILS=$((FAILS + 1)); fi
m=$(mark)
"${D[@]}" 127.0.0.1 cat "$WORK/mid" >/dev/null 2>&1
sleep 1
n=$(since "$m" | grep -c "SSH2_MSG_NEWKEYS received" || true)
if [ "$n" -le 2 ]; then echo "ok   without RekeyLimit: $n key exchange(s)"; else
    echo "FAIL without RekeyLimit: $n key exchanges"; FAILS=$((FAILS + 1)); fi
# RekeyLimit's time: a quiet session of 5 s with a 2 s limit rekeys on time.
m=$(mark)
check "RekeyLimit default 2: the session ends well" "done" bash -c \
    "${D[*]} -o 'RekeyLimit=default 2' 127.0.0.1 'sleep 5; echo done'"
sleep 1
n=$(since "$m" | grep -c "SSH2_MSG_NEWKEYS received" || true)
if [ "$n" -ge 3 ]; then echo "ok   RekeyLimit time 2 s: $n key exchanges in 5 s"; else
    echo "FAIL RekeyLimit time 2 s: $n key exchange(s) in 5 s"; FAILS=$((FAILS + 1)); fi

# ProxyJump from the config file: through the dbg sshd (direct-tcpip there).
cat >"$WORK/config_pj" <<CFG
Host target
    HostName 127.0.0.1
    Port $PORT_main
    ProxyJump 127.0.0.1:$PORT_dbg
Host *
    UserKnownHostsFile $WORK/known_hosts
    IdentityFile $WORK/k_ed25519
    User root
CFG
m=$(mark)
check "ProxyJump from the config file" "jumped" \
    "$STRATA" ssh -F "$WORK/config_pj" -o BatchMode=yes target 'echo jumped'
logcheck "ProxyJump: the jump host opened direct-tcpip" "$m" "ctype direct-tcpip"

# IdentitiesOnly / IdentityAgent: the agent holds the only authorized key
# (k_agent); the file's key (k_other) is not authorized.
eval "$(ssh-agent -s)" >/dev/null
PIDS+=("$SSH_AGENT_PID")
ssh-add -q "$WORK/k_agent" 2>/dev/null
A=("$STRATA" ssh -F none -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes
    -p "$PORT_main" -i "$WORK/k_other")
check "agent key used beside -i" "root" "${A[@]}" root@127.0.0.1 'id -un'
check "IdentitiesOnly yes: the agent's key is not offered" "Permission denied" \
    bash -c "! ${A[*]} -o IdentitiesOnly=yes root@127.0.0.1 true 2>&1"
check "IdentityAgent none: the agent is not used" "Permission denied" \
    bash -c "! ${A[*]} -o IdentityAgent=none root@127.0.0.1 true 2>&1"
sock=$SSH_AUTH_SOCK
unset SSH_AUTH_SOCK
check "IdentityAgent PATH: that agent is used (no SSH_AUTH_SOCK)" "root" \
    "${A[@]}" -o IdentityAgent="$sock" root@127.0.0.1 'id -un'
check "no SSH_AUTH_SOCK, no IdentityAgent: no agent" "Permission denied" \
    bash -c "! ${A[*]} root@127.0.0.1 true 2>&1"

# LogLevel: QUIET silences warnings, DEBUG prints the progress lines.
check "without LogLevel: the missing identity file warned about" "Warning: Identity file" \
    bash -c "${S[*]} -i '$WORK/nonexistent' 127.0.0.1 true 2>&1"
check "LogLevel QUIET: no warning" "rc=0" bash -c "out=\$(${S[*]} -o LogLevel=QUIET \
    -i '$WORK/nonexistent' 127.0.0.1 true 2>&1); [ -z \"\$out\" ]; echo rc=\$?"
check "LogLevel DEBUG: progress lines" "debug1: kex: algorithm:" \
    bash -c "${S[*]} -o LogLevel=DEBUG 127.0.0.1 true 2>&1 >/dev/null"
check "LogLevel INFO: no progress lines" "rc=0" bash -c "out=\$(${S[*]} -o LogLevel=INFO \
    127.0.0.1 true 2>&1); [ -z \"\$out\" ]; echo rc=\$?"

# ConnectTimeout: a listener whose accept queue is full never completes the
# handshake; ConnectTimeout=1 ends the attempt in about a second.
python3 -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
print(l.getsockname()[1], flush=True)
cs = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(l.getsockname()); cs.append(c)
time.sleep(60)' >"$WORK/full.port" &
full=$!
PIDS+=("$full")
for _ in $(seq 50); do [ -s "$WORK/full.port" ] && break; sleep 0.1; done
sleep 0.5
fport=$(cat "$WORK/full.port")
start=$(date +%s%N)
set +e
out=$(timeout 20 "$STRATA" ssh -F none -o BatchMode=yes -o ConnectTimeout=1 -p "$fport" \
    root@127.0.0.1 true 2>&1)
rc=$?
set -e
took=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" = 255 ] && [ "$took" -lt 3500 ] && [[ "$out" == *"timed out"* ]]; then
    echo "ok   ConnectTimeout=1: gave up after ${took} ms: $out"
else
    echo "FAIL ConnectTimeout=1: rc=$rc took=${took} ms out=$out"
    FAILS=$((FAILS + 1))
fi
# Password and passphrase prompts on a terminal (tmux pane, no SSH_ASKPASS):
# the prompt is shown, the typed secret is not echoed, the login succeeds.
need tmux
TM=(tmux -S "$WORK/tmux.sock" -f /dev/null)
trap '"${TM[@]}" kill-server 2>/dev/null || true; userdel "$TUSER" 2>/dev/null || true; cleanup' EXIT
pane_has() { # pane_has NAME TEXT: until the pane shows TEXT (bounded)
    for _ in $(seq 1 100); do
        "${TM[@]}" capture-pane -p -t "$1" | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    return 1
}
tty_prompt() { # tty_prompt NAME PROMPT SECRET WANT STRATA-ARGS...
    local name=$1 prompt=$2 secret=$3 want=$4
    shift 4
    printf 'env -u SSH_ASKPASS -u DISPLAY %s; echo "rc=$?"; sleep 30\n' "$*" >"$WORK/$name.sh"
    "${TM[@]}" new-session -d -s "$name" -x 150 -y 30 "sh $WORK/$name.sh"
    if ! pane_has "$name" "$prompt"; then
        echo "FAIL $name: no prompt: $("${TM[@]}" capture-pane -p -t "$name")"
        FAILS=$((FAILS + 1))
        return
    fi
    "${TM[@]}" send-keys -t "$name" -l "$secret"
    "${TM[@]}" send-keys -t "$name" Enter
    local pane
    pane_has "$name" "rc=" || true
    pane=$("${TM[@]}" capture-pane -p -t "$name")
    if [[ "$pane" == *"$want"* && "$pane" == *"rc=0"* && "$pane" != *"$secret"* ]]; then
        echo "ok   $name: prompt on the terminal, secret not echoed"
    else
        echo "FAIL $name: $pane"
        FAILS=$((FAILS + 1))
    fi
}
tty_prompt pwprompt "$TUSER@127.0.0.1's password:" "$PASS" "LOGGED-IN-$TUSER" \
    "${N[@]}" -o PreferredAuthentications=password "$TUSER@127.0.0.1" \
    "'echo LOGGED-IN-\$(id -un)'"
tty_prompt ppprompt "Enter passphrase for key '$WORK/k_enc':" "the passphrase" "LOGGED-IN-root" \
    "${N[@]}" -o PasswordAuthentication=no -i "$WORK/k_enc" root@127.0.0.1 \
    "'echo LOGGED-IN-\$(id -un)'"
finish
