#!/usr/bin/env bash
# strata ssh's OpenSSH-compatible configuration and command line: -Q lists
# from the transport's tables, -G against OpenSSH 10.5's ssh -G for the same
# config, options after the destination, "--", --help, Match exec through
# the shell, and Debian's ssh_config body plus a typical ~/.ssh/config (with
# keywords strata ignores) connecting to a throw-away sshd.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen
OSSH=/var/cache/strata-peers/openssh-V_10_5_P1/bin/ssh
[ -x "$OSSH" ] || { echo "FAIL: $OSSH not built (scripts/peers.sh)"; exit 1; }

check "-Q kex" "mlkem768x25519-sha256" "$STRATA" ssh -Q kex
check "-Q cipher" "chacha20-poly1305@openssh.com" "$STRATA" ssh -Q cipher
check "-Q mac" "hmac-sha2-256-etm@openssh.com" "$STRATA" ssh -Q mac
check "-Q key" "ssh-ed25519-cert-v01@openssh.com" "$STRATA" ssh -Q key
check "-Q key-sig" "rsa-sha2-512" "$STRATA" ssh -Q key-sig
if "$STRATA" ssh -Q nonsense >/dev/null 2>&1; then
    echo "FAIL -Q nonsense succeeded"; FAILS=$((FAILS + 1))
else echo "ok   -Q nonsense fails"; fi
# Every kex strata lists is one OpenSSH knows.
bad=$(comm -23 <("$STRATA" ssh -Q kex | sort) <("$OSSH" -Q kex | sort))
[ -z "$bad" ] && echo "ok   -Q kex names are OpenSSH's" || { echo "FAIL -Q kex: $bad"; FAILS=$((FAILS + 1)); }

export HOME="$WORK/home"
mkdir -p "$HOME/.ssh"
unset SSH_AUTH_SOCK
cat >"$WORK/g.conf" <<'CFG'
Host web1
  HostName web1.example.org
  User bob
  Port 2200
  BatchMode yes
  Compression yes
  ControlMaster auto
  ExitOnForwardFailure yes
  HashKnownHosts yes
  IdentitiesOnly yes
  RequestTTY force
  StrictHostKeyChecking accept-new
  NumberOfPasswordPrompts 2
  ServerAliveCountMax 7
  ServerAliveInterval 30
  SendEnv LANG LC_*
  SetEnv FOO=bar
  AddKeysToAgent confirm
  ForwardAgent yes
  ControlPersist 600
  EscapeChar ^A
  DynamicForward 1080
  RemoteForward 8080 localhost:80
  LocalForward 9090 localhost:90
  ConnectTimeout 9
  LogLevel DEBUG2
  KexAlgorithms -diffie-hellman*
  RemoteCommand echo %r@%h:%p
  Tag work
  RekeyLimit 1G 1h
  ClearAllForwardings no
  UpdateHostKeys ask
  WarnWeakCrypto no
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  PubkeyAuthentication yes
CFG
keys="host user hostname port batchmode compression controlmaster exitonforwardfailure
hashknownhosts identitiesonly requesttty stricthostkeychecking numberofpasswordprompts
serveralivecountmax serveraliveinterval sendenv setenv addkeystoagent forwardagent
controlpersist escapechar dynamicforward remoteforward localforward connecttimeout loglevel
remotecommand tag rekeylimit clearallforwardings updatehostkeys warnweakcrypto
passwordauthentication kbdinteractiveauthentication pubkeyauthentication"
pick() { for k in $keys; do grep "^$k " "$1" || true; done; }
"$STRATA" ssh -G -F "$WORK/g.conf" web1 >"$WORK/g.strata" 2>&1 || true
"$OSSH" -G -F "$WORK/g.conf" web1 >"$WORK/g.openssh" 2>/dev/null </dev/null || true
if diff <(pick "$WORK/g.strata") <(pick "$WORK/g.openssh") >"$WORK/g.diff"; then
    echo "ok   -G matches OpenSSH 10.5's for $(pick "$WORK/g.strata" | wc -l) lines"
else
    echo "FAIL -G differs from OpenSSH's:"; cat "$WORK/g.diff"; FAILS=$((FAILS + 1))
fi
# The resolved kex list is what OpenSSH resolves for the same "-diffie-hellman*".
check "-G kexalgorithms resolved" "$(grep '^kexalgorithms ' "$WORK/g.openssh" | sed 's/,diffie.*//')" \
    "$STRATA" ssh -G -F "$WORK/g.conf" web1
# Without -F, /etc/ssh/ssh_config is read after ~/.ssh/config, as Debian's ssh does.
grep -qi "^ *HashKnownHosts yes" /etc/ssh/ssh_config ||
    { echo "FAIL this test needs Debian's /etc/ssh/ssh_config (HashKnownHosts yes)"; FAILS=$((FAILS + 1)); }
sys() { grep -E "^(hashknownhosts|sendenv) " "$1" || true; }
"$STRATA" ssh -G sysconf >"$WORK/s.strata" 2>&1 || true
/usr/bin/ssh -G sysconf >"$WORK/s.debian" 2>/dev/null </dev/null || true
if diff <(sys "$WORK/s.strata") <(sys "$WORK/s.debian") >/dev/null && grep -q "^hashknownhosts yes" "$WORK/s.strata"; then
    echo "ok   /etc/ssh/ssh_config read as Debian's ssh reads it"
else
    echo "FAIL system config: $(sys "$WORK/s.strata" | tr '\n' ' ') vs $(sys "$WORK/s.debian" | tr '\n' ' ')"; FAILS=$((FAILS + 1))
fi
# Options after the destination, until the command.
check "-G port after destination" "port 2222" "$STRATA" ssh -G -F none h -p 2222
check "-G -o after destination" "user alice" "$STRATA" ssh -G -F none h -o User=alice
check "-G -J after destination" "proxyjump jumper" "$STRATA" ssh -G -F none h -J jumper
check "-G git's options" "sendenv GIT_PROTOCOL" "$STRATA" ssh -G -F none -o SendEnv=GIT_PROTOCOL \
    -o ForwardX11=no -o PermitLocalCommand=no h
check "--help after destination" "usage: strata ssh" "$STRATA" ssh h --help
# Match exec runs through the shell; only when no earlier criterion failed.
cat >"$WORK/m.conf" <<CFG
Match host nomatch exec "touch $WORK/must-not-run"
  Port 1
Match exec "test -f $WORK/flag"
  Port 3333
Match all
  Port 4444
CFG
check "Match exec false" "port 4444" "$STRATA" ssh -G -F "$WORK/m.conf" h
touch "$WORK/flag"
check "Match exec true" "port 3333" "$STRATA" ssh -G -F "$WORK/m.conf" h
[ ! -e "$WORK/must-not-run" ] && echo "ok   exec skipped after a failed criterion" ||
    { echo "FAIL exec ran after a failed criterion"; FAILS=$((FAILS + 1)); }
if out=$("$STRATA" ssh -G -F none -o "CheckHostIP yes" h 2>&1); then
    echo "FAIL CheckHostIP yes accepted"; FAILS=$((FAILS + 1))
elif [[ "$out" == *"CheckHostIP yes: strata does not check"* ]]; then echo "ok   refused keyword names itself"
else echo "FAIL refused keyword: $out"; FAILS=$((FAILS + 1)); fi

# Debian 12's /etc/ssh/ssh_config body, then a typical ~/.ssh/config.
root_sshd main "AcceptEnv LANG LC_* STRATA_T"
cat >"$WORK/debian_ssh_config" <<'CFG'
# This is the ssh client system-wide configuration file.  See
# ssh_config(5) for more information.
Include /etc/ssh/ssh_config.d/*.conf

Host *
#   ForwardAgent no
#   ForwardX11 no
#   PasswordAuthentication yes
#   HostbasedAuthentication no
#   GSSAPIAuthentication no
#   CheckHostIP no
#   StrictHostKeyChecking ask
#   IdentityFile ~/.ssh/id_rsa
#   Port 22
#   Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,3des-cbc
#   EscapeChar ~
#   Tunnel no
#   VisualHostKey no
#   ProxyCommand ssh -q -W %h:%p gateway.example.com
#   RekeyLimit 1G 1h
#   UserKnownHostsFile ~/.ssh/known_hosts.d/%k
    SendEnv LANG LC_*
    HashKnownHosts yes
    GSSAPIAuthentication yes
CFG
cat >"$WORK/user_config" <<CFG
IgnoreUnknown UseKeychain
Host box
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts
    AddKeysToAgent yes
    UseKeychain yes
    ForwardAgent yes
    ForwardX11 no
    ControlMaster auto
    ControlPath ~/.ssh/cm-%C
    ControlPersist 10m
    ServerAliveInterval 60
    TCPKeepAlive yes
    VisualHostKey no
    PermitLocalCommand no
Match originalhost box exec "true"
    SetEnv STRATA_T=1
Include $WORK/debian_ssh_config
CFG
out=$(LC_STRATA=lc-sent LANG=C.UTF-8 timeout 60 "$STRATA" ssh -v -F "$WORK/user_config" box -- \
    'echo connected' 2>"$WORK/v.log") || true
[ "$out" = "connected" ] && echo "ok   Debian + typical config connects (ControlMaster auto)" ||
    { echo "FAIL Debian + typical config: $out"; cat "$WORK/v.log"; FAILS=$((FAILS + 1)); }
# SetEnv (under Match exec) and SendEnv reach sshd on a direct session.
out=$(LC_STRATA=lc-sent LANG=C.UTF-8 timeout 60 "$STRATA" ssh -o ControlPath=none -F "$WORK/user_config" \
    box -- 'echo connected $STRATA_T $LC_STRATA' 2>"$WORK/v2.log") || true
[ "$out" = "connected 1 lc-sent" ] && echo "ok   SetEnv and SendEnv reach sshd" ||
    { echo "FAIL SetEnv/SendEnv: $out"; cat "$WORK/v2.log"; FAILS=$((FAILS + 1)); }
# The ControlPersist master the first connection left: asked to exit.
timeout 30 "$STRATA" ssh -F "$WORK/user_config" -O exit box >/dev/null 2>&1 || true
for k in UseKeychain ForwardX11 TCPKeepAlive GSSAPIAuthentication VisualHostKey; do
    grep -q "debug1: .*ignoring $k" "$WORK/v.log" && echo "ok   -v notes $k" ||
        { echo "FAIL -v does not note $k"; FAILS=$((FAILS + 1)); }
done
out=$(timeout 60 "$STRATA" ssh -F "$WORK/user_config" box -p "$PORT" echo after-dest 2>&1) || true
[ "$out" = "after-dest" ] && echo "ok   options after destination connect" ||
    { echo "FAIL options after destination: $out"; FAILS=$((FAILS + 1)); }
# That connection became the ControlPersist master again: asked to exit, so
# no strata process outlives the test.
timeout 30 "$STRATA" ssh -F "$WORK/user_config" -O exit box >/dev/null 2>&1 || true
# RemoteCommand, RequestTTY, GlobalKnownHostsFile (the only file knowing the host).
cat >"$WORK/rc_config" <<CFG
Host rc
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile /dev/null
    GlobalKnownHostsFile $WORK/known_hosts
    StrictHostKeyChecking yes
    RequestTTY no
    RemoteCommand echo from-%r-remote-command; tty
CFG
out=$(timeout 60 "$STRATA" ssh -F "$WORK/rc_config" rc 2>&1 </dev/null) || true
[[ "$out" == "from-root-remote-command"*"not a tty"* ]] &&
    echo "ok   RemoteCommand (tokens) without a pty; GlobalKnownHostsFile read" ||
    { echo "FAIL RemoteCommand: $out"; FAILS=$((FAILS + 1)); }
# RequestTTY force: a pty although stdin is not a terminal (as -tt).
out=$(timeout 60 "$STRATA" ssh -F "$WORK/rc_config" -o RequestTTY=force -o "RemoteCommand=tty" rc 2>&1 </dev/null) || true
[[ "$out" == *"/dev/pts/"* ]] && echo "ok   RequestTTY force allocates a pty" ||
    { echo "FAIL RequestTTY force: $out"; FAILS=$((FAILS + 1)); }
if out=$(timeout 60 "$STRATA" ssh -F "$WORK/rc_config" rc echo x 2>&1); then
    echo "FAIL command with RemoteCommand accepted"; FAILS=$((FAILS + 1))
elif [[ "$out" == *"Cannot execute command-line and remote command."* ]]; then
    echo "ok   command-line and RemoteCommand refused, as OpenSSH"
else echo "FAIL RemoteCommand + command: $out"; FAILS=$((FAILS + 1)); fi
# PubkeyAcceptedAlgorithms: the ed25519 key is not offered when the list lacks it.
base=(-F none -o "UserKnownHostsFile=$WORK/known_hosts" -o BatchMode=yes -i "$WORK/id" -p "$PORT")
out=$(timeout 60 "$STRATA" ssh "${base[@]}" -o PubkeyAcceptedAlgorithms=ssh-ed25519 root@127.0.0.1 echo pk-ok 2>&1) || true
[ "$out" = "pk-ok" ] && echo "ok   PubkeyAcceptedAlgorithms with the key's algorithm" ||
    { echo "FAIL PubkeyAcceptedAlgorithms ssh-ed25519: $out"; FAILS=$((FAILS + 1)); }
if out=$(timeout 60 "$STRATA" ssh -v "${base[@]}" -o PubkeyAcceptedAlgorithms=rsa-sha2-512,rsa-sha2-256 \
    root@127.0.0.1 echo pk-ok 2>&1); then
    echo "FAIL PubkeyAcceptedAlgorithms without ed25519 still used the key"; FAILS=$((FAILS + 1))
elif [[ "$out" == *"skipped a key"*PubkeyAcceptedAlgorithms* ]]; then
    echo "ok   PubkeyAcceptedAlgorithms without the key's algorithm: key not offered"
else echo "FAIL PubkeyAcceptedAlgorithms: $out"; FAILS=$((FAILS + 1)); fi
finish
