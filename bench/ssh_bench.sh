#!/usr/bin/env bash
# SSH throughput and set-up benchmark (issue 7): strata ssh, OpenSSH's ssh
# and a small libssh2 client (bench/ssh_libssh2.c) against one local sshd,
# with the same cipher, in one run. A benchmark, not a test.
#
#   bash bench/ssh_bench.sh [BUILD_DIR]      (default build/release)
#   env: BYTES (1 GiB)  REPS (3)  SETUP_N (11)
#
# For each cipher: push BYTES into `cat > /dev/null`, pull BYTES from `cat`
# of a file in /dev/shm, through pipes on the client side; wall time and the
# client's CPU seconds (user+sys, from /usr/bin/time) per GB, median of REPS. Set-up: a whole `CLIENT host
# true` process, median of SETUP_N. The login user is a throw-away account
# with /bin/sh (root's shell start-up files would swamp the set-up figures).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build/release}
STRATA=$BUILD/strata
BYTES=${BYTES:-1073741824}
REPS=${REPS:-3}
SETUP_N=${SETUP_N:-11}
[ -x "$STRATA" ] || {
    echo "build strata first: cmake --preset release && cmake --build --preset release" >&2
    exit 1
}
pkg-config --exists libssh2 || { echo "libssh2-1-dev is missing (scripts/deps.sh)" >&2; exit 1; }

WORK=$(mktemp -d)
chmod 755 "$WORK"
BUSER="stratab$$"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    userdel "$BUSER" 2>/dev/null || true
    rm -rf "$WORK" "/dev/shm/strata-bench.$$"
}
trap cleanup EXIT
useradd -M -d / -s /bin/sh "$BUSER"
usermod -p '*' "$BUSER"
# shellcheck disable=SC2046
cc -O2 -o "$WORK/ssh_libssh2" "$SRC/bench/ssh_libssh2.c" $(pkg-config --cflags --libs libssh2)

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
cp "$WORK/id.pub" "$WORK/authorized_keys"
chmod 644 "$WORK/authorized_keys" "$WORK/id.pub"
chmod 600 "$WORK/id"
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
/usr/sbin/sshd -D -e -f "$WORK/sshd_config" -p "$PORT" 2>"$WORK/sshd.log" &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "[127.0.0.1]:$PORT $(cat "$WORK/hk.pub")" >"$WORK/known_hosts"
DATA=/dev/shm/strata-bench.$$
head -c "$BYTES" /dev/zero >"$DATA"
chmod 644 "$DATA"

COMMON=(-F /dev/null -i "$WORK/id" -p "$PORT" -o UserKnownHostsFile="$WORK/known_hosts"
        -o BatchMode=yes -o Compression=no -o HostKeyAlgorithms=ssh-ed25519)
U="$BUSER@127.0.0.1"
export HOME="$WORK"

# run_one CLIENT CIPHER MAC DIR: prints "wall cpu" (seconds) of one transfer.
run_one() {
    local client=$1 cipher=$2 mac=$3 dir=$4
    local cmd=() m=()
    [ -n "$mac" ] && m=(-m "$mac")
    case $client in
    strata) cmd=("$STRATA" ssh "${COMMON[@]}" -c "$cipher" "${m[@]}" "$U") ;;
    openssh) cmd=(ssh "${COMMON[@]}" -o ControlMaster=no -c "$cipher" "${m[@]}" "$U") ;;
    libssh2) cmd=("$WORK/ssh_libssh2" "$PORT" "$BUSER" "$WORK/id.pub" "$WORK/id" "$cipher" "$mac"
                  "$dir" "$BYTES" "$DATA") ;;
    esac
    if [ "$client" != libssh2 ]; then
        if [ "$dir" = push ]; then cmd+=('cat > /dev/null'); else cmd+=("cat $DATA"); fi
    fi
    # Data goes through pipes, as in a script (`cat file | ssh host 'cat > x'`,
    # `ssh host cat x | wc -c`); the pipe's other end is not counted.
    if [ "$dir" = push ] && [ "$client" != libssh2 ]; then
        cat "$DATA" | /usr/bin/time -f "%e %U %S" -o "$WORK/t" "${cmd[@]}" >/dev/null
    else
        /usr/bin/time -f "%e %U %S" -o "$WORK/t" "${cmd[@]}" </dev/null | wc -c >"$WORK/pulled"
        if [ "$client" != libssh2 ] && [ "$(cat "$WORK/pulled")" != "$BYTES" ]; then
            echo "short pull by $client" >&2
            return 1
        fi
    fi
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$WORK/t"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { python3 -c "print($1)"; }

GB=$(calc "$BYTES / 1e9")
printf "# SSH benchmark: %s bytes per transfer, median of %s, loopback sshd (%s)\n\n" \
    "$BYTES" "$REPS" "$(ssh -V 2>&1)"
printf "| cipher | dir | client | MB/s | client CPU s/GB | throughput vs OpenSSH | CPU/GB vs OpenSSH |\n"
printf "|---|---|---|---|---|---|---|\n"
for row in "aes128-gcm@openssh.com|" "chacha20-poly1305@openssh.com|" \
    "aes128-ctr|hmac-sha2-256-etm@openssh.com"; do
    cipher=${row%%|*}
    mac=${row#*|}
    for dir in push pull; do
        declare -A TP=() CPU=()
        for client in openssh strata libssh2; do
            walls=()
            cpus=()
            for _ in $(seq "$REPS"); do
                read -r w c < <(run_one "$client" "$cipher" "$mac" "$dir")
                walls+=("$w")
                cpus+=("$c")
            done
            w=$(printf "%s\n" "${walls[@]}" | median)
            c=$(printf "%s\n" "${cpus[@]}" | median)
            TP[$client]=$(calc "'%.0f' % ($BYTES / 1e6 / max($w, 1e-3))")
            CPU[$client]=$(calc "'%.3f' % ($c / $GB)")
        done
        for client in openssh strata libssh2; do
            rt=$(calc "'%.2fx' % (${TP[$client]} / ${TP[openssh]})")
            rc=$(calc "'%.2fx' % (${CPU[$client]} / max(${CPU[openssh]}, 1e-9))")
            printf "| %s%s | %s | %s | %s | %s | %s | %s |\n" "$cipher" "${mac:+ + $mac}" "$dir" \
                "$client" "${TP[$client]}" "${CPU[$client]}" "$rt" "$rc"
        done
    done
done

# Connection set-up: a whole process running `true`, in milliseconds.
setup_ms() {
    local t=() s e
    for _ in $(seq "$SETUP_N"); do
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 </dev/null
        e=$(date +%s%N)
        t+=($(((e - s) / 1000)))
    done
    printf "%s\n" "${t[@]}" | median | awk '{printf "%.1f", $1 / 1000}'
}
so=$(setup_ms ssh "${COMMON[@]}" -o ControlMaster=no "$U" true)
ss=$(setup_ms "$STRATA" ssh "${COMMON[@]}" "$U" true)
printf "\nset-up (whole process \`CLIENT host true\`, median of %s): OpenSSH %s ms, strata %s ms (%s)\n" \
    "$SETUP_N" "$so" "$ss" "$(calc "'%.2fx' % ($ss / $so)")"
