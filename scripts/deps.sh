#!/usr/bin/env bash
# Installs, from Debian's packages only, what strata needs to build, test and
# run its interop peers. Idempotent: installs only what is missing.
# Usage: scripts/deps.sh [build|test|bench]   (default: test)
#   build: compile strata; test: build + the test suite's peers (make check, CI);
#   bench: build + what bench/run-*.sh run beside strata (Twisted for the onion
#   benchmark's comparison row, gnuplot for bench/plot.sh); not part of the
#   test set, nor of what a release or the demo needs.
set -euo pipefail
want=${1:-test}
build_pkgs=(build-essential cmake ninja-build pkg-config libssl-dev zlib1g-dev libuv1-dev)
test_pkgs=(clang clang-format libclang-rt-14-dev llvm libcmocka-dev openssl openssh-server openssh-client
           openssh-sftp-server dropbear-bin stunnel4 tinyproxy curl tmux procps man-db groff-base python3 rsync git
           libssh2-1-dev libssh-dev tinysshd ucspi-tcp erlang-base erlang-ssh erlang-public-key erlang-crypto)
bench_pkgs=(openssl python3 python3-twisted iproute2 gnuplot-nox)
pkgs=("${build_pkgs[@]}")
case $want in
build) ;;
test) pkgs+=("${test_pkgs[@]}") ;;
bench) pkgs+=("${bench_pkgs[@]}") ;;
*) echo "deps: unknown group '$want' (build, test or bench)" >&2; exit 2 ;;
esac
# Dropbear (dropbear-bin 2022.83) runs the sftp subsystem as the path it
# was built with, /usr/lib/sftp-server, and ships no sftp-server of its own;
# OpenSSH's is /usr/lib/openssh/sftp-server. Debian's openssh-sftp-server
# adds that link, but an image without the link (a trimmed or differently
# laid out one) leaves Dropbear unable to serve sftp: interop.test_sftp_dropbear
# needs it, so make it when missing.
sftp_link() {
    [ "$want" = test ] || return 0
    [ -e /usr/lib/sftp-server ] || [ ! -x /usr/lib/openssh/sftp-server ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "deps: linking /usr/lib/sftp-server to openssh/sftp-server (for Dropbear)" >&2
    $sudo ln -s openssh/sftp-server /usr/lib/sftp-server
}
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then sftp_link; exit 0; fi
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Keep services that packages would start (sshd, tinyproxy, stunnel) from
# starting: the tests start their own on loopback and stop them by PID.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    created_policy=1
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $created_policy -eq 1 ] && $sudo rm -f "$policy"
sftp_link
exit 0
