#!/usr/bin/env python3
# Generates the chacha20-poly1305@openssh.com known answers of
# tests/unit/test_ssh_cipher.c (test_chachapoly_known_answers). Run: python3 chachapoly_kat.py
# Independent pure-Python chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305):
# original ChaCha20 (64-bit counter, 64-bit nonce), Poly1305 from its definition.
import struct

def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))
def qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
def block(key, counter, nonce8):
    st = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack('<8I', key)) + \
         [counter & 0xffffffff, counter >> 32] + list(struct.unpack('<2I', nonce8))
    w = st[:]
    for _ in range(10):
        qr(w, 0, 4, 8, 12); qr(w, 1, 5, 9, 13); qr(w, 2, 6, 10, 14); qr(w, 3, 7, 11, 15)
        qr(w, 0, 5, 10, 15); qr(w, 1, 6, 11, 12); qr(w, 2, 7, 8, 13); qr(w, 3, 4, 9, 14)
    return struct.pack('<16I', *[(w[i] + st[i]) & 0xffffffff for i in range(16)])
def stream(key, nonce8, counter, n):
    out = b''
    while len(out) < n:
        out += block(key, counter, nonce8); counter += 1
    return out[:n]
def poly1305(key, msg):
    r = int.from_bytes(key[:16], 'little') & 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:], 'little'); p = (1 << 130) - 5; acc = 0
    for i in range(0, len(msg), 16):
        chunk = msg[i:i + 16]
        acc = (acc + int.from_bytes(chunk + b'\x01', 'little')) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, 'little')
def seal(key64, seq, pkt):
    k2, k1 = key64[:32], key64[32:]
    nonce = struct.pack('>Q', seq)
    enc_len = bytes(a ^ b for a, b in zip(pkt[:4], stream(k1, nonce, 0, 4)))
    polykey = stream(k2, nonce, 0, 32)
    enc_body = bytes(a ^ b for a, b in zip(pkt[4:], stream(k2, nonce, 1, len(pkt) - 4)))
    ct = enc_len + enc_body
    return ct + poly1305(polykey, ct)

# RFC 8439 §2.5.2 Poly1305 check and §2.3.2-style block sanity (sanity of this file).
assert poly1305(bytes.fromhex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b'),
                b'Cryptographic Forum Research Group').hex() == 'a8061dc1305136c6c22b8baf0c0127a9'
key = bytes(range(64))
pkt = struct.pack('>I', 32) + bytes([15]) + b'\x5ehello, openssh!' + bytes(range(0xa0, 0xaf))
assert len(pkt) == 36
for seq in (0, 7, 0xfffffffe):
    print(hex(seq), seal(key, seq, pkt).hex())
print("pkt", pkt.hex())
