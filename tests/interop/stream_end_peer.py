#!/usr/bin/env python3
"""A peer that sends a file and then ends its stream in a chosen way, for
tests/interop/test_stream_end.sh.

    stream_end_peer.py --file F --end clean|fin|rst [--cert C --key K]

Listens on 127.0.0.1 (any port, printed as "PORT n"), accepts one
connection, sends every byte of F (over TLS when --cert is given), then:

    clean  TLS close_notify, then FIN (plain TCP: FIN)
    fin    FIN without close_notify (a truncation, as far as TLS can tell)
    rst    RST (SO_LINGER 0), no close_notify

Before a FIN the peer reads what the other side sent until its end (bounded
by a timeout), so the kernel never turns the FIN into an RST for unread
bytes. Prints "sent N" when done; exits 1 on any error.
"""
import argparse
import socket
import ssl
import struct
import sys


def drain(sock, seconds=20.0):
    """Reads and drops what the other side sends, until its end."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (OSError, ssl.SSLError):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--end", choices=["clean", "fin", "rst"], required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()

    with open(a.file, "rb") as f:
        data = f.read()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    ls.settimeout(30)
    raw, _ = ls.accept()
    ls.close()
    raw.settimeout(30)
    s = raw
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        s = ctx.wrap_socket(raw, server_side=True)
    s.sendall(data)
    # wrap_socket detached raw: every socket call goes through s from here.
    if a.end == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    else:
        if a.cert and a.end == "clean":
            try:  # close_notify; the other side's may be here already or come later
                s = s.unwrap()
            except (OSError, ssl.SSLError):
                pass
        # SSLSocket.shutdown drops the TLS state without a close_notify (fin)
        s.shutdown(socket.SHUT_WR)
        drain(s)
        s.close()
    print("sent %d" % len(data), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - any failure is the test's failure
        print("error: %s" % e, flush=True)
        sys.exit(1)
