#!/usr/bin/env python3
"""A TLS server for the closing tests, on Python's ssl module with memory BIOs
over a plain socket, so it can tell the client's close_notify from its TCP FIN.

  tls_close_peer.py MODE PORTFILE CERT KEY [BYTES]

Listens on 127.0.0.1 (port 0), writes the port to PORTFILE, serves clients one
after another. Modes:
  abort-on-fin   read a request (up to a blank line), send BYTES of a pattern,
                 then close_notify and close. A client FIN seen while sending
                 aborts the reply at once, as servers do ("client prematurely
                 closed connection"); a client close_notify does not.
  mute           handshake, then neither send nor answer anything (its close
                 included) until the client goes away.
  reply-late     handshake; a close_notify within 1 s makes it close without a
                 reply; otherwise send "late reply\\n", close_notify, close.
Every client's outcome is printed to stdout (one line each) for the test.
"""
import select
import socket
import ssl
import sys
import time

mode, portfile, cert, key = sys.argv[1:5]
size = int(sys.argv[5]) if len(sys.argv) > 5 else 0
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(portfile + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inb, self.outb, server_side=True)
        self.fin = False
        self.close_notify = False

    def flush(self):
        data = self.outb.read()
        if data:
            self.sock.sendall(data)

    def pull(self, timeout):
        """Reads what the socket has (waiting up to timeout): False at FIN."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        try:
            d = self.sock.recv(65536)
        except ConnectionResetError:
            d = b""
        if not d:
            self.fin = True
            return False
        self.inb.write(d)
        return True

    def handshake(self, deadline):
        while time.time() < deadline:
            try:
                self.tls.do_handshake()
                self.flush()
                return True
            except ssl.SSLWantReadError:
                self.flush()
                if not self.pull(1):
                    return False
        return False

    def read_some(self):
        """Plaintext available now (b"" if none); notes close_notify."""
        out = b""
        while True:
            try:
                d = self.tls.read(65536)
                if not d:  # after the close_notify, reads give b""
                    self.close_notify = True
                    return out
                out += d
            except ssl.SSLWantReadError:
                return out
            except ssl.SSLZeroReturnError:
                self.close_notify = True
                return out

    def close_tls(self):
        try:
            self.tls.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self.flush()


def serve(sock):
    c = Conn(sock)
    if not c.handshake(time.time() + 20):
        return "no handshake"
    if mode == "abort-on-fin":
        req = b""
        deadline = time.time() + 20
        while True:
            req += c.read_some()
            if b"\r\n\r\n" in req or c.close_notify or time.time() > deadline:
                break
            if not c.pull(1):
                req += c.read_some()
                break
        if b"\r\n\r\n" not in req:
            return "no request"
        chunk = bytes(range(256)) * 256
        sent = 0
        if c.fin:
            return "aborted on FIN after 0 bytes"
        while sent < size:
            n = min(len(chunk), size - sent)
            c.tls.write(chunk[:n])
            c.flush()
            sent += n
            if not c.pull(0):
                return "aborted on FIN after %d bytes" % sent
            c.read_some()
        c.close_tls()
        # Wait for the client's end (bounded) so the close is orderly.
        deadline = time.time() + 20
        while time.time() < deadline and c.pull(1):
            c.read_some()
        return "sent %d bytes%s" % (sent, ", close_notify before the end" if c.close_notify else "")
    if mode == "mute":
        deadline = time.time() + 60
        while time.time() < deadline and c.pull(1):
            c.read_some()
        return "client went away"
    if mode == "reply-late":
        deadline = time.time() + 1
        while time.time() < deadline:
            if not c.pull(0.1):
                return "FIN before the reply"
            c.read_some()
            if c.close_notify:
                return "close_notify before the reply: closed without one"
        c.tls.write(b"late reply\n")
        c.flush()
        c.close_tls()
        deadline = time.time() + 20
        while time.time() < deadline and c.pull(1):
            c.read_some()
        return "sent the late reply"
    return "unknown mode"


deadline = time.time() + 600
while time.time() < deadline:
    s, _ = ls.accept()
    try:
        outcome = serve(s)
    except Exception as e:  # a broken client must not stop the server
        outcome = "error: %r" % (e,)
    s.close()
    print(outcome, flush=True)
