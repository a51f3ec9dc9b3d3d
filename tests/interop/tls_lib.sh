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

free_port() {
    local p
    for _ in $(seq 50); do
        p=$(shuf -i 20000-60000 -n 1)
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
start_s_server() {
    local log=$1; shift
    rm -f "$log"
    PORT=$(free_port)
    # stdin that never ends (s_server stops at the end of its input).
    [ -p "$T/never" ] || mkfifo "$T/never"
    exec 7<>"$T/never"
    openssl s_server -accept "127.0.0.1:$PORT" "$@" < "$T/never" > "$log" 2>&1 &
    SPID=$!
    PIDS+=($SPID)
    wait_port "$PORT"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# make_pki: CA, leaves (EC, RSA, Ed25519) for localhost/127.0.0.1, another
# name, an expired one, a self-signed one, a client certificate.
make_pki() {
    cd "$T"
    local q="-batch -nodes"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 $q -keyout ca.key -out ca.pem \
        -subj "/CN=strata interop CA" -days 3 -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
    printf 'subjectAltName=DNS:other.example\n' > other.ext
    printf 'subjectAltName=DNS:client\nextendedKeyUsage=clientAuth\n' > client.ext
    leaf() { # name keyopts subject ext
        openssl req -newkey $2 $q -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
        openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 \
            -extfile "$4" -out "$1.pem" 2>/dev/null
    }
    leaf ec "ec -pkeyopt ec_paramgen_curve:P-256" /CN=localhost san.ext
    leaf rsa "rsa:2048" /CN=localhost san.ext
    leaf ed "ed25519" /CN=localhost san.ext
    leaf other "ec -pkeyopt ec_paramgen_curve:P-256" /CN=other.example other.ext
    leaf client "ec -pkeyopt ec_paramgen_curve:P-256" /CN=client client.ext
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
