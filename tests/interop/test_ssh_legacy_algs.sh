#!/usr/bin/env bash
# strata ssh against Debian 12's OpenSSH sshd (9.2) with the algorithms real
# servers offer and OpenSSH still speaks: aes192-ctr, aes192-cbc,
# hmac-sha1-96(-etm), umac-64/128@openssh.com(-etm). For each, an sshd whose
# Ciphers / MACs hold only that one (so nothing else can be negotiated);
# strata asks for it with -o Ciphers= / -o MACs=, moves 1 MiB each way
# (checked by sha256), and both strata ssh -v and sshd's debug log name it.
# The legacy ones (off by default in OpenSSH too) are refused by the default
# offer and accepted with "+name"; the default ones need no option.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
need sha256sum

export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
head -c 1M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)

# run CIPHER MAC LEGACY: one sshd limited to CIPHER and MAC.
run() {
    local cipher=$1 mac=$2 legacy=$3 what="$1 + $2"
    root_sshd "$cipher-$mac" "LogLevel DEBUG
Ciphers $cipher
MACs $mac"
    local log="$WORK/sshd_$cipher-$mac.log"
    local S=("$STRATA" ssh -F none -o UserKnownHostsFile="$WORK/known_hosts" -i "$WORK/id"
        -o BatchMode=yes -l root -p "$PORT")
    local A=("${S[@]}" -o "Ciphers=$cipher" -o "MACs=$mac")
    check "$what: push 1 MiB into sha256sum" "$want" \
        bash -c "${A[*]} 127.0.0.1 sha256sum <'$WORK/data'"
    check "$what: pull 1 MiB from cat" "$want" \
        bash -c "${A[*]} 127.0.0.1 cat '$WORK/data' | sha256sum"
    check "$what: -v names both directions" \
        "debug1: kex: server->client cipher: $cipher MAC: $mac compression: none" \
        bash -c "${A[*]} -v 127.0.0.1 true 2>&1 >/dev/null"
    check "$what: -v, client to server" \
        "debug1: kex: client->server cipher: $cipher MAC: $mac compression: none" \
        bash -c "${A[*]} -v 127.0.0.1 true 2>&1 >/dev/null"
    check "$what: sshd negotiated it" "kex: client->server cipher: $cipher MAC: $mac " \
        bash -c "for _ in \$(seq 30); do grep -q 'kex: client->server cipher: $cipher MAC: $mac ' \
        '$log' && break; sleep 0.1; done; grep 'kex: client->server cipher' '$log'"
    if [ "$legacy" = legacy ]; then
        # aes192-cbc fails on the cipher, the sha1-96 MACs on the MAC.
        local kind=MAC
        [ "$cipher" = aes192-cbc ] && kind=cipher
        check "$what: not in the default offer (refused, 255)" \
            "rc=255 no matching $kind: client offered" \
            bash -c "out=\$(${S[*]} 127.0.0.1 true 2>&1); echo rc=\$? no matching\${out##*no matching}"
        check "$what: offered with +name" "$want" \
            bash -c "${S[*]} -o Ciphers=+$cipher -o MACs=+$mac 127.0.0.1 cat '$WORK/data' | sha256sum"
    else
        check "$what: in the default offer" "$want" \
            bash -c "${S[*]} 127.0.0.1 cat '$WORK/data' | sha256sum"
    fi
    kill "$SSHD_PID" 2>/dev/null || true
    wait "$SSHD_PID" 2>/dev/null || true
}

# Ciphers (aes192-ctr is in OpenSSH's and strata's default offer).
run aes192-ctr hmac-sha2-256-etm@openssh.com default
run aes192-cbc hmac-sha2-256 legacy
# MACs, under a cipher that uses them.
run aes128-ctr hmac-sha1-96 legacy
run aes128-ctr hmac-sha1-96-etm@openssh.com legacy
for m in umac-64@openssh.com umac-128@openssh.com umac-64-etm@openssh.com \
    umac-128-etm@openssh.com; do
    run aes128-ctr "$m" default
done
# A legacy cipher with a legacy MAC.
run aes192-cbc hmac-sha1-96 legacy
finish
