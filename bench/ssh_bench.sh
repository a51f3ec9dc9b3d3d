#!/usr/bin/env bash
# SSH throughput and set-up benchmark (issues 7, 17): strata ssh, OpenSSH's
# ssh (Debian's 9.2 and 10.5 built by scripts/peers.sh) and a small libssh2
# client (bench/ssh_libssh2.c) against one local sshd, with the same cipher,
# in one run, the clients alternating. A benchmark, not a test.
#
#   bash bench/ssh_bench.sh [BUILD_DIR]      (default build/release)
#   env: BYTES (1 GiB)  REPS (3)  SETUP_N (11; 0 leaves the set-up out)
#        CIPHERS (the ciphers to run, by name, space-separated; default all:
#        aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr)
#        DIRS (the directions to run, space-separated; default all:
#        push 'push<file' pull 'pull>null')
#        STRATA_BASE (another build's strata binary, e.g. main's: its rows,
#        "strata-base", show a change's effect in the same run)
#        SSH10 (OpenSSH 10.5's ssh; default: from ../shared/peers/build-openssh.sh
#        or /var/cache/strata-peers; the 10.5 rows are left out without it)
#
# For each cipher, four ways: push BYTES into `cat > /dev/null` from a pipe
# (`cat file | CLIENT`, "push") and from the file itself (`CLIENT < file`,
# "push<file"); pull BYTES from `cat` of a file in /dev/shm into a pipe
# (`CLIENT | wc -c`, "pull") and into /dev/null (`CLIENT > /dev/null`,
# "pull>null"). Wall time and the client's CPU seconds (user+sys, from
# /usr/bin/time) per GB, median of REPS; the libssh2 client only in the pipe
# rows (it reads and writes the data itself). Ratios are strata's (and
# libssh2's) against each OpenSSH; "goal" says whether strata has throughput
# >= 1.0x and CPU/GB <= 0.8x against every OpenSSH in the run (issue 17).
# Set-up: a whole `CLIENT host true` process, median of SETUP_N. The login
# user is a throw-away account with /bin/sh (root's shell start-up files
# would swamp the set-up figures).
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
[ -z "${STRATA_BASE:-}" ] || [ -x "$STRATA_BASE" ] || {
    echo "STRATA_BASE=$STRATA_BASE is not an executable" >&2
    exit 1
}
if [ -z "${SSH10:-}" ]; then
    for b in "$SRC/../shared/peers/build-openssh.sh" /work/shared/peers/build-openssh.sh; do
        if [ -f "$b" ] && p=$(bash "$b" 2>/dev/null) && [ -x "$p/bin/ssh" ]; then
            SSH10=$p/bin/ssh
            break
        fi
    done
fi
if [ -z "${SSH10:-}" ]; then
    for p in /var/cache/strata-peers/openssh-*/bin/ssh; do [ -x "$p" ] && SSH10=$p; done
fi
[ -n "${SSH10:-}" ] || echo "OpenSSH 10.5 not found (scripts/peers.sh): its rows are left out" >&2
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
    strata-base) cmd=("$STRATA_BASE" ssh "${COMMON[@]}" -c "$cipher" "${m[@]}" "$U") ;;
    openssh) cmd=(ssh "${COMMON[@]}" -o ControlMaster=no -c "$cipher" "${m[@]}" "$U") ;;
    openssh10) cmd=("$SSH10" "${COMMON[@]}" -o ControlMaster=no -c "$cipher" "${m[@]}" "$U") ;;
    libssh2) cmd=("$WORK/ssh_libssh2" "$PORT" "$BUSER" "$WORK/id.pub" "$WORK/id" "$cipher" "$mac"
                  "${dir%%[<>]*}" "$BYTES" "$DATA") ;;
    esac
    if [ "$client" != libssh2 ]; then
        case $dir in push*) cmd+=('cat > /dev/null') ;; *) cmd+=("cat $DATA") ;; esac
    fi
    # Data goes through pipes, as in a script (`cat file | ssh host 'cat > x'`,
    # `ssh host cat x | wc -c`; the pipe's other end is not counted), or
    # straight from the file / into /dev/null.
    local T=(/usr/bin/time -f "%e %U %S" -o "$WORK/t")
    case $client/$dir in
    libssh2/*) "${T[@]}" "${cmd[@]}" </dev/null >/dev/null ;;
    */push) cat "$DATA" | "${T[@]}" "${cmd[@]}" >/dev/null ;;
    */push\<file) "${T[@]}" "${cmd[@]}" <"$DATA" >/dev/null ;;
    */pull\>null) "${T[@]}" "${cmd[@]}" </dev/null >/dev/null ;;
    */pull)
        "${T[@]}" "${cmd[@]}" </dev/null | wc -c >"$WORK/pulled"
        if [ "$(cat "$WORK/pulled")" != "$BYTES" ]; then
            echo "short pull by $client" >&2
            return 1
        fi
        ;;
    esac
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$WORK/t"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { python3 -c "print($1)"; }

GB=$(calc "$BYTES / 1e9")
REFS=(openssh)
[ -n "${SSH10:-}" ] && REFS+=(openssh10)
printf "# SSH benchmark: %s bytes per transfer, median of %s, loopback sshd (%s)\n" \
    "$BYTES" "$REPS" "$(ssh -V 2>&1)"
printf "# openssh: %s; openssh10: %s\n\n" "$(ssh -V 2>&1)" \
    "$([ -n "${SSH10:-}" ] && "$SSH10" -V 2>&1 || echo "not found")"
hdr="| cipher | dir | client | MB/s | client CPU s/GB"
sep="|---|---|---|---|---"
for ref in "${REFS[@]}"; do
    hdr+=" | throughput vs $ref | CPU/GB vs $ref"
    sep+="|---|---"
done
printf "%s | goal |\n%s|---|\n" "$hdr" "$sep"
CIPHERS=${CIPHERS:-aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr}
DIRS=${DIRS:-push push<file pull pull>null}
for row in "aes128-gcm@openssh.com|" "chacha20-poly1305@openssh.com|" \
    "aes128-ctr|hmac-sha2-256-etm@openssh.com"; do
    cipher=${row%%|*}
    mac=${row#*|}
    case " $CIPHERS " in *" $cipher "*) ;; *) continue ;; esac
    for dir in push 'push<file' pull 'pull>null'; do
        case " $DIRS " in *" $dir "*) ;; *) continue ;; esac
        declare -A TP=() CPU=()
        clients=("${REFS[@]}" strata)
        [ -n "${STRATA_BASE:-}" ] && clients+=(strata-base)
        case $dir in push | pull) clients+=(libssh2) ;; esac
        # Alternate the clients, one transfer each per round.
        declare -A WALLS=() CPUS=()
        for _ in $(seq "$REPS"); do
            for client in "${clients[@]}"; do
                read -r w c < <(run_one "$client" "$cipher" "$mac" "$dir")
                WALLS[$client]+="$w "
                CPUS[$client]+="$c "
            done
        done
        for client in "${clients[@]}"; do
            # shellcheck disable=SC2086
            w=$(printf "%s\n" ${WALLS[$client]} | median)
            # shellcheck disable=SC2086
            c=$(printf "%s\n" ${CPUS[$client]} | median)
            TP[$client]=$(calc "'%.0f' % ($BYTES / 1e6 / max($w, 1e-3))")
            CPU[$client]=$(calc "'%.3f' % ($c / $GB)")
        done
        for client in "${clients[@]}"; do
            line="| $cipher${mac:+ + $mac} | $dir | $client | ${TP[$client]} | ${CPU[$client]}"
            goal=yes
            for ref in "${REFS[@]}"; do
                rt=$(calc "${TP[$client]} / ${TP[$ref]}")
                rc=$(calc "${CPU[$client]} / max(${CPU[$ref]}, 1e-9)")
                line+=$(calc "' | %.2fx | %.2fx' % ($rt, $rc)")
                [ "$(calc "int($rt >= 1.0 and $rc <= 0.8)")" = 1 ] || goal=no
            done
            [ "$client" = strata ] || goal=""
            printf "%s | %s |\n" "$line" "$goal"
        done
        unset TP CPU WALLS CPUS
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
[ "$SETUP_N" -gt 0 ] || exit 0
so=$(setup_ms ssh "${COMMON[@]}" -o ControlMaster=no "$U" true)
ss=$(setup_ms "$STRATA" ssh "${COMMON[@]}" "$U" true)
printf "\nset-up (whole process \`CLIENT host true\`, median of %s): OpenSSH %s ms, strata %s ms (%s)\n" \
    "$SETUP_N" "$so" "$ss" "$(calc "'%.2fx' % ($ss / $so)")"
