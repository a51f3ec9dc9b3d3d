# Shared helpers for the SSH interop tests (sourced; not a test itself).
# Every peer listens on 127.0.0.1 on a free port, with throw-away keys in a
# mktemp directory, and is stopped by PID in the EXIT trap.
set -euo pipefail

: "${STRATA:?STRATA must name the strata binary}"
: "${STRATA_BUILD:?STRATA_BUILD must name the build directory}"
PROBE="$STRATA_BUILD/tests/ssh_transport_probe"
WORK=$(mktemp -d)
PIDS=()
FAILS=0

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "FAIL: $1 is not installed (scripts/deps.sh installs it)"; exit 1; }
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: until something accepts on 127.0.0.1:PORT (bounded).
wait_port() {
    for _ in $(seq 1 100); do
        if ! kill -0 "$2" 2>/dev/null; then echo "FAIL: server $2 exited early"; return 1; fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "FAIL: nothing listens on 127.0.0.1:$1"
    return 1
}

check() { # check NAME EXPECTED_SUBSTRING COMMAND...
    local name=$1 want=$2 out
    shift 2
    if out=$(timeout 60 "$@" 2>&1) && [[ "$out" == *"$want"* ]]; then
        echo "ok   $name"
    else
        echo "FAIL $name: want '$want', got: $out"
        FAILS=$((FAILS + 1))
    fi
}

finish() {
    if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
    echo "all checks passed"
}

# root_sshd NAME EXTRA_CONFIG: a throw-away sshd on 127.0.0.1 with root login
# by the key $WORK/id (made on first use, as is the host key $WORK/hk, which
# goes into $WORK/known_hosts), EXTRA_CONFIG lines appended to its config,
# logging to $WORK/sshd_NAME.log. Sets PORT and SSHD_PID; stopped by PID at
# exit (or earlier by the caller, by SSHD_PID).
root_sshd() {
    mkdir -p /run/sshd
    [ -f "$WORK/hk" ] || ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
    if [ ! -f "$WORK/id" ]; then
        ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
        cp "$WORK/id.pub" "$WORK/authorized_keys"
    fi
    PORT=$(free_port)
    cat >"$WORK/sshd_$1.conf" <<CFG
HostKey $WORK/hk
PidFile $WORK/sshd_$1.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
ListenAddress 127.0.0.1
$2
CFG
    "${SSHD:-/usr/sbin/sshd}" -f "$WORK/sshd_$1.conf" -D -e -p "$PORT" >"$WORK/sshd_$1.log" 2>&1 &
    SSHD_PID=$!
    PIDS+=("$SSHD_PID")
    wait_port "$PORT" "$SSHD_PID"
    echo "[127.0.0.1]:$PORT $(cat "$WORK/hk.pub")" >>"$WORK/known_hosts"
}

# modern_openssh: the prefix of today's OpenSSH (10.5), built from
# ../shared/peers by its own cached script (scripts/peers.sh builds it before
# the tests); fails the test when it cannot be had.
modern_openssh() {
    local builder="$STRATA_SRC/../shared/peers/build-openssh.sh" prefix
    [ -f "$builder" ] || { echo "FAIL: $builder is missing (../shared beside the clone)" >&2; return 1; }
    prefix=$(bash "$builder" 2>"$WORK/build-openssh.log") &&
        [ -x "$prefix/sbin/sshd" ] || { echo "FAIL: building OpenSSH 10.5" >&2; tail -20 "$WORK/build-openssh.log" >&2; return 1; }
    echo "$prefix"
}

# each_sshd SCRIPT: unless SSHD is set, runs SCRIPT once with SSHD set to
# Debian 12's sshd and once to OpenSSH 10.5's, then exits with failure if
# either run failed; with SSHD set, returns (the run itself goes on).
each_sshd() {
    [ -z "${SSHD:-}" ] || return 0
    local ossh sshd rc=0
    ossh=$(modern_openssh) || exit 1
    for sshd in /usr/sbin/sshd "$ossh/sbin/sshd"; do
        echo "== against $sshd"
        SSHD=$sshd bash "$1" || rc=1
    done
    exit $rc
}

# sftp_server_of SSHD: the sftp-server that goes with that sshd.
sftp_server_of() {
    if [ "$1" = /usr/sbin/sshd ]; then echo /usr/lib/openssh/sftp-server; else echo "$(dirname "$(dirname "$1")")/libexec/sftp-server"; fi
}

# root_sshd_with_echo [EXTRA_CONFIG]: root_sshd with TCP forwarding allowed, and a strata
# echo server; sets PORT (sshd) and EPORT (echo), HOME, and unsets
# SSH_AUTH_SOCK. Both processes are stopped by PID at exit.
root_sshd_with_echo() {
    root_sshd main "AllowTcpForwarding yes
${1:-}"
    export HOME="$WORK/home"
    mkdir -p "$HOME"
    unset SSH_AUTH_SOCK
    EPORT=$(free_port)
    "$STRATA" listen "tcp:127.0.0.1:$EPORT" --echo >"$WORK/echo.log" 2>&1 &
    PIDS+=($!)
    wait_port "$EPORT" "$!"
}

# dropbear_user PREFIX: a throw-away user PREFIX$$ (in TUSER) whose home is
# $WORK/home, with an empty $WORK/home/.ssh for the caller's authorized_keys;
# deleted at exit. Then dropbear_start.
dropbear_user() {
    [ -d "${WORK:-}" ] || { echo "FAIL: no test directory"; exit 1; }
    TUSER="$1$$"
    useradd -M -d "$WORK/home" -s /bin/sh "$TUSER"
    trap 'userdel "$TUSER" 2>/dev/null || true; cleanup' EXIT
    mkdir -p "$WORK/home/.ssh"
}

# dropbear_start: hands $WORK/home to TUSER with the modes Dropbear checks,
# starts Dropbear on 127.0.0.1 with a throw-away ed25519 host key (its line
# in $WORK/known_hosts), logging to $WORK/db.log; sets PORT; stopped by PID
# at exit.
dropbear_start() {
    chown -R "$TUSER" "$WORK/home"
    chmod 700 "$WORK/home" "$WORK/home/.ssh"
    chmod 600 "$WORK/home/.ssh/authorized_keys"
    chmod 755 "$WORK"
    dropbearkey -t ed25519 -f "$WORK/hk" >/dev/null 2>&1
    PORT=$(free_port)
    dropbear -F -E -p "127.0.0.1:$PORT" -r "$WORK/hk" -P "$WORK/db.pid" >"$WORK/db.log" 2>&1 &
    PIDS+=($!)
    wait_port "$PORT" "$!"
    echo "[127.0.0.1]:$PORT $(dropbearkey -y -f "$WORK/hk" | grep '^ssh-')" >"$WORK/known_hosts"
}
