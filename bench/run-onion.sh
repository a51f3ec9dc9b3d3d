#!/usr/bin/env bash
# The onion benchmark (issue 5, onion): bulk throughput through 1-4 nested TLS
# layers over loopback, in ONE run. Every sender at a depth sends to the same
# OpenSSL sink (the peers' tlsbench server peeling N layers with BIO pairs):
#   (a)  the peers' plain C program, SSL_write on the socket (1 layer only);
#   (b)  the peers' hand-written OpenSSL onion: BIO pairs, zero-copy
#        BIO_nread/BIO_nwrite (tlsbench --mode pair), default 16 KiB records;
#   (b') the same with inner records sized to fit one outer record (layers >= 2:
#        tlsbench --frag F --chunk F, F = 16384 - 22 * (layers - 1), as the
#        peers' run-tls.sh measures it);
#   (c)  Twisted: the peers' tls_py.py client, TLSMemoryBIOProtocol onion of
#        factories (Debian's python3-twisted), PY_BYTES per run since it is
#        slower; it speaks the sink's protocol (8-byte big-endian length, the
#        bytes, reply 'K');
#   (c') the issue's own Twisted figure: the same client to the peers' Twisted
#        server (tls_py.py server), as the peers measured it (TWS_LAYERS);
#   strata: bench/onion_send, N strata TLS layers on a strata stack over the io
#        driver (the subject).
# TLS 1.3, TLS_AES_128_GCM_SHA256, X25519 (the sink allows nothing else; the
# Python programs get the same through OPENSSL_CONF, and the suites they
# negotiated are checked), 16 KiB application writes.
# Prints medians of REPS runs (MB/s, sender CPU s/GB, and how busy the sink
# was: its CPU seconds over its wall seconds for the data, from its own
# report; near 1.00 the sink, not the sender, set the pace) and ratios:
#   x (a)  = row / (a);
#   x (b)  = strata / the BETTER (higher MB/s) of (b) and (b') at that depth
#            (issue 5's target: >= 1.1 at every depth);
#   x (tw) = strata / (c), and on the (c') row strata / (c') (issue 5's
#            target: >= 2 at 2 layers).
# The peers' programs are compiled from / run in ../shared/peers-bench (tlsbench
# into build/peers; tls_py.py in place), never copied into the project.
#   bash bench/run-onion.sh
#   env: BYTES (1 GiB), PY_BYTES (256 MiB), REPS (3), LAYERS ("1 2 3 4"),
#        TW_LAYERS (depths for (c), default LAYERS), TWS_LAYERS (depths for
#        (c'), default "1 2"), PY (/usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BYTES:-1073741824}
PY_BYTES=${PY_BYTES:-268435456}
REPS=${REPS:-3}
LAYERS=${LAYERS:-"1 2 3 4"}
TW_LAYERS=${TW_LAYERS:-$LAYERS}
TWS_LAYERS=${TWS_LAYERS:-"1 2"}
PEERS=${PEERS:-../shared/peers-bench}
PY=${PY:-/usr/bin/python3} # Debian's python, which sees python3-twisted
[ -f "$PEERS/py/tls_py.py" ] || { echo "no $PEERS/py/tls_py.py (../shared beside the project)"; exit 1; }
bash scripts/deps.sh bench
"$PY" -W ignore -c 'import twisted.protocols.tls' || { echo "$PY cannot import Twisted (python3-twisted)"; exit 1; }
source bench/peers_lib.sh
bench_release onion_send
peers_tlsbench
SEND=build/release/bench/onion_send
work=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$work/ec.key" -out "$work/ec.crt" 2>/dev/null
# The Python programs take their TLS 1.3 suite and group from OpenSSL's config.
cat >"$work/openssl.cnf" <<'CNF'
openssl_conf = conf
[conf]
ssl_conf = ssl
[ssl]
system_default = sys
[sys]
Ciphersuites = TLS_AES_128_GCM_SHA256
Groups = X25519
CNF
TWC=(env OPENSSL_CONF="$work/openssl.cnf" "$PY" "$PEERS/py/tls_py.py" client --impl twisted)
port=$((24000 + RANDOM % 20000))
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
median() { printf '%s\n' "$@" | sort -g | awk 'NF {a[++n]=$1} END {print (n ? a[int((n+1)/2)] : "n/a")}'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN{ if (x + 0 > 0 && y + 0 > 0) printf "%.2f", x / y; else printf "-" }'; }
row() { printf '%-7s %-36s %10s %10s %7s %7s %7s %9s\n' "$@"; }

sink_start() { # MODE LAYERS: the tlsbench server on 127.0.0.1:$port, bounded wait until it listens
    "$TB" server --mode "$1" --layers "$2" --port "$port" --cert "$work/ec.crt" --key "$work/ec.key" \
        --max-conns 1000 --lifetime 900 >"$work/srv.log" 2>&1 &
    srv=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -q . && return 0; sleep 0.1; done
    echo "sink ($1, $2 layers) did not listen on $port" >&2
    exit 1
}
sink_stop() { # bounded: TERM, up to 2 s, then KILL
    [ -n "$srv" ] || return 0
    kill "$srv" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$srv" 2>/dev/null || true
    wait "$srv" 2>/dev/null || true
    srv=
}

once() { # KEY CMD...: one run; its MB/s and CPU s/GB go to the lists of KEY
    local key=$1 line s
    shift
    line=$(timeout 300 "$@" 2>>"$work/err") || { echo "  run failed: $*" >&2; tail -3 "$work/err" >&2; return 0; }
    s=$(kv suites "$line")
    if [ -n "$s" ] && tr ',' '\n' <<<"$s" | grep -qv '^TLS_AES_128_GCM_SHA256$'; then
        echo "  unexpected suites $s: $*" >&2
        return 0
    fi
    MBS[$key]+=" $(kv MBps "$line")"
    CPUS[$key]+=" $(kv cpu_s_per_GB "$line")"
    # The sink's report of this connection (written before its reply 'K').
    s=$(grep '^server_conn' "$work/srv.log" 2>/dev/null | tail -1)
    [ -z "$s" ] || BUSY[$key]+=" $(awk -v w="$(kv data_s "$s")" -v c="$(kv cpu_s "$s")" \
        'BEGIN {printf "%.2f", (w > 0 ? c / w : 0)}')"
}
med() { # KEY: sets MB and CPU, the medians of KEY's runs
    # shellcheck disable=SC2086 # the lists are space-separated on purpose
    MB=$(median ${MBS[$1]-}) CPU=$(median ${CPUS[$1]-}) SB=$(median ${BUSY[$1]-})
}
run() { # CMD...: REPS runs of one sender; sets MB and CPU (medians)
    MBS[one]='' CPUS[one]='' BUSY[one]=''
    for _ in $(seq "$REPS"); do once one "$@"; done
    med one
}
declare -A MBS CPUS BUSY

twisted() { # LAYERS: (c) against the running sink, if Twisted runs at this depth; sets twmb, twcpu
    twmb='' twcpu='' twsb=''
    [[ " $TW_LAYERS " == *" $1 "* ]] || return 0
    run "${TWC[@]}" --layers "$1" --port "$port" --ca "$work/ec.crt" --bytes "$PY_BYTES"
    twmb=$MB twcpu=$CPU twsb=$SB
}

twisted_pair() { # LAYERS: (c') Twisted client to the peers' Twisted server; sets tsmb, tscpu
    tsmb='' tscpu=''
    [[ " $TWS_LAYERS " == *" $1 "* ]] || return 0
    env OPENSSL_CONF="$work/openssl.cnf" "$PY" "$PEERS/py/tls_py.py" server --impl twisted \
        --layers "$1" --port "$port" --cert "$work/ec.crt" --key "$work/ec.key" \
        --max-conns 1000 --lifetime 900 >"$work/srv.log" 2>&1 &
    srv=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.1; done
    run "${TWC[@]}" --layers "$1" --port "$port" --ca "$work/ec.crt" --bytes "$PY_BYTES"
    tsmb=$MB tscpu=$CPU
    sink_stop
}

echo "onion benchmark: $((BYTES >> 20)) MiB per run (Twisted $((PY_BYTES >> 20)) MiB), median of $REPS," \
    "$(date -u +%FT%TZ)"
echo "x (b): strata against the better of (b) and (b'); x (tw): strata against (c) Twisted, or (c')"
row layers sender "MB/s" "CPU s/GB" "x (a)" "x (b)" "x (tw)" "sink busy"
amb=
for L in $LAYERS; do
    sink_start pair "$L"
    f=$((16384 - 22 * (L - 1)))
    MBS=() CPUS=() BUSY=()
    # The C senders take turns, rep after rep, so a slow spell of the
    # machine falls on all of them alike.
    for _ in $(seq "$REPS"); do
        [ "$L" != 1 ] || once a "$TB" client --mode sock --layers 1 --port "$port" --ca "$work/ec.crt" \
            --bytes "$BYTES"
        once b "$TB" client --mode pair --layers "$L" --port "$port" --ca "$work/ec.crt" --bytes "$BYTES"
        [ "$L" = 1 ] || once b2 "$TB" client --mode pair --layers "$L" --port "$port" --ca "$work/ec.crt" \
            --bytes "$BYTES" --frag "$f" --chunk "$f"
        once s "$SEND" --port "$port" --layers "$L" --ca "$work/ec.crt" --bytes "$BYTES"
    done
    if [ "$L" = 1 ]; then # (a): TLS straight on the socket
        med a
        amb=$MB
        row 1 "(a) OpenSSL SSL_write on socket" "$MB" "$CPU" 1.00 - - "$SB"
    fi
    med b
    bmb=$MB
    row "$L" "(b) OpenSSL onion, BIO pairs" "$MB" "$CPU" "$(ratio "$MB" "$amb")" - - "$SB"
    if [ "$L" != 1 ]; then
        med b2
        row "$L" "(b') BIO pairs, inner records $f" "$MB" "$CPU" "$(ratio "$MB" "$amb")" - - "$SB"
        bmb=$(awk -v x="$bmb" -v y="$MB" 'BEGIN{ print (y + 0 > x + 0 ? y : x) }')
    fi
    med s
    smb=$MB scpu=$CPU ssb=$SB
    twisted "$L"
    sink_stop
    twisted_pair "$L"
    [ -z "$twmb" ] || row "$L" "(c) Twisted TLSMemoryBIOProtocol" "$twmb" "$twcpu" "$(ratio "$twmb" "$amb")" - - "$twsb"
    [ -z "$tsmb" ] || row "$L" "(c') Twisted to Twisted's server" "$tsmb" "$tscpu" "$(ratio "$tsmb" "$amb")" \
        - "$(ratio "$smb" "$tsmb")" -
    row "$L" "strata stack, io driver" "$smb" "$scpu" "$(ratio "$smb" "$amb")" "$(ratio "$smb" "$bmb")" \
        "$(ratio "$smb" "$twmb")" "$ssb"
done
