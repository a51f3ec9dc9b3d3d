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

# root_sshd_with_echo: a throw-away sshd on 127.0.0.1 (root login by the key
# $WORK/id, TCP forwarding allowed, host key in $WORK/known_hosts) and a
# strata echo server; sets PORT (sshd) and EPORT (echo), HOME, and unsets
# SSH_AUTH_SOCK. Both processes are stopped by PID at exit.
root_sshd_with_echo() {
    mkdir -p /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/hk"
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
    cp "$WORK/id.pub" "$WORK/authorized_keys"
    PORT=$(free_port)
    cat >"$WORK/sshd_config" <<CFG
HostKey $WORK/hk
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
AllowTcpForwarding yes
ListenAddress 127.0.0.1
CFG
    /usr/sbin/sshd -f "$WORK/sshd_config" -D -e -p "$PORT" >"$WORK/sshd.log" 2>&1 &
    PIDS+=($!)
    wait_port "$PORT" "$!"
    echo "[127.0.0.1]:$PORT $(cat "$WORK/hk.pub")" >"$WORK/known_hosts"
    export HOME="$WORK/home"
    mkdir -p "$HOME"
    unset SSH_AUTH_SOCK
    EPORT=$(free_port)
    "$STRATA" listen "tcp:127.0.0.1:$EPORT" --echo >"$WORK/echo.log" 2>&1 &
    PIDS+=($!)
    wait_port "$EPORT" "$!"
}
