#!/usr/bin/env bash
# strata ssh as a drop-in for OpenSSH's ssh against OpenSSH's sshd: the host
# key algorithm order follows what known_hosts holds for the host (a file
# that knows only the server's ECDSA key connects under strict checking);
# the unknown host key question as OpenSSH asks it (yes, no or the
# fingerprint; anything else asks again); a wrong key passphrase asked again;
# -f, -E, -v; DynamicForward, ExitOnForwardFailure, HashKnownHosts,
# ForwardAgent, ProxyCommand and CertificateFile from the config.
source "$(dirname "$0")/ssh_lib.sh"
each_sshd "$0" # once against Debian 12's sshd, once against OpenSSH 10.5's
need /usr/sbin/sshd
need ssh-keygen

ssh-keygen -q -t ecdsa -N '' -f "$WORK/hk_ecdsa"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/user_ca"
root_sshd main "TrustedUserCAKeys $WORK/user_ca.pub
HostKey $WORK/hk_ecdsa
AllowTcpForwarding yes"
export HOME="$WORK/home"
mkdir -p "$HOME/.ssh"
unset SSH_AUTH_SOCK
echo "[127.0.0.1]:$PORT $(cat "$WORK/hk_ecdsa.pub")" >"$WORK/kh_ecdsa"
S=("$STRATA" ssh -F none -i "$WORK/id" -o BatchMode=yes -p "$PORT")

check "known_hosts with only the ECDSA key: that algorithm is offered first" \
    "debug1: kex: host key algorithm: ecdsa-sha2-nistp256" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/kh_ecdsa" -o StrictHostKeyChecking=yes \
    root@127.0.0.1 'echo connected'
check "... and the session runs" "connected" \
    "${S[@]}" -o UserKnownHostsFile="$WORK/kh_ecdsa" -o StrictHostKeyChecking=yes \
    root@127.0.0.1 'echo connected'
check "-v names the config file read" "debug1: Reading configuration data $WORK/cfg_v" bash -c \
    "touch '$WORK/cfg_v'; $STRATA ssh -F '$WORK/cfg_v' -i '$WORK/id' -o BatchMode=yes -p $PORT \
     -o UserKnownHostsFile='$WORK/known_hosts' -v root@127.0.0.1 true 2>&1"
check "-v: the server's host key fingerprint" \
    "debug1: Server host key: ssh-ed25519 $(ssh-keygen -lf "$WORK/hk.pub" | cut -d' ' -f2)" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/known_hosts" root@127.0.0.1 true
check "-v: each key offered and the result" "debug1: publickey: authentication succeeded" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/known_hosts" root@127.0.0.1 true
check "known_hosts with the Ed25519 key: Ed25519 as before" \
    "debug1: kex: host key algorithm: ssh-ed25519" \
    "${S[@]}" -v -o UserKnownHostsFile="$WORK/known_hosts" root@127.0.0.1 true

# -f: back to the shell once authenticated, the command runs on.
check "-f: returns at once with 0" "rc=0 before" bash -c \
    "${S[*]} -o UserKnownHostsFile='$WORK/known_hosts' -f root@127.0.0.1 'sleep 2; echo bg >\"$WORK/bg.out\"';
     echo rc=\$? \$([ -e '$WORK/bg.out' ] && echo after || echo before)"
check "-f: the command finished in the background" "bg" bash -c \
    "for i in \$(seq 100); do [ -s '$WORK/bg.out' ] && break; sleep 0.1; done; cat '$WORK/bg.out'"
check "-f without a command is refused as OpenSSH" "Cannot fork into background without a command" \
    bash -c "${S[*]} -f root@127.0.0.1 2>&1; true"
# -E: strata's own messages go to the file; the remote stderr stays on stderr.
check "-E logfile: debug lines in the file, the remote stderr on stderr" "out|err|debug1" bash -c \
    "${S[*]} -o UserKnownHostsFile='$WORK/known_hosts' -E '$WORK/E.log' -v root@127.0.0.1 \
     'echo out; echo err >&2' 2>'$WORK/E.err' | tr -d '\n'; printf '|%s|' \"\$(cat '$WORK/E.err')\";
     grep -c 'debug1: kex: algorithm' '$WORK/E.log' >/dev/null && echo debug1"

# Forwarding keywords from the config file.
HPORT=$(free_port)
mkdir -p "$WORK/www"
head -c 1000000 /dev/urandom >"$WORK/www/f.bin"
(cd "$WORK/www" && exec python3 -m http.server --bind 127.0.0.1 "$HPORT") >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$HPORT" "$!"
DPORT=$(free_port)
cat >"$WORK/cfg_fwd" <<CFG
Host fwd
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $WORK/id
    UserKnownHostsFile $WORK/known_hosts
    BatchMode yes
    DynamicForward $DPORT
    ExitOnForwardFailure yes
CFG
"$STRATA" ssh -F "$WORK/cfg_fwd" -N fwd 2>"$WORK/dyn.err" &
PIDS+=($!)
wait_port "$DPORT" "$!"
check "DynamicForward from the config: curl --socks5-hostname through it" \
    "$(sha256sum <"$WORK/www/f.bin" | cut -d' ' -f1)" bash -c \
    "curl -s --socks5-hostname 127.0.0.1:$DPORT http://localhost:$HPORT/f.bin | sha256sum"
check "ExitOnForwardFailure: a port that cannot be bound ends the session, 255" "rc=255" bash -c \
    "$STRATA ssh -F '$WORK/cfg_fwd' fwd 'sleep 5' >/dev/null 2>'$WORK/eof.err'; echo rc=\$?"
check "... with OpenSSH's words" "Error: dynamic forwarding failed for listen port $DPORT" cat "$WORK/eof.err"
check "HashKnownHosts: the name added is hashed" "|1|" bash -c \
    "${S[*]} -o HashKnownHosts=yes -o StrictHostKeyChecking=accept-new \
     -o UserKnownHostsFile='$WORK/kh_hashed' root@127.0.0.1 true && cut -c1-3 '$WORK/kh_hashed'"
eval "$(ssh-agent -s)" >/dev/null
PIDS+=("$SSH_AGENT_PID")
ssh-add -q "$WORK/id" 2>/dev/null
check "ForwardAgent yes from the config: the remote side lists the agent's key" \
    "$(ssh-keygen -lf "$WORK/id.pub" | cut -d' ' -f2)" bash -c \
    "printf 'Host agent\n ForwardAgent yes\n' >'$WORK/cfg_agent';
     $STRATA ssh -F '$WORK/cfg_agent' -i '$WORK/id' -o BatchMode=yes -p $PORT \
     -o UserKnownHostsFile='$WORK/known_hosts' -o HostName=127.0.0.1 -o User=root agent 'ssh-add -l'"
check "-a wins over ForwardAgent yes" "no agent" bash -c \
    "$STRATA ssh -F '$WORK/cfg_agent' -a -i '$WORK/id' -o BatchMode=yes -p $PORT \
     -o UserKnownHostsFile='$WORK/known_hosts' -o HostName=127.0.0.1 -o User=root agent \
     'ssh-add -l >/dev/null 2>&1 || echo no agent'"
ssh-add -D -q 2>/dev/null || true
check "AddKeysToAgent yes: the key used goes to the running agent" \
    "$(ssh-keygen -lf "$WORK/id.pub" | cut -d' ' -f2)" bash -c \
    "${S[*]} -o UserKnownHostsFile='$WORK/known_hosts' -o AddKeysToAgent=yes root@127.0.0.1 true &&
     ssh-add -l"
ssh-add -D -q 2>/dev/null || true
check "AddKeysToAgent with a lifetime strata cannot send: not added" "no identities" bash -c \
    "${S[*]} -o UserKnownHostsFile='$WORK/known_hosts' -o 'AddKeysToAgent=1h' root@127.0.0.1 true;
     ssh-add -l 2>&1 | tr A-Z a-z"
kill "$SSH_AGENT_PID" 2>/dev/null || true
unset SSH_AUTH_SOCK

# ProxyCommand: the command's stdin and stdout are the connection.
check "ProxyCommand with %h %p: strata connect as the proxy" "via the proxy" \
    "${S[@]}" -o UserKnownHostsFile="$WORK/known_hosts" \
    -o ProxyCommand="$STRATA connect tcp:%h:%p" root@127.0.0.1 'echo via the proxy'
check "ProxyCommand that fails: a clear end, 255" "rc=255" bash -c \
    "${S[*]} -o UserKnownHostsFile='$WORK/known_hosts' -o ProxyCommand='exit 3' \
     root@127.0.0.1 true 2>/dev/null; echo rc=\$?"
# CertificateFile: a key the server knows only through its CA.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/k_c"
mkdir -p "$WORK/certs"
ssh-keygen -q -s "$WORK/user_ca" -I strata-test -n root "$WORK/k_c.pub"
mv "$WORK/k_c-cert.pub" "$WORK/certs/kc.cert"
C=("$STRATA" ssh -F none -o BatchMode=yes -p "$PORT" -o UserKnownHostsFile="$WORK/known_hosts")
check "CertificateFile pairs a certificate with its identity" "root" \
    "${C[@]}" -i "$WORK/k_c" -o CertificateFile="$WORK/certs/kc.cert" root@127.0.0.1 'id -un'
check "... without it the key alone is refused" "rc=255" bash -c \
    "${C[*]} -i '$WORK/k_c' root@127.0.0.1 true 2>/dev/null; echo rc=\$?"
check "CertificateFile naming a plain key: said, and the session goes on" \
    "strata: cannot use certificate $WORK/k_c.pub: ssh-ed25519 is not a certificate" bash -c \
    "${C[*]} -i '$WORK/id' -o CertificateFile='$WORK/k_c.pub' root@127.0.0.1 true 2>&1"
check "CertificateFile whose key no identity holds: said" \
    "strata: certificate $WORK/certs/kc.cert: no identity holds its key" bash -c \
    "${C[*]} -i '$WORK/id' -o CertificateFile='$WORK/certs/kc.cert' root@127.0.0.1 true 2>&1"

# Questions answered through SSH_ASKPASS (as OpenSSH), one answer per call
# from a list: the host key question is asked again until yes, no or the
# fingerprint; a wrong key passphrase is asked again.
answers() { # answers NAME LINE...: an askpass program saying each LINE in turn
    local f="$WORK/ask_$1"
    shift
    printf '%s\n' "$@" >"$f.list"
    printf '#!/bin/sh\nn=$(cat "%s.n" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"%s.n"\necho "$1" >>"%s.prompts"\nsed -n "${n}p" "%s.list"\n' \
        "$f" "$f" "$f" "$f" >"$f"
    chmod +x "$f"
}
A=(env SSH_ASKPASS_REQUIRE=force)
Q=("$STRATA" ssh -F none -i "$WORK/id" -p "$PORT") # may ask
answers hk1 maybe yes
check "host key question: 'maybe' asks again, 'yes' accepts and adds" "Permanently added" \
    "${A[@]}" SSH_ASKPASS="$WORK/ask_hk1" "${Q[@]}" \
    -o UserKnownHostsFile="$WORK/kh_new1" root@127.0.0.1 'echo in'
check "... the second question was OpenSSH's" "Please type 'yes', 'no' or the fingerprint:" \
    cat "$WORK/ask_hk1.prompts"
check "... and the key is in the file" "$(cut -d' ' -f2 "$WORK/hk.pub")" cat "$WORK/kh_new1"
fp=$(ssh-keygen -lf "$WORK/hk.pub" | cut -d' ' -f2)
answers hk2 "$fp"
check "host key question answered with the fingerprint" "in" \
    "${A[@]}" SSH_ASKPASS="$WORK/ask_hk2" "${Q[@]}" \
    -o UserKnownHostsFile="$WORK/kh_new2" root@127.0.0.1 'echo in'
answers hk3 no no
check "host key question answered no: refused" "Host key verification failed." \
    bash -c "${A[*]} SSH_ASKPASS='$WORK/ask_hk3' ${Q[*]} \
    -o UserKnownHostsFile='$WORK/kh_new3' root@127.0.0.1 'echo in' 2>&1; true"
check "... with exit status 255 and nothing added" "rc=255 lines=0" bash -c \
    "${A[*]} SSH_ASKPASS='$WORK/ask_hk3' ${Q[*]} -o UserKnownHostsFile='$WORK/kh_new3' \
    root@127.0.0.1 'echo in' >/dev/null 2>&1; echo rc=\$? lines=\$(cat '$WORK/kh_new3' 2>/dev/null | wc -l)"

ssh-keygen -q -t ed25519 -N 'right words' -f "$WORK/k_enc"
cat "$WORK/k_enc.pub" >>"$WORK/authorized_keys"
answers pp wrong 'right words'
check "a wrong key passphrase is asked again" "root" \
    "${A[@]}" SSH_ASKPASS="$WORK/ask_pp" "$STRATA" ssh -F none -i "$WORK/k_enc" -p "$PORT" \
    -o UserKnownHostsFile="$WORK/known_hosts" -o PasswordAuthentication=no root@127.0.0.1 'id -un'
check "... twice, with the same question" "2" bash -c "grep -c 'Enter passphrase for key' '$WORK/ask_pp.prompts'"
# OpenSSH's order: an encrypted key is offered by its public half and its
# passphrase asked only once the server accepts it, so a key the server
# refuses is never asked for (k_enc_refused is not in authorized_keys).
ssh-keygen -q -t ed25519 -N 'other words' -f "$WORK/k_enc_refused"
answers pp2 'right words'
check "only the key the server accepts is asked for its passphrase" "root" \
    "${A[@]}" SSH_ASKPASS="$WORK/ask_pp2" "$STRATA" ssh -F none -i "$WORK/k_enc_refused" \
    -i "$WORK/k_enc" -p "$PORT" -o UserKnownHostsFile="$WORK/known_hosts" \
    -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no root@127.0.0.1 'id -un'
check "... one question, for that key" "1 Enter passphrase for key '$WORK/k_enc':" \
    bash -c "echo \$(grep -c . '$WORK/ask_pp2.prompts') \$(cat '$WORK/ask_pp2.prompts')"
finish
