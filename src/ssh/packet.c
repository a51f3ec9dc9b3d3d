/* The SSH binary packet protocol (RFC 4253 §6) for one direction.
 *
 * Implementation notes.
 *
 * Wire layout: uint32 packet_length, byte padding_length, payload, padding,
 * then the MAC or AEAD tag. Three protection shapes:
 *  - plain cipher + MAC (RFC 4253): everything but the MAC is encrypted; the
 *    MAC covers seq || clear packet. The length is only known after the first
 *    cipher block is decrypted, so that block is decrypted once into `pkt`
 *    and kept while more bytes arrive (have_len).
 *  - plain cipher + -etm MAC: the length is in clear; the MAC covers
 *    seq || length || ciphertext and is checked before anything is decrypted.
 *  - AEAD: the cipher row reads the length (chacha20-poly1305 decrypts it),
 *    checks the tag over the whole packet, then decrypts.
 * Alignment (RFC 4253 §6, OpenSSH): for plain+MAC, 4 + packet_length is a
 * multiple of the block size; for -etm and AEADs packet_length itself is.
 *
 * Buffers: seal reserves the whole packet in the caller's output buffer and
 * encrypts there in place. A payload may come in two pieces (seal_parts: a
 * message header, then channel data still in the application's buffer); the
 * header is copied into the packet, the data is encrypted straight from
 * where it is when the protection allows (AEADs, -etm MACs with a stream
 * cipher), so bulk data is not copied before it is encrypted. Open decrypts straight from the
 * caller's input into `pkt`, a scratch buffer that grows to the largest packet seen and is reused
 * (no allocation per packet); the payload handed back points into it (or into the inflate buffer
 * when compression is on).
 *
 * Failure is sticky: `failed` holds the first error status and every later
 * call returns it.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "ssh/cipher/cipher.h"
#include "ssh/compress.h"
#include "ssh/mac.h"
#include "ssh/packet.h"
#include "ssh/scratch.h"
#include "strata/mem.h"

/* RFC 4253 §6: padding_length byte + at least 4 bytes of padding. */
#define PKT_MIN_LEN 5u
/* Room for the largest tag or MAC after the packet. */
#define PKT_TRAILER_MAX STRATA_SSH_MAC_MAX

struct ssh_pkt_dir {
    int outbound;
    uint32_t seq;
    uint64_t bytes;
    strata_status failed; /* sticky */
    struct ssh_cipher cipher;
    struct ssh_mac mac; /* unused (alg "none") with an AEAD */
    struct ssh_comp comp;
    /* seal: random bytes for padding (n <= 2 * 32 + 3 per packet) */
    uint8_t rnd[512];
    size_t rnd_left;
    /* open: the packet being read */
    int have_len;
    uint32_t packlen;
    struct ssh_scratch pkt; /* open: the clear packet; seal: a payload joined to compress */
};

strata_status strata__ssh_pkt_dir_new(int outbound, struct ssh_pkt_dir **out)
{
    *out = NULL;
    struct ssh_pkt_dir *d = calloc(1, sizeof(*d));
    if (!d)
        return STRATA_E_NOMEM;
    d->outbound = outbound != 0;
    d->comp.outbound = d->outbound;
    strata_error scratch;
    strata_error_clear(&scratch);
    strata_status r;
    if ((r = strata__ssh_cipher_init(&d->cipher, &strata__ssh_cipher_none, d->outbound, NULL, NULL,
                                     &scratch)) != STRATA_OK ||
        (r = strata__ssh_mac_init(&d->mac, strata__ssh_mac_find("none"), NULL, &scratch)) !=
            STRATA_OK ||
        (r = strata__ssh_comp_set(&d->comp, strata__ssh_comp_find("none"), &scratch)) !=
            STRATA_OK) {
        strata__ssh_pkt_dir_free(d);
        return r;
    }
    *out = d;
    return STRATA_OK;
}

void strata__ssh_pkt_dir_free(struct ssh_pkt_dir *d)
{
    if (!d)
        return;
    strata__ssh_cipher_free(&d->cipher);
    strata__ssh_mac_free(&d->mac);
    strata__ssh_comp_free(&d->comp);
    strata__ssh_scratch_free(&d->pkt);
    strata_free_secret(d, sizeof(*d));
}

strata_status strata__ssh_alg_sizes(const char *cipher, const char *mac, size_t *iv_len,
                                    size_t *key_len, size_t *mac_key_len)
{
    *iv_len = *key_len = *mac_key_len = 0;
    const struct ssh_cipher_alg *c = strata__ssh_cipher_find(cipher);
    if (!c)
        return STRATA_E_UNSUPPORTED;
    const struct ssh_mac_alg *m = NULL;
    if (c->tag_len == 0 && !(m = strata__ssh_mac_find(mac)))
        return STRATA_E_UNSUPPORTED;
    *iv_len = c->iv_len;
    *key_len = c->key_len;
    *mac_key_len = m ? m->key_len : 0;
    return STRATA_OK;
}

static strata_status fail(struct ssh_pkt_dir *d, strata_status r)
{
    if (d->failed == STRATA_OK)
        d->failed = r;
    return r;
}

static strata_status sticky(const struct ssh_pkt_dir *d, strata_error *err)
{
    return strata__error_set(err, d->failed,
                             "the SSH packet %s direction failed earlier and is unusable",
                             d->outbound ? "output" : "input");
}

strata_status strata__ssh_pkt_dir_set_keys(struct ssh_pkt_dir *d, const struct ssh_pkt_keys *k,
                                           strata_error *err)
{
    if (d->failed != STRATA_OK)
        return sticky(d, err);
    const struct ssh_cipher_alg *ca = strata__ssh_cipher_find(k->cipher);
    if (!ca)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported cipher \"%s\"",
                                 k->cipher ? k->cipher : "(null)");
    const struct ssh_mac_alg *ma =
        ca->tag_len ? strata__ssh_mac_find("none") : strata__ssh_mac_find(k->mac);
    if (!ma)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported MAC \"%s\"",
                                 k->mac ? k->mac : "(null)");
    const struct ssh_comp_alg *za = strata__ssh_comp_find(k->comp);
    if (!za)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported compression \"%s\"",
                                 k->comp ? k->comp : "(null)");
    if (k->key_len != ca->key_len || k->iv_len != ca->iv_len ||
        (ca->tag_len == 0 && k->mac_key_len != ma->key_len))
        return strata__error_set(err, STRATA_E_USAGE,
                                 "%s/%s need key %zu, iv %zu, MAC key %zu bytes; got %zu, %zu, "
                                 "%zu",
                                 ca->name, ma->name, ca->key_len, ca->iv_len,
                                 ca->tag_len ? (size_t)0 : ma->key_len, k->key_len, k->iv_len,
                                 k->mac_key_len);
    if (d->have_len)
        return strata__error_set(err, STRATA_E_STATE,
                                 "new keys while a packet is half read under the old ones");
    strata__ssh_cipher_free(&d->cipher);
    strata__ssh_mac_free(&d->mac);
    strata_status r;
    if ((r = strata__ssh_cipher_init(&d->cipher, ca, d->outbound, k->key, k->iv, err)) !=
            STRATA_OK ||
        (r = strata__ssh_mac_init(&d->mac, ma, k->mac_key, err)) != STRATA_OK ||
        (r = strata__ssh_comp_set(&d->comp, za, err)) != STRATA_OK)
        return fail(d, r);
    d->bytes = 0;
    return STRATA_OK;
}

uint32_t strata__ssh_pkt_dir_seq(const struct ssh_pkt_dir *d)
{
    return d->seq;
}

void strata__ssh_pkt_dir_set_seq(struct ssh_pkt_dir *d, uint32_t seq)
{
    d->seq = seq;
}

void strata__ssh_pkt_dir_reset_seq(struct ssh_pkt_dir *d)
{
    d->seq = 0;
}

void strata__ssh_pkt_dir_start_delayed_comp(struct ssh_pkt_dir *d)
{
    strata_error scratch;
    strata_error_clear(&scratch);
    /* Only zlib's own allocation can fail here; the direction then refuses
     * the next packet with that status. */
    strata_status r = strata__ssh_comp_start_delayed(&d->comp, &scratch);
    if (r != STRATA_OK)
        (void)fail(d, r);
}

uint64_t strata__ssh_pkt_dir_bytes(const struct ssh_pkt_dir *d)
{
    return d->bytes;
}

/* The padding unit: the cipher's block, at least 8 (RFC 4253 §6). */
static size_t block_size(const struct ssh_pkt_dir *d)
{
    return d->cipher.alg->block_len < 8 ? 8 : d->cipher.alg->block_len;
}

/* Bytes at the front that are not encrypted as part of the aligned region:
 * the length, for -etm MACs and AEADs. */
static size_t aad_len(const struct ssh_pkt_dir *d)
{
    return d->cipher.alg->tag_len || d->mac.alg->etm ? 4 : 0;
}

static size_t trailer_len(const struct ssh_pkt_dir *d)
{
    return d->cipher.alg->tag_len ? d->cipher.alg->tag_len : d->mac.alg->out_len;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Encrypts and authenticates the n = 4 + packet_length clear bytes at w in
 * place, writing the MAC or tag after them. All of them are in place but
 * w[po .. po+dn), which is still at `data`: AEADs, and -etm MACs with a
 * stream cipher, encrypt those bytes from there; the others copy them in
 * first (a block cipher's chain, or a MAC over the clear packet, wants the
 * packet whole). */
static strata_status protect(struct ssh_pkt_dir *d, uint8_t *w, size_t n, const uint8_t *data,
                             size_t po, size_t dn, strata_error *err)
{
    const struct ssh_cipher_alg *ca = d->cipher.alg;
    strata_status r;
    if (ca->tag_len)
        return ca->aead_seal(&d->cipher, d->seq, w, n, data, po, dn, w + n, err);
    if (d->mac.alg->etm && ca->stream) {
        /* The stream runs on across the three pieces; the MAC is over the
         * ciphertext, in place by then. */
        if ((r = ca->crypt(&d->cipher, w + 4, w + 4, po - 4, err)) != STRATA_OK ||
            (dn && (r = ca->crypt(&d->cipher, w + po, data, dn, err)) != STRATA_OK) ||
            (r = ca->crypt(&d->cipher, w + po + dn, w + po + dn, n - po - dn, err)) != STRATA_OK)
            return r;
        return strata__ssh_mac_compute(&d->mac, d->seq, w, n, w + n, err);
    }
    if (dn)
        memcpy(w + po, data, dn);
    if (d->mac.alg->etm) {
        if ((r = ca->crypt(&d->cipher, w + 4, w + 4, n - 4, err)) != STRATA_OK)
            return r;
        return strata__ssh_mac_compute(&d->mac, d->seq, w, n, w + n, err);
    }
    if ((r = strata__ssh_mac_compute(&d->mac, d->seq, w, n, w + n, err)) != STRATA_OK)
        return r;
    return ca->crypt(&d->cipher, w, w, n, err);
}

/* RFC 4253 §6: random padding, drawn from a small pool refilled from
 * RAND_bytes, so the DRBG is called once per dozen packets, not per packet. */
static strata_status random_padding(struct ssh_pkt_dir *d, uint8_t *p, size_t n, strata_error *err)
{
    if (n > d->rnd_left) {
        if (RAND_bytes(d->rnd, (int)sizeof(d->rnd)) != 1)
            return strata__error_set_ossl(err, STRATA_E_CRYPTO, "no random bytes for the padding");
        d->rnd_left = sizeof(d->rnd);
    }
    uint8_t *src = d->rnd + sizeof(d->rnd) - d->rnd_left;
    memcpy(p, src, n);
    strata_memzero(src, n); /* each byte is used once */
    d->rnd_left -= n;
    return STRATA_OK;
}

strata_status strata__ssh_pkt_seal(struct ssh_pkt_dir *d, const uint8_t *payload, size_t n,
                                   strata_buf *out, strata_error *err)
{
    return strata__ssh_pkt_seal_parts(d, NULL, 0, payload, n, out, err);
}

/* Compression: deflate wants the payload in one piece, so a head is joined
 * to the data first (in `pkt`, which an output direction does not use
 * otherwise). On success *data / *dn are the compressed payload and the head
 * is gone. */
static strata_status deflate_parts(struct ssh_pkt_dir *d, const uint8_t *head, size_t hn,
                                   const uint8_t **data, size_t *dn, size_t room, strata_error *err)
{
    strata_status r;
    const uint8_t *in = *data;
    size_t n = *dn;
    if (hn) {
        if ((r = strata__ssh_scratch_reserve(&d->pkt, hn + n, 0)) != STRATA_OK)
            return strata__error_set(err, r, "cannot allocate the payload to compress");
        memcpy(d->pkt.p, head, hn);
        if (n)
            memcpy(d->pkt.p + hn, in, n);
        in = d->pkt.p;
        n += hn;
    }
    return strata__ssh_comp_deflate(&d->comp, in, n, room, data, dn, err);
}

strata_status strata__ssh_pkt_seal_parts(struct ssh_pkt_dir *d, const uint8_t *head, size_t hn,
                                         const uint8_t *data, size_t dn, strata_buf *out,
                                         strata_error *err)
{
    strata_status r;
    if (d->failed != STRATA_OK)
        return sticky(d, err);
    if (!d->outbound)
        return strata__error_set(err, STRATA_E_STATE, "seal on an input direction");
    if (hn == 0 && dn == 0)
        return strata__error_set(err, STRATA_E_USAGE, "an SSH packet payload cannot be empty");
    /* Keep the whole packet within STRATA_SSH_PACKET_MAX, padding included. */
    const size_t bs = block_size(d), room = STRATA_SSH_PACKET_MAX - 1 - 4 - 2 * bs;
    if (hn > room || dn > room - hn)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "payload of %zu bytes exceeds the %zu that fit in an SSH packet "
                                 "of %u bytes",
                                 hn > room ? hn : hn + dn, room, STRATA_SSH_PACKET_MAX);
    size_t n = hn + dn;
    int deflated = 0;
    if (d->comp.active) {
        /* Once the deflate stream has taken the payload, a packet that is not
         * sent leaves it out of step with the peer's. So check for room
         * first, with zlib's worst-case growth, and treat any later failure
         * as fatal. */
        const size_t worst = 4 + 1 + n + n / 8 + n / 64 + 64 + 2 * bs + trailer_len(d);
        if (worst > strata_buf_avail(out))
            return strata__error_set(err, STRATA_E_LIMIT,
                                     "no room for a compressed packet of up to %zu bytes in the "
                                     "output buffer",
                                     worst);
        if ((r = deflate_parts(d, head, hn, &data, &dn, room, err)) != STRATA_OK)
            return fail(d, r);
        head = NULL;
        hn = 0;
        n = dn;
        deflated = 1;
    }
    /* RFC 4253 §6: 4 <= padding, aligned region a multiple of bs, and the
     * packet (length field included) at least 16 bytes. */
    const size_t aad = aad_len(d), hdr = 4 + 1 + n;
    size_t pad = bs - (hdr - aad) % bs;
    if (pad < 4)
        pad += bs;
    if (hdr + pad < 16)
        pad += bs;
    const size_t plen = 1 + n + pad, total = 4 + plen + trailer_len(d);
    uint8_t *w;
    if ((r = strata_buf_reserve(out, total, &w)) != STRATA_OK) {
        r = strata__error_set(err, r, "no room for a %zu-byte packet in the output buffer (%s)",
                              total, strata_status_str(r));
        return deflated ? fail(d, r) : r;
    }
    put_u32(w, (uint32_t)plen);
    w[4] = (uint8_t)pad;
    if (hn)
        memcpy(w + 5, head, hn);
    if ((r = random_padding(d, w + 5 + n, pad, err)) == STRATA_OK)
        r = protect(d, w, 4 + plen, data, 5 + hn, dn, err);
    if (r != STRATA_OK) {
        strata_memzero(w, total);
        if (strata_buf_consume_end(out, total) != STRATA_OK)
            r = STRATA_E_INTERNAL; /* cannot happen: total bytes were just reserved */
        return fail(d, r);
    }
    d->seq++; /* uint32_t: wraps at 2^32 (RFC 4253 §6.4) */
    d->bytes += total;
    return STRATA_OK;
}

/* Reads and checks packet_length once enough bytes are there. */
static strata_status read_length(struct ssh_pkt_dir *d, const uint8_t *p, size_t avail,
                                 strata_error *err)
{
    const struct ssh_cipher_alg *ca = d->cipher.alg;
    const size_t bs = block_size(d), aad = aad_len(d);
    strata_status r;
    uint32_t len;
    if (ca->tag_len) {
        if (avail < 4)
            return STRATA_WANT_READ;
        if ((r = ca->aead_length(&d->cipher, d->seq, p, &len, err)) != STRATA_OK)
            return r;
    } else if (aad) {
        if (avail < 4)
            return STRATA_WANT_READ;
        len = get_u32(p);
    } else {
        /* Plain cipher, MAC over the clear text: decrypt the first block. */
        if (avail < bs)
            return STRATA_WANT_READ;
        if ((r = strata__ssh_scratch_reserve(&d->pkt, bs, 0)) != STRATA_OK)
            return strata__error_set(err, r, "cannot allocate the packet buffer");
        if ((r = ca->crypt(&d->cipher, d->pkt.p, p, bs, err)) != STRATA_OK)
            return r;
        len = get_u32(d->pkt.p);
    }
    if (len > STRATA_SSH_PACKET_MAX)
        return strata__error_set(err, STRATA_E_SSH_PACKET,
                                 "packet length %u exceeds the limit of %u", len,
                                 STRATA_SSH_PACKET_MAX);
    if (len < PKT_MIN_LEN)
        return strata__error_set(err, STRATA_E_SSH_PACKET,
                                 "packet length %u is below the minimum of %u", len, PKT_MIN_LEN);
    if (aad && len % bs != 0)
        return strata__error_set(err, STRATA_E_SSH_PACKET,
                                 "packet length %u is not a multiple of the block size %zu", len,
                                 bs);
    if (!aad && (4 + (size_t)len) % bs != 0)
        return strata__error_set(err, STRATA_E_SSH_PACKET,
                                 "packet length %u + 4 is not a multiple of the block size %zu",
                                 len, bs);
    d->packlen = len;
    d->have_len = 1;
    return STRATA_OK;
}

/* Checks and decrypts the whole packet (n = 4 + packet_length bytes at p,
 * MAC or tag after them) into d->pkt. */
static strata_status unprotect(struct ssh_pkt_dir *d, const uint8_t *p, size_t n, strata_error *err)
{
    const struct ssh_cipher_alg *ca = d->cipher.alg;
    uint8_t mac[STRATA_SSH_MAC_MAX];
    const size_t bs = block_size(d), ml = d->mac.alg->out_len;
    strata_status r;
    if ((r = strata__ssh_scratch_reserve(&d->pkt, n, ca->tag_len || d->mac.alg->etm ? 0 : bs)) !=
        STRATA_OK)
        return strata__error_set(err, r, "cannot allocate the packet buffer");
    uint8_t *w = d->pkt.p;
    if (ca->tag_len)
        return ca->aead_open(&d->cipher, d->seq, w, p, n, p + n, err);
    if (d->mac.alg->etm) {
        /* Encrypt-then-MAC: authenticate before decrypting anything. */
        if ((r = strata__ssh_mac_compute(&d->mac, d->seq, p, n, mac, err)) != STRATA_OK)
            return r;
        if (!strata_ct_equal(mac, p + n, ml))
            return strata__error_set(err, STRATA_E_SSH_MAC, "%s mismatch on packet %u",
                                     d->mac.alg->name, d->seq);
        memcpy(w, p, 4);
        return ca->crypt(&d->cipher, w + 4, p + 4, n - 4, err);
    }
    if ((r = ca->crypt(&d->cipher, w + bs, p + bs, n - bs, err)) != STRATA_OK ||
        (r = strata__ssh_mac_compute(&d->mac, d->seq, w, n, mac, err)) != STRATA_OK)
        return r;
    if (!strata_ct_equal(mac, p + n, ml))
        return strata__error_set(err, STRATA_E_SSH_MAC, "%s mismatch on packet %u",
                                 d->mac.alg->name, d->seq);
    return STRATA_OK;
}

strata_status strata__ssh_pkt_open(struct ssh_pkt_dir *d, strata_buf *in, const uint8_t **payload,
                                   size_t *n, strata_error *err)
{
    *payload = NULL;
    *n = 0;
    if (d->failed != STRATA_OK)
        return sticky(d, err);
    if (d->outbound)
        return strata__error_set(err, STRATA_E_STATE, "open on an output direction");
    const uint8_t *p = strata_buf_ptr(in);
    const size_t avail = strata_buf_len(in);
    strata_status r;
    if (!d->have_len && (r = read_length(d, p, avail, err)) != STRATA_OK)
        return r == STRATA_WANT_READ ? r : fail(d, r);
    const size_t body = 4 + (size_t)d->packlen, total = body + trailer_len(d);
    if (avail < total)
        return STRATA_WANT_READ;
    if ((r = unprotect(d, p, body, err)) != STRATA_OK)
        return fail(d, r);
    /* The clear packet is authentic: now its padding. */
    const uint8_t *w = d->pkt.p;
    const uint32_t padlen = w[4];
    if (padlen < 4)
        return fail(d, strata__error_set(err, STRATA_E_SSH_PACKET,
                                         "padding length %u is below the minimum of 4", padlen));
    if (padlen >= d->packlen)
        return fail(d, strata__error_set(err, STRATA_E_SSH_PACKET,
                                         "padding length %u does not fit in packet length %u",
                                         padlen, d->packlen));
    const uint8_t *pl = w + 5;
    size_t pn = d->packlen - padlen - 1;
    if (d->comp.active && (r = strata__ssh_comp_inflate(&d->comp, pl, pn, STRATA_SSH_PACKET_MAX,
                                                        &pl, &pn, err)) != STRATA_OK)
        return fail(d, r);
    if (pn == 0)
        return fail(d, strata__error_set(err, STRATA_E_SSH_PACKET, "packet %u has an empty payload",
                                         d->seq));
    if ((r = strata_buf_consume(in, total)) != STRATA_OK)
        return fail(d, strata__error_set(err, STRATA_E_INTERNAL, "cannot consume the packet"));
    d->have_len = 0;
    d->seq++; /* wraps at 2^32 */
    d->bytes += total;
    *payload = pl;
    *n = pn;
    return STRATA_OK;
}
