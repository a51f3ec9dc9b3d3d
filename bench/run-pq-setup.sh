#!/usr/bin/env bash
# Post-quantum key exchange set-up benchmark (issue 13): a whole process
# `CLIENT host true` against one sshd from OpenSSH 10.5 (built from
# ../shared/peers), strata ssh and OpenSSH 10.5's ssh taking turns, with
# mlkem768x25519-sha256, sntrup761x25519-sha512 and curve25519-sha256.
# Medians of N runs, in milliseconds, and the ratios the issue sets goals for:
#   strata mlkem / OpenSSH 10.5 mlkem   (goal <= 0.6)
#   strata mlkem / strata curve25519    (goal <= 1.15)
# A benchmark, not a test.   bash bench/run-pq-setup.sh [BUILD_DIR]   env: N (21)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build/release}
STRATA=$BUILD/strata
N=${N:-21}
[ -x "$STRATA" ] || { echo "build strata first: make release" >&2; exit 1; }
OSSH=$(bash "$SRC/../shared/peers/build-openssh.sh")
WORK=$(mktemp -d)
chmod 755 "$WORK"
BUSER="stratapq$$"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    userdel "$BUSER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# A throw-away user with /bin/sh: root's shell start-up files would swamp the figures.
useradd -M -d / -s /bin/sh "$BUSER"
usermod -p '*' "$BUSER"
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/authorized_keys"
chmod 644 "$WORK/authorized_keys" "$WORK/id.pub"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/sshd_config" <<CFG
ListenAddress 127.0.0.1
HostKey $WORK/hk
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
LogLevel ERROR
CFG
"$OSSH/sbin/sshd" -D -e -f "$WORK/sshd_config" -p "$PORT" 2>"$WORK/sshd.log" &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "[127.0.0.1]:$PORT $(cat "$WORK/hk.pub")" >"$WORK/known_hosts"
export HOME="$WORK"
COMMON=(-F /dev/null -i "$WORK/id" -p "$PORT" -o UserKnownHostsFile="$WORK/known_hosts"
        -o BatchMode=yes -o HostKeyAlgorithms=ssh-ed25519 -o WarnWeakCrypto=no)
U="$BUSER@127.0.0.1"
KEXES=(mlkem768x25519-sha256 sntrup761x25519-sha512 curve25519-sha256)
declare -A T
# Check every pairing works before measuring.
for kex in "${KEXES[@]}"; do
    "$STRATA" ssh "${COMMON[@]}" -o KexAlgorithms=$kex "$U" true
    "$OSSH/bin/ssh" "${COMMON[@]}" -o KexAlgorithms=$kex "$U" true
done
one_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 </dev/null; e=$(date +%s%N); echo $(((e - s) / 1000)); }
for _ in $(seq "$N"); do
    for kex in "${KEXES[@]}"; do
        T[strata_$kex]+="$(one_ms "$STRATA" ssh "${COMMON[@]}" -o KexAlgorithms=$kex "$U" true) "
        T[openssh_$kex]+="$(one_ms "$OSSH/bin/ssh" "${COMMON[@]}" -o KexAlgorithms=$kex "$U" true) "
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] / 1000}'; }
declare -A M
printf "set-up, whole process \`CLIENT host true\`, sshd %s, median of %s, %s\n" \
    "$("$OSSH/bin/ssh" -V 2>&1)" "$N" "$(date -u +%FT%TZ)"
printf "%-28s %12s %12s %8s\n" "key exchange" "OpenSSH ms" "strata ms" "ratio"
for kex in "${KEXES[@]}"; do
    M[o_$kex]=$(median <<<"${T[openssh_$kex]}")
    M[s_$kex]=$(median <<<"${T[strata_$kex]}")
    printf "%-28s %12s %12s %7.2fx\n" "$kex" "${M[o_$kex]}" "${M[s_$kex]}" \
        "$(python3 -c "print(${M[s_$kex]} / ${M[o_$kex]})")"
done
printf "strata mlkem768x25519 / OpenSSH 10.5 mlkem768x25519: %.2fx (goal <= 0.6)\n" \
    "$(python3 -c "print(${M[s_mlkem768x25519-sha256]} / ${M[o_mlkem768x25519-sha256]})")"
printf "strata mlkem768x25519 / strata curve25519:            %.2fx (goal <= 1.15)\n" \
    "$(python3 -c "print(${M[s_mlkem768x25519-sha256]} / ${M[s_curve25519-sha256]})")"
