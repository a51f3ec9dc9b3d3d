#!/usr/bin/env bash
# Builds, before the tests run, the interop peers Debian does not ship:
# OpenSSH 10.5 (mlkem768x25519-sha256, sntrup761x25519-sha512) from the
# source tarball in ../shared/peers, cached by its own script (a second call
# returns at once). interop.test_ssh_pq would build it too, but inside its
# ctest time limit and beside the other tests; here it has the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
builder=../shared/peers/build-openssh.sh
if [ ! -f "$builder" ]; then
    echo "peers: $builder is missing (../shared beside the clone); interop.test_ssh_pq will fail" >&2
    exit 0
fi
log=$(mktemp)
if prefix=$(bash "$builder" 2>"$log"); then
    echo "peers: OpenSSH at $prefix" >&2
else
    echo "peers: building OpenSSH failed:" >&2
    tail -20 "$log" >&2
fi
rm -f "$log"
exit 0
