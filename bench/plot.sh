#!/usr/bin/env bash
# bench/plot.sh - runs the benchmarks that compare strata with its peers, keeps
# their output as results files, and draws PNG charts of them with gnuplot
# (Debian's gnuplot-nox: scripts/deps.sh bench).
#
#   bash bench/plot.sh                 run every benchmark, then draw
#   bash bench/plot.sh --plot-only     draw from the results files already there
#   bash bench/plot.sh SECTION...      run these only (then draw all there is):
#                                      memory onion tls ssh listen
#
# env: RESULTS (build/bench-results: the results files), OUT (docs/bench: the
#      PNGs), PEERS (../shared/peers-bench), and what each script takes:
#      BYTES, PY_BYTES, REPS (run-onion.sh, run-tls.sh), SSH_BYTES, SSH_REPS
#      (ssh_bench.sh's BYTES and REPS), SECONDS_MEM (strata bench --seconds).
#
# Sections and the files they leave in $RESULTS:
#   memory  strata bench --json onion handshakes > memory.jsonl (in memory, no
#           sockets: strata's stacks against nested OpenSSL SSL objects)
#   onion   bench/run-onion.sh > onion.txt (1-4 TLS layers over loopback into
#           one OpenSSL sink: strata, the hand-written OpenSSL onion, Twisted)
#   tls     bench/run-tls.sh > tls.txt (socket mode against plain SSL_write;
#           no chart: its ratios are in the README)
#   ssh     bench/ssh_bench.sh > ssh.md (strata ssh, OpenSSH, libssh2 per
#           cipher, push and pull: MB/s and client CPU s/GB)
#   listen  bench/run-listen.sh > listen.txt, when that script exists. The
#           chart takes its lines that carry `workers=N` and `hs_per_s=X`
#           and/or `MBps=X` (key=value, in any order), with `who=NAME` (e.g.
#           strata, stunnel; default strata) and `cert=ec|rsa` naming the
#           series (handshakes: one per server and certificate).
# A section whose script is missing or fails is reported and skipped; the
# charts are drawn from whatever results files exist:
#   onion.png (MB/s vs layers), onion-memory.png (in memory, from the JSON),
#   ssh.png (MB/s and CPU s/GB per cipher and direction), listen.png.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
RESULTS=${RESULTS:-build/bench-results}
OUT=${OUT:-docs/bench}
export PEERS=${PEERS:-../shared/peers-bench}
mkdir -p "$RESULTS" "$OUT"

plot_only=0
sections=()
for a in "$@"; do
    case $a in
    --plot-only) plot_only=1 ;;
    memory | onion | tls | ssh | listen) sections+=("$a") ;;
    -h | --help)
        sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "plot.sh: unknown argument '$a' (--plot-only, memory, onion, tls, ssh, listen)" >&2
        exit 2
        ;;
    esac
done
[ ${#sections[@]} -gt 0 ] || sections=(memory onion tls ssh listen)

bash scripts/deps.sh bench || exit 1
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is missing (scripts/deps.sh bench)" >&2; exit 1; }
note() { echo "plot.sh: $*" >&2; }

# run NAME FILE CMD...: runs one benchmark into $RESULTS/FILE (kept only when
# it succeeds, so a failed run leaves the last good results in place).
run() {
    local name=$1 file=$2
    shift 2
    note "$name: $* > $RESULTS/$file"
    if "$@" >"$RESULTS/$file.new" 2>"$RESULTS/$file.err"; then
        mv "$RESULTS/$file.new" "$RESULTS/$file"
        rm -f "$RESULTS/$file.err" # kept only to show a failure
        cat "$RESULTS/$file"
    else
        note "$name failed (exit $?); its stderr:"
        tail -5 "$RESULTS/$file.err" >&2
        rm -f "$RESULTS/$file.new"
    fi
}

if [ $plot_only = 0 ]; then
    cmake --preset release >/dev/null && cmake --build --preset release -j2 >/dev/null || exit 1
    for s in "${sections[@]}"; do
        case $s in
        memory)
            run memory memory.jsonl build/release/strata bench --json --seconds "${SECONDS_MEM:-2}" \
                onion handshakes
            ;;
        onion) run onion onion.txt bash bench/run-onion.sh ;;
        tls) run tls tls.txt bash bench/run-tls.sh ;;
        ssh)
            run ssh ssh.md env BYTES="${SSH_BYTES:-268435456}" REPS="${SSH_REPS:-3}" \
                bash bench/ssh_bench.sh build/release
            ;;
        listen)
            if [ -f bench/run-listen.sh ]; then
                run listen listen.txt bash bench/run-listen.sh
            else
                note "listen: no bench/run-listen.sh in this tree: no listen chart from a new run"
            fi
            ;;
        esac
    done
fi

# ---------------------------------------------------------------- charts
when=$(date -u +%Y-%m-%d)
host="$(nproc) cores, $(uname -m)"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
drawn=()

# gp FILE SCRIPT: draws one PNG with gnuplot; the script's first lines set the
# terminal and output.
gp() {
    local png=$1
    shift
    printf "set terminal pngcairo size 900,540 font 'sans,10' noenhanced\nset output '%s'\n%s\n" "$png" "$1" \
        >"$D/gp.gp"
    if gnuplot "$D/gp.gp" 2>"$D/gp.err"; then
        drawn+=("$png")
    else
        note "gnuplot failed for $png:"
        cat "$D/gp.err" >&2
        rm -f "$png"
    fi
}

# onion.txt: the rows of run-onion.sh's table (printf '%-7s %-36s %10s ...'):
# layers, sender (36 wide), MB/s, CPU s/GB, ratios.
if [ -s "$RESULTS/onion.txt" ]; then
    awk '
        $1 ~ /^[0-9]+$/ && length($0) > 46 {
            l = $1; who = substr($0, 9, 36); split(substr($0, 46), f, " ")
            mb = f[1] + 0; cpu = f[2] + 0
            if (who ~ /^strata/) { s[l] = mb; sc[l] = cpu }
            else if (who ~ /^\(b\)/ || who ~ /^\(b.\)/) {
                if (mb > b[l]) b[l] = mb
                if (!(l in bc) || cpu < bc[l]) bc[l] = cpu
            }
            else if (who ~ /^\(c\)/) { tw[l] = mb; twc[l] = cpu }
            else if (who ~ /^\(a\)/) { a[l] = mb; ac[l] = cpu }
            if (l > max) max = l
        }
        function v(arr, k) { return (k in arr) ? arr[k] : "NaN" }
        END {
            for (l = 1; l <= max; l++)
                print l, v(s, l), v(b, l), v(tw, l), v(a, l), v(sc, l), v(bc, l), v(twc, l), v(ac, l)
        }' "$RESULTS/onion.txt" >"$D/onion.dat"
    stamp=$(sed -n 's/^onion benchmark: \(.*\), \([0-9T:-]*Z\)$/\2, \1/p' "$RESULTS/onion.txt")
    if [ -s "$D/onion.dat" ]; then
        gp "$OUT/onion.png" "
            set terminal pngcairo size 1100,480 font 'sans,10' noenhanced; set output '$OUT/onion.png'
            set multiplot layout 1,2 title 'TLS 1.3 bulk through nested layers, loopback, one OpenSSL sink (${stamp:-$when}; $host)'
            set xlabel 'TLS layers'; set xtics 1; set autoscale xfix; set offsets 0.15, 0.15, 0, 0
            set grid ytics; set key top right; set yrange [0:*]; set style data linespoints
            set ylabel 'MB/s (10^6 bytes/s), median'
            plot '$D/onion.dat' using 1:2 title 'strata (stack, io driver)' lw 2 pt 7, \\
                 '' using 1:3 title 'OpenSSL onion, BIO pairs (better of 2 record sizes)' lw 2 pt 5, \\
                 '' using 1:4 title 'Twisted TLSMemoryBIOProtocol' lw 2 pt 9, \\
                 '' using 1:5 title 'OpenSSL SSL_write on the socket' pt 13 ps 2
            set ylabel 'sender CPU seconds per GB (lower is better)'; set key top left
            plot '$D/onion.dat' using 1:6 title 'strata' lw 2 pt 7, \\
                 '' using 1:7 title 'OpenSSL onion (the cheaper)' lw 2 pt 5, \\
                 '' using 1:8 title 'Twisted' lw 2 pt 9, \\
                 '' using 1:9 title 'SSL_write on the socket' pt 13 ps 2
            unset multiplot"
    fi
else
    note "no $RESULTS/onion.txt: no onion chart"
fi

# memory.jsonl: strata bench --json; the onion rows carry their depth.
if [ -s "$RESULTS/memory.jsonl" ]; then
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("bench") == "onion" and "layers" in r:
        print(r["layers"], r["strata"], r["openssl"])
' "$RESULTS/memory.jsonl" >"$D/memory.dat"
    if [ -s "$D/memory.dat" ]; then
        gp "$OUT/onion-memory.png" "
            set title 'TLS 1.3 layers in memory, no sockets: strata bench --json onion ($when, $host)'
            set xlabel 'TLS layers'; set ylabel 'MB/s (10^6 bytes/s), CPU time of one thread'
            set xtics 1; set autoscale xfix; set offsets 0.15, 0.15, 0, 0; set grid ytics; set key top right; set yrange [0:*]
            set style data linespoints
            plot '$D/memory.dat' using 1:2 title 'strata stacks, corked' lw 2 pt 7, \
                 '' using 1:3 title 'nested OpenSSL SSL objects, fitted records' lw 2 pt 5"
    fi
else
    note "no $RESULTS/memory.jsonl: no in-memory onion chart"
fi

# ssh.md: ssh_bench.sh's table rows
# | cipher | dir | client | MB/s | client CPU s/GB | x | x |
if [ -s "$RESULTS/ssh.md" ]; then
    awk -F'|' '
        NF >= 8 && ($3 ~ /push|pull/) {
            for (i = 2; i <= 6; i++) gsub(/^ +| +$/, "", $i)
            c = $2; sub(/@openssh\.com/, "", c); sub(/ \+ hmac-sha2-256-etm/, "+etm", c)
            sub(/-poly1305/, "", c)
            key = c " " $3
            if (!(key in seen)) { seen[key] = 1; order[++n] = key }
            mb[key, $4] = $5; cpu[key, $4] = $6
        }
        END {
            for (i = 1; i <= n; i++) {
                k = order[i]
                printf "\"%s\" %s %s %s %s %s %s\n", k,
                    mb[k, "openssh"] + 0, mb[k, "strata"] + 0, mb[k, "libssh2"] + 0,
                    cpu[k, "openssh"] + 0, cpu[k, "strata"] + 0, cpu[k, "libssh2"] + 0
            }
        }' "$RESULTS/ssh.md" >"$D/ssh.dat"
    ver=$(sed -n 's/.*loopback sshd (\([^,]*\).*/\1/p' "$RESULTS/ssh.md" | head -1)
    if [ -s "$D/ssh.dat" ]; then
        gp "$OUT/ssh.png" "
            set terminal pngcairo size 1100,800 font 'sans,10' noenhanced; set output '$OUT/ssh.png'
            set multiplot layout 2,1 title 'SSH bulk over loopback into ${ver:-sshd} ($when, $host)'
            set style data histograms; set style histogram clustered gap 1
            set style fill solid 0.8 border -1; set boxwidth 0.9
            set grid ytics; set key outside top center horizontal; set yrange [0:*]
            set ylabel 'MB/s (median)'
            plot '$D/ssh.dat' using 2:xtic(1) title 'OpenSSH ssh', '' using 3 title 'strata ssh', \
                 '' using 4 title 'libssh2'
            set ylabel 'client CPU s per GB (lower is better)'
            plot '$D/ssh.dat' using 5:xtic(1) title 'OpenSSH ssh', '' using 6 title 'strata ssh', \
                 '' using 7 title 'libssh2'
            unset multiplot"
    fi
else
    note "no $RESULTS/ssh.md: no SSH chart"
fi

# listen.txt: lines with workers=N and hs_per_s= / MBps= (see the top).
if [ -s "$RESULTS/listen.txt" ]; then
    awk '
        /workers=[0-9]/ {
            who = "strata"; cert = ""; w = ""; hs = "NaN"; mb = "NaN"
            for (i = 1; i <= NF; i++) {
                split($i, kv, "=")
                if (kv[1] == "who") who = kv[2]
                else if (kv[1] == "cert") cert = kv[2]
                else if (kv[1] == "workers") w = kv[2] + 0
                else if (kv[1] == "hs_per_s") hs = kv[2] + 0
                else if (kv[1] == "MBps") mb = kv[2] + 0
            }
            if (w != "") print who (cert != "" ? "-" cert : ""), w, hs, mb
        }' "$RESULTS/listen.txt" | sort -k1,1 -k2n >"$D/listen.dat"
    if [ -s "$D/listen.dat" ]; then
        whos=$(cut -d' ' -f1 "$D/listen.dat" | uniq)
        hs='' mb=''
        for w in $whos; do
            grep "^$w " "$D/listen.dat" >"$D/listen-$w.dat"
            hs+="${hs:+, }'$D/listen-$w.dat' using 2:3 title '${w/-/ }' lw 2 pt 7"
            # bulk is measured with one certificate: only series with figures
            awk '$4 != "NaN" {f = 1} END {exit !f}' "$D/listen-$w.dat" &&
                mb+="${mb:+, }'$D/listen-$w.dat' using 2:4 title '${w%-*}' lw 2 pt 7"
        done
        gp "$OUT/listen.png" "
            set terminal pngcairo size 1100,480 font 'sans,10' noenhanced; set output '$OUT/listen.png'
            set multiplot layout 1,2 title 'TLS listener scaling with workers ($when, $host)'
            set style data linespoints; set grid ytics; set xtics 1; set autoscale xfix; set offsets 0.15, 0.15, 0, 0; set yrange [0:*]; set key bottom right
            set xlabel 'workers'; set ylabel 'full TLS 1.3 handshakes/s (ec: P-256, rsa: RSA-2048, rsa4096; log)'
            set logscale y; set yrange [*:*]; set key top left
            plot $hs
            unset logscale y; set yrange [0:*]; set key bottom right
            set ylabel 'aggregate MB/s'
            plot $mb
            unset multiplot"
    else
        note "$RESULTS/listen.txt has no line with workers=N: no listen chart"
    fi
else
    note "no $RESULTS/listen.txt: no listen chart (bench/run-listen.sh not run or not there)"
fi

note "drew ${#drawn[@]} chart(s): ${drawn[*]-none}"
[ ${#drawn[@]} -gt 0 ]
