#!/usr/bin/env bash
# The strata CLI's usage surface: exact messages and exit status 2 for bad
# input (unknown element, missing port, port out of range, unknown option,
# ...), --help / -h for every subcommand, --version, and the man page:
# it renders without warnings and documents every option --help lists.
# Nothing here opens a connection.
. "$(dirname "$0")/lib.sh"
SRC=${STRATA_SRC:?repository root}
need man groff openssl

# usage WANT_MESSAGE ARGS...: strata ARGS must exit 2 and print exactly WANT_MESSAGE on stderr.
usage() {
    local want=$1
    shift
    timeout 10 "$STRATA" "$@" </dev/null >out.log 2>err.log
    local rc=$?
    if [ $rc -eq 2 ] && [ "$(cat err.log)" = "$want" ] && [ ! -s out.log ]; then
        ok "exit 2: $*"
    else
        bad "strata $* (exit $rc, want 2)"
        echo "    got:  $(cat err.log)"
        echo "    want: $want"
    fi
}

usage "strata: chain element 2 'tls:foo': unknown option 'foo'" \
    connect tcp:127.0.0.1:1 tls:foo
usage "strata: chain element 1 'udp:127.0.0.1:53': unknown element type 'udp'" \
    connect udp:127.0.0.1:53
usage "strata: chain element 1 'tcp:127.0.0.1': missing port (expected HOST:PORT)" \
    connect tcp:127.0.0.1
usage "strata: chain element 1 'tcp:[::1]': missing port (expected HOST:PORT)" \
    connect 'tcp:[::1]'
usage "strata: chain element 1 'tcp:8443': missing host (expected HOST:PORT, e.g. 0.0.0.0:8443)" \
    listen tcp:8443 --echo
usage "strata: option --linger needs a value" connect tcp:localhost:1 --linger
usage "strata: option --idle: 'soon' is not a number of seconds in (0, 86400]" \
    connect --idle soon tcp:localhost:1
usage "strata: chain element 1 'tcp:localhost:70000': port 70000 out of range 1-65535" \
    connect tcp:localhost:70000
usage "strata: chain element 1 'tcp:localhost:0': port 0 out of range 1-65535" \
    connect tcp:localhost:0
usage "strata: chain element 1 'tcp:127.0.0.1:99999': port 99999 out of range 1-65535" \
    listen tcp:127.0.0.1:99999 --echo
usage "strata: chain element 1 'tcp:h:80,foo=1': unknown option 'foo'" \
    connect tcp:h:80,foo=1
usage "strata: chain element 1 'tcp::80': empty host" connect tcp::80
usage "strata: chain element 1 'tcp:h:http': invalid port 'http' (expected a number)" \
    connect tcp:h:http
usage "strata: chain element 1 'tcp:fe80::1:80': too many ':' (an IPv6 address goes in brackets: [ADDR]:PORT)" \
    connect tcp:fe80::1:80
usage "strata: chain element 1 'tcp:[::1]x:80': unexpected 'x:80' after the host (expected :PORT)" \
    connect 'tcp:[::1]x:80'
usage "strata: chain element 1 'tcp:a\\x1b]0;x\\x07:80': invalid character '\\x1b' in host 'a\\x1b]0;x\\x07'" \
    connect "$(printf 'tcp:a\033]0;x\007:80')"
usage "strata: chain element 2 'tcp:b:2': a transport (tcp:) can only be the first element" \
    connect tcp:a:1 tcp:b:2
usage "strata: no chain given (e.g. tcp:HOST:PORT)" connect
usage "strata: no chain given (e.g. tcp:HOST:PORT)" listen --echo
usage "strata: connect: unknown option '--bogus' (see 'strata connect --help')" \
    connect --bogus tcp:h:1
usage "strata: option --timeout needs a value" connect tcp:h:1 --timeout
usage "strata: option --timeout: 'soon' is not a number of seconds in (0, 86400]" \
    connect --timeout soon tcp:h:1
usage "strata: option --timeout: '0' is not a number of seconds in (0, 86400]" \
    connect --timeout=0 tcp:h:1
usage "strata: listen: give exactly one of --echo, --exec CMD and --forward CHAIN (see 'strata listen --help')" \
    listen tcp:127.0.0.1:0
usage "strata: listen: give exactly one of --echo, --exec CMD and --forward CHAIN (see 'strata listen --help')" \
    listen tcp:127.0.0.1:0 --echo --exec cat
usage "strata: option --exec needs a command" listen tcp:127.0.0.1:0 --exec ''
usage "strata: option --bytes: '12X' is not a byte count from 1 to 1099511627776 (suffixes K, M, G)" \
    demo --bytes 12X
usage "strata: unknown command 'frobnicate' (see 'strata --help')" frobnicate
usage "strata: bench: unknown benchmark 'tls' (one of handshakes, onion, ssh-cipher, kex)" bench tls
usage "strata: bench: unknown benchmark 'tls' (one of handshakes, onion, ssh-cipher, kex)" \
    bench --quick onion tls
usage "strata: option --seconds: 'fast' is not a number of seconds in (0, 600]" bench --seconds fast
usage "strata: option --seconds: '0' is not a number of seconds in (0, 600]" bench --seconds=0
usage "strata: option --seconds: '601' is not a number of seconds in (0, 600]" bench --seconds 601
usage "strata: option --seconds needs a value" bench --seconds
usage "strata: bench: unknown option '--fast' (see 'strata bench --help')" bench --fast

# --help and -h: usage on stdout, exit 0, for every subcommand strata --help
# lists.
cmds=$("$STRATA" --help | awk '/^commands:/ { inb = 1; next } inb && /^  [a-z]/ { print $1 } inb && /^$/ { exit }')
[ "$(echo $cmds)" = "connect listen demo ssh ssh-keyscan sftp scp bench cert" ] &&
    ok "strata --help lists 9 commands" || bad "strata --help lists: $(echo $cmds)"
for cmd in $cmds; do
    for h in --help -h; do
        if "$STRATA" $cmd $h >help.out 2>help.err && grep -q "^usage: strata $cmd" help.out \
            && [ ! -s help.err ]; then
            ok "strata $cmd $h"
        else
            bad "strata $cmd $h"
        fi
    done
done
"$STRATA" --help >help.out && grep -q "^  connect " help.out && grep -q "^  listen " help.out \
    && grep -q "^  demo " help.out && ok "strata --help lists connect, listen, demo" \
    || bad "strata --help"
grep -q "^  listen .*--forward CHAIN" help.out && ok "strata --help names listen's --forward" \
    || bad "strata --help does not name --forward"
"$STRATA" demo --help >help.out && grep -q "^  onion " help.out && grep -q "push: .*TLS 1.3" help.out \
    && grep -q "pop the innermost layer" help.out && ok "strata demo --help describes the onion round" \
    || bad "strata demo --help: no onion round"
[ "$("$STRATA" --version)" = "strata 0.1.0" ] && ok "strata --version" || bad "strata --version"

# The man page renders cleanly and documents what --help lists.
man1=$SRC/docs/strata.1
groff -man -ww -z "$man1" 2>groff.log && [ ! -s groff.log ] && ok "man page: groff -ww finds nothing" \
    || { bad "man page warnings"; cat groff.log; }
MANWIDTH=100 man -l "$man1" >man.txt 2>man.err && [ -s man.txt ] && ok "man -l docs/strata.1 renders" \
    || bad "man -l docs/strata.1 ($(cat man.err))"
missing=
for cmd in connect listen demo bench; do
    for opt in $("$STRATA" $cmd --help | grep -o -- '^  -[-a-z]*\|, --[a-z]*' | tr -d ', '); do
        grep -q -- "$opt" man.txt || missing="$missing $cmd:$opt"
    done
    grep -q "^       $cmd" man.txt || missing="$missing $cmd"
done
[ -z "$missing" ] && ok "every --help option is in the man page" || bad "not in the man page:$missing"
missing=
for kind in $("$STRATA" connect --help | sed -n 's/^  \([a-z-]*\):.*/\1/p'); do
    grep -q "^       $kind:" man.txt || missing="$missing $kind:"
done
[ -z "$missing" ] && ok "every chain element kind is in the man page" \
    || bad "chain elements not in the man page:$missing"
# Every option of every cert verb's --help, and of ssh's, is in the man page.
missing=
for v in key ca issue csr sign crl show verify p12; do
    for opt in $("$STRATA" cert $v --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -q -- "$opt" man.txt || missing="$missing cert-$v:$opt"
    done
done
ssh_man=$(sed -n '/^       ssh \[OPTIONS\]/,/^       ssh-keyscan/p' man.txt)
for opt in $("$STRATA" ssh --help | sed -n '/^usage/,/^$/p' | grep -o -- '\[-[a-zA-Z]\b\|-[a-zA-Z] [a-z[]\||-[a-zA-Z]\]' |
    grep -o -- '-[a-zA-Z]' | sort -u); do
    grep -q -- "$opt\b" <<<"$ssh_man" || missing="$missing ssh:$opt"
done
for cmd in sftp scp; do
    cmd_man=$(sed -n "/^       $cmd  *\[/,/^       [a-z]/p" man.txt)
    [ -n "$cmd_man" ] || missing="$missing $cmd"
    for opt in $("$STRATA" $cmd --help | sed -n '/^usage/,/^$/p' | grep -o -- '-[a-zA-Z0-9]\+' |
        sed 's/^-//' | fold -w1 | sort -u); do
        grep -q -- "-[a-zA-Z0-9]*$opt" <<<"$cmd_man" || missing="$missing $cmd:-$opt"
    done
done
[ -z "$missing" ] && ok "every cert verb and ssh option in --help is in the man page" \
    || bad "not in the man page:$missing"
# The CA's keyUsage is what the man page says.
"$STRATA" cert ca --subject /CN=ku --key ku.key -o ku.pem >/dev/null 2>&1
ku=$(openssl x509 -in ku.pem -noout -ext keyUsage 2>&1 | tail -n 1 | sed 's/^ *//')
[ "$ku" = "Digital Signature, Certificate Sign, CRL Sign" ] &&
    grep -q "^keyCertSign, cRLSign, digitalSignature, both critical" "$man1" &&
    ok "the man page names the CA's keyUsage ($ku)" || bad "CA keyUsage '$ku' vs the man page"

finish
