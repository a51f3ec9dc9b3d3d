#!/usr/bin/env bash
# SSH over TLS in one chain:
#   strata connect tcp:127.0.0.1:P tls:... ssh:user=root,... direct:127.0.0.1:Q
# where P is `strata listen ... tls: --forward tcp:SSHD` (the TLS layer is
# terminated there, as stunnel does, and the bytes go on to OpenSSH's sshd)
# and Q a strata echo server reached through a direct-tcpip channel. 8 MiB
# go through all of it and come back, checked by sha256; the same through
# stunnel terminating the TLS; a TLS failure under ssh: stops the chain at
# the TLS layer with its reason.
source "$(dirname "$0")/ssh_lib.sh"
need /usr/sbin/sshd
need ssh-keygen
need stunnel4
need sha256sum

root_sshd_with_echo

# A CA and a server certificate for the TLS relay (throw-away, in $WORK).
"$STRATA" cert ca --subject "/CN=ssh-over-tls CA" --key "$WORK/ca.key" -o "$WORK/ca.pem" \
    --days 2 >/dev/null
"$STRATA" cert issue --ca "$WORK/ca.pem" --ca-key "$WORK/ca.key" --subject /CN=gw.test \
    --san DNS:gw.test,IP:127.0.0.1 --key "$WORK/gw.key" -o "$WORK/gw.pem" --days 2 >/dev/null

# The TLS relay: terminates tls: and forwards to sshd.
TPORT=$(free_port)
"$STRATA" listen "tcp:127.0.0.1:$TPORT" "tls:cert=$WORK/gw.pem,key=$WORK/gw.key" \
    --forward "tcp:127.0.0.1:$PORT" >"$WORK/relay.log" 2>&1 &
PIDS+=($!)
wait_port "$TPORT" "$!"
# stunnel doing the same.
SPORT=$(free_port)
cat >"$WORK/stunnel.conf" <<CFG
foreground = yes
pid =
[ssh]
accept = 127.0.0.1:$SPORT
connect = 127.0.0.1:$PORT
cert = $WORK/gw.pem
key = $WORK/gw.key
CFG
stunnel4 "$WORK/stunnel.conf" >"$WORK/stunnel.log" 2>&1 &
PIDS+=($!)
wait_port "$SPORT" "$!"

# The host key is checked for the address the chain dials (the relay's).
kh="$WORK/known_hosts_tls"
for p in "$TPORT" "$SPORT"; do echo "[127.0.0.1]:$p $(cat "$WORK/hk.pub")"; done >"$kh"
SSH="ssh:user=root,key=$WORK/id,known-hosts=$kh"
TLS="tls:ca=$WORK/ca.pem,name=gw.test"

# refused NAME MESSAGE CMD...: CMD exits 1 and says MESSAGE.
refused() {
    local name=$1 want=$2 out rc=0
    shift 2
    out=$(timeout 60 "$@" </dev/null 2>&1) || rc=$?
    if [ "$rc" -eq 1 ] && [[ "$out" == *"$want"* ]]; then
        echo "ok   $name: exit 1"
    else
        echo "FAIL $name: exit $rc, want 1 and '$want', got: $out"
        FAILS=$((FAILS + 1))
    fi
}

head -c 8M /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
check "tcp: tls: ssh: direct: through strata listen --forward: 8 MiB echoed, sha256 equal" "$want" \
    bash -c "'$STRATA' connect tcp:127.0.0.1:$TPORT $TLS $SSH direct:127.0.0.1:$EPORT \
    <'$WORK/data' | sha256sum"
check "tcp: tls: ssh: direct: through stunnel: 8 MiB echoed, sha256 equal" "$want" \
    bash -c "'$STRATA' connect tcp:127.0.0.1:$SPORT $TLS $SSH direct:127.0.0.1:$EPORT \
    <'$WORK/data' | sha256sum"
check "tcp: tls: ssh: (a session): the shell answers" "shell over tls" \
    bash -c "echo 'echo shell over tls' | '$STRATA' connect tcp:127.0.0.1:$TPORT $TLS $SSH"
check "-v names both layers up" "layer 2 (ssh) up" \
    bash -c "'$STRATA' connect -v tcp:127.0.0.1:$TPORT $TLS $SSH direct:127.0.0.1:$EPORT \
    </dev/null 2>&1"
refused "a TLS name mismatch under ssh: the TLS layer's reason" \
    "strata: layer 1 'tls': certificate name mismatch: expected 'other.test', certificate has DNS:gw.test, IP:127.0.0.1" \
    "$STRATA" connect tcp:127.0.0.1:$TPORT "tls:ca=$WORK/ca.pem,name=other.test" "$SSH" \
    direct:127.0.0.1:$EPORT
refused "the host key is checked for the relay's address" \
    "No ssh-ed25519 host key is known for [127.0.0.1]:$TPORT" \
    "$STRATA" connect tcp:127.0.0.1:$TPORT "$TLS" \
    "ssh:user=root,key=$WORK/id,known-hosts=$WORK/known_hosts" direct:127.0.0.1:$EPORT
finish
