#!/usr/bin/env python3
"""A TLS client for the closing tests that watches the socket under TLS:

  tls_close_client.py PORT CAFILE

Connects to 127.0.0.1:PORT, completes the handshake, reads until the
server's close_notify, then checks whether the server has also sent its
TCP FIN (it should not yet: closing runs inside-out, the FIN waits for our
close). Then it sends its own close_notify and measures how long until the
server's FIN arrives. Prints one line: the bytes received, "fin-before-our-
close yes|no", and "fin-after-our-close <ms>|none".
"""
import select
import socket
import ssl
import sys
import time

port, cafile = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(cafile)
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inb, outb, server_hostname="localhost")
fin = False


def flush():
    d = outb.read()
    if d:
        sock.sendall(d)


def pull(timeout):
    global fin
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return False
    d = sock.recv(65536)
    if not d:
        fin = True
        return False
    inb.write(d)
    return True


deadline = time.time() + 10
while True:
    try:
        tls.do_handshake()
        flush()
        break
    except ssl.SSLWantReadError:
        flush()
        if time.time() > deadline:
            sys.exit("no handshake")
        pull(1)
got = b""
closed = False
deadline = time.time() + 10
while not closed and time.time() < deadline:
    try:
        d = tls.read(65536)
        if not d:
            closed = True
        got += d
    except ssl.SSLWantReadError:
        if not pull(1) and fin:
            break
    except ssl.SSLZeroReturnError:
        closed = True
# The server closed its TLS layer: has it also sent the FIN already?
time.sleep(0.5)
while pull(0):
    pass
fin_before = fin
try:
    tls.unwrap()
except (ssl.SSLWantReadError, ssl.SSLError):
    pass
flush()
start = time.time()
after = None
while time.time() - start < 5 and not fin:
    pull(0.1)
if fin and not fin_before:
    after = int((time.time() - start) * 1000)
print("%d bytes, close_notify %s, fin-before-our-close %s, fin-after-our-close %s"
      % (len(got), "yes" if closed else "no", "yes" if fin_before else "no",
         after if after is not None else "none"))
