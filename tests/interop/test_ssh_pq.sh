#!/usr/bin/env bash
# Post-quantum hybrid key exchange against real OpenSSH servers: Debian 12's
# sshd 9.2 (sntrup761x25519-sha512@openssh.com) and OpenSSH 10.5 built from
# ../shared/peers (mlkem768x25519-sha256, sntrup761x25519-sha512 and its
# @openssh.com alias). For each method the server is restricted to it, so
# nothing else can be negotiated: strata ssh logs in, moves 1 MiB each way
# checked by sha256, and strata ssh-keyscan fetches the key. Also: the default
# offer negotiates ML-KEM with 10.5; KexAlgorithms -/^ work with the new
# names; a connection that is not post-quantum prints OpenSSH 10's warning
# (the same lines as OpenSSH 10.5's ssh), which -q, LogLevel ERROR,
# WarnWeakCrypto no / no-pq-kex and a KexAlgorithms of the user's suppress.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
need sha256sum
BUILDER="$STRATA_SRC/../shared/peers/build-openssh.sh"
[ -f "$BUILDER" ] || { echo "FAIL: $BUILDER is missing (../shared beside the clone)"; exit 1; }
OSSH=$(bash "$BUILDER" 2>"$WORK/build-openssh.log") || { echo "FAIL: building OpenSSH 10.5"; tail -20 "$WORK/build-openssh.log"; exit 1; }
[ -x "$OSSH/sbin/sshd" ] || { echo "FAIL: no sshd in $OSSH"; exit 1; }

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/authorized_keys"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK
head -c 1048576 /dev/urandom >"$WORK/up.bin"
UP_SHA=$(sha256sum <"$WORK/up.bin" | cut -c1-64)

# start_sshd NAME SSHD KEX -> PORT_NAME; KEX "" keeps the server's default list.
start_sshd() {
    local name=$1 sshd=$2 kex=$3 port
    port=$(free_port)
    {
        echo "HostKey $WORK/hk"
        echo "PidFile $WORK/sshd_$name.pid"
        echo "AuthorizedKeysFile $WORK/authorized_keys"
        echo "StrictModes no"
        echo "UsePAM no"
        echo "PermitRootLogin yes"
        echo "ListenAddress 127.0.0.1"
        [ -n "$kex" ] && echo "KexAlgorithms $kex"
    } >"$WORK/sshd_$name.conf"
    "$sshd" -f "$WORK/sshd_$name.conf" -D -e -p "$port" >"$WORK/sshd_$name.log" 2>&1 &
    PIDS+=($!)
    wait_port "$port" "$!"
    echo "[127.0.0.1]:$port $(cat "$WORK/hk.pub")" >>"$WORK/known_hosts"
    printf -v "PORT_$name" '%s' "$port"
}

COMMON=(-F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=yes)
sssh() { # sssh PORT ARGS...: strata ssh as root with the throw-away key
    local port=$1
    shift
    timeout 60 "$STRATA" ssh "${COMMON[@]}" -p "$port" "$@"
}

# transfer NAME PORT KEX: the method is the one negotiated, data both ways.
transfer() {
    local name=$1 port=$2 kex=$3 out down
    if out=$(sssh "$port" -v root@127.0.0.1 "sha256sum" <"$WORK/up.bin" 2>"$WORK/err_$name") &&
        [ "${out:0:64}" = "$UP_SHA" ] && grep -q "debug1: kex: algorithm: $kex\$" "$WORK/err_$name"; then
        echo "ok   $name: upload 1 MiB, kex $kex"
    else
        echo "FAIL $name upload: '$out'"; cat "$WORK/err_$name"; FAILS=$((FAILS + 1))
    fi
    down=$(sssh "$port" root@127.0.0.1 "cat '$WORK/up.bin'" 2>"$WORK/err2_$name" | sha256sum | cut -c1-64)
    if [ "$down" = "$UP_SHA" ]; then echo "ok   $name: download 1 MiB"; else
        echo "FAIL $name download"; cat "$WORK/err2_$name"; FAILS=$((FAILS + 1)); fi
    if grep -q "post-quantum" "$WORK/err_$name" "$WORK/err2_$name"; then
        echo "FAIL $name: warned about a post-quantum exchange"; FAILS=$((FAILS + 1)); fi
}

keyscan() { # keyscan NAME PORT
    local out
    out=$(timeout 30 "$STRATA" ssh-keyscan -v -t ed25519 -p "$2" 127.0.0.1 2>&1) || true
    if [[ "$out" == *"127.0.0.1]:$2 $(cut -d' ' -f1-2 "$WORK/hk.pub")"* ]]; then
        echo "ok   $1: ssh-keyscan"
    else
        echo "FAIL $1 ssh-keyscan: $out"; FAILS=$((FAILS + 1))
    fi
}

# Debian 12's OpenSSH 9.2: sntrup761 under OpenSSH's name only.
start_sshd d92 /usr/sbin/sshd sntrup761x25519-sha512@openssh.com
transfer "sshd 9.2 only sntrup761@openssh.com" "$PORT_d92" sntrup761x25519-sha512@openssh.com
keyscan "sshd 9.2 only sntrup761@openssh.com" "$PORT_d92"

# OpenSSH 10.5: each method alone, and its default list.
for kex in mlkem768x25519-sha256 sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com; do
    n=${kex//[^a-z0-9]/_}
    start_sshd "$n" "$OSSH/sbin/sshd" "$kex"
    p="PORT_$n"
    transfer "sshd 10.5 only $kex" "${!p}" "$kex"
    keyscan "sshd 10.5 only $kex" "${!p}"
done
start_sshd def "$OSSH/sbin/sshd" ""
transfer "sshd 10.5 default list" "$PORT_def" mlkem768x25519-sha256
check "-o KexAlgorithms=-mlkem768x25519-sha256" "debug1: kex: algorithm: sntrup761x25519-sha512" \
    "$STRATA" ssh "${COMMON[@]}" -p "$PORT_def" -v -o KexAlgorithms=-mlkem768x25519-sha256 root@127.0.0.1 true
check "-o KexAlgorithms=^sntrup761x25519-sha512@openssh.com" \
    "debug1: kex: algorithm: sntrup761x25519-sha512@openssh.com" \
    "$STRATA" ssh "${COMMON[@]}" -p "$PORT_def" -v -o KexAlgorithms=^sntrup761x25519-sha512@openssh.com \
    root@127.0.0.1 true
check "-o KexAlgorithms=curve25519-sha256,mlkem768x25519-sha256 (client's order wins)" \
    "debug1: kex: algorithm: curve25519-sha256" \
    "$STRATA" ssh "${COMMON[@]}" -p "$PORT_def" -v -o KexAlgorithms=curve25519-sha256,mlkem768x25519-sha256 \
    root@127.0.0.1 true

# Not post-quantum: the warning, as OpenSSH 10.5's own ssh prints it (its log
# lines end in CR LF on stderr; compared without the CR).
start_sshd classic "$OSSH/sbin/sshd" curve25519-sha256
"$OSSH/bin/ssh" -F none -i "$WORK/id" -o UserKnownHostsFile="$WORK/known_hosts" -o BatchMode=yes \
    -p "$PORT_classic" root@127.0.0.1 true 2>&1 | tr -d '\r' | grep '^\*\*' >"$WORK/warn_openssh" || true
sssh "$PORT_classic" root@127.0.0.1 true 2>&1 | grep '^\*\*' >"$WORK/warn_strata" || true
if [ "$(wc -l <"$WORK/warn_openssh")" -eq 3 ] && diff -u "$WORK/warn_openssh" "$WORK/warn_strata"; then
    echo "ok   not post-quantum: the same 3 warning lines as OpenSSH 10.5's ssh"
else
    echo "FAIL warning lines differ (OpenSSH first)"; cat "$WORK/warn_openssh" "$WORK/warn_strata"
    FAILS=$((FAILS + 1))
fi
# As OpenSSH: no warning when the user chose the methods.
for opt in "-q" "-o LogLevel=ERROR" "-o WarnWeakCrypto=no" "-o WarnWeakCrypto=no-pq-kex" \
    "-o KexAlgorithms=curve25519-sha256"; do
    # shellcheck disable=SC2086
    out=$(sssh "$PORT_classic" $opt root@127.0.0.1 'echo done' 2>&1) || true
    if [[ "$out" == *done* && "$out" != *post-quantum* ]]; then echo "ok   $opt: no warning"; else
        echo "FAIL $opt: $out"; FAILS=$((FAILS + 1)); fi
done
check "WarnWeakCrypto with a bad value" "WarnWeakCrypto must be yes, no or no-pq-kex" \
    bash -c "! '$STRATA' ssh -F none -o WarnWeakCrypto=maybe -p $PORT_classic root@127.0.0.1 true"
finish
