# Shared helpers for the TLS interop scripts (sourced). Throw-away keys in a
# mktemp dir, peers on 127.0.0.1, every process stopped by PID, every wait
# bounded.
set -euo pipefail

PEER=${STRATA_BUILD:?}/tests/tls_peer
for bin in openssl curl ss timeout; do
    command -v "$bin" >/dev/null || { echo "FAIL: $bin is missing (scripts/deps.sh installs it)"; exit 1; }
done
[ -x "$PEER" ] || { echo "FAIL: $PEER is not built"; exit 1; }

T=$(mktemp -d /tmp/strata-tls-interop.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
finish() { [ "$fails" -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }; }

# expect NAME FILE PATTERN: FILE contains the fixed string PATTERN.
expect() {
    if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1: no '$3' in:"; sed 's/^/    /' "$2"; fi
}

# free_port: a port nothing listens on, below the kernel's ephemeral range
# (32768 up), so no outgoing connection of a test running beside us holds it.
free_port() {
    local p
    for _ in $(seq 50); do
        p=$(shuf -i 20000-32767 -n 1)
        ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
    echo "no free port" >&2; exit 1
}

# wait_port PORT: until something listens (at most 10 s).
wait_port() {
    for _ in $(seq 100); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2; return 1
}

# start_peer LOG ARGS...: tls_peer server/raw in the background; sets PORT.
start_peer() {
    local log=$1; shift
    rm -f "$log" # a peer still exiting keeps the old file, not this one
    "$PEER" "$@" > "$log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^PORT //p' "$log" 2>/dev/null | head -1 || true)
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "tls_peer did not start:" >&2; cat "$log" >&2; return 1
}

# start_s_server LOG ARGS...: openssl s_server on a free port; sets PORT, SPID.
# (a port taken between free_port and the bind: another port, at most 5 tries)
start_s_server() {
    local log=$1; shift
    # stdin that never ends (s_server stops at the end of its input).
    [ -p "$T/never" ] || mkfifo "$T/never"
    exec 7<>"$T/never"
    for _ in 1 2 3 4 5; do
        rm -f "$log"
        PORT=$(free_port)
        openssl s_server -accept "127.0.0.1:$PORT" "$@" < "$T/never" > "$log" 2>&1 &
        SPID=$!
        PIDS+=($SPID)
        for _ in $(seq 100); do
            ss -Htln "sport = :$PORT" | grep -q . && return 0
            kill -0 "$SPID" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$SPID" 2>/dev/null && break # alive but not listening: give up
    done
    echo "openssl s_server did not listen:" >&2; cat "$log" >&2; return 1
}

# start_listen LOG ARGS...: strata listen; sets PORT, LPID (the
# listen address must be 127.0.0.1, port 0).
start_listen() {
    local log=$1; shift
    rm -f "$log"
    "$STRATA" listen "$@" 2> "$log" &
    LPID=$!
    PIDS+=($LPID)
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^strata: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$log" 2>/dev/null || true)
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "strata listen did not start:" >&2; cat "$log" >&2; return 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# make_pki: with `strata cert`, a CA and leaves (EC, RSA, Ed25519) for
# localhost/127.0.0.1, another name, a client certificate; with the openssl
# CLI what strata cert does not make on purpose: a self-signed leaf and an
# expired one (dates in the past).
make_pki() {
    cd "$T"
    local q="-batch -nodes" S=${STRATA:?}
    "$S" cert ca --subject "/CN=strata interop CA" --key ca.key -o ca.pem --days 3 >/dev/null
    leaf() { # name key-type subject san [--client]
        "$S" cert issue --ca ca.pem --ca-key ca.key --subject "$3" --san "$4" --key "$1.key" \
            --key-type "$2" -o "$1.pem" --days 3 ${5:-} >/dev/null
    }
    leaf ec ec:p256 /CN=localhost DNS:localhost,IP:127.0.0.1
    leaf rsa rsa:2048 /CN=localhost DNS:localhost,IP:127.0.0.1
    leaf ed ed25519 /CN=localhost DNS:localhost,IP:127.0.0.1
    leaf other ec:p256 /CN=other.example DNS:other.example
    leaf client ec:p256 /CN=client DNS:client --client
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 $q -keyout self.key -out self.pem \
        -subj /CN=localhost -days 3 -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
    # Expired: signed by the CA with dates in the past (openssl ca).
    mkdir -p db && : > db/index && echo 1000 > db/serial
    cat > ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = db/index
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
CNF
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 $q -keyout expired.key -out expired.csr \
        -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
        -startdate 20200101000000Z -enddate 20200102000000Z -notext 2>/dev/null
    cd - >/dev/null
}
