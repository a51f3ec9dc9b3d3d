/* strata bench ssh-cipher: SSH packet protection throughput per cipher (and
 * MAC) against the raw OpenSSL primitive.
 *
 * strata: seal and open of 32 KiB payloads through strata_ssh_packet_seal /
 * strata_ssh_packet_open (strata/ssh_packet.h: the engine the transport uses) (padding, MAC or
 * tag, sequence numbers). OpenSSL: the same 32 KiB through the EVP cipher
 * (for an AEAD: a fresh nonce, 4 bytes of associated data and the tag per
 * packet; for CTR and CBC: one running stream per direction, as SSH keeps)
 * plus, for cipher + MAC rows, an HMAC over the sequence number and the
 * bytes (EVP_MAC, re-initialised with the same key per packet), verified
 * with CRYPTO_memcmp on open. The primitive does less than the protocol (no
 * framing, padding or length field), so a ratio near 1 is the ceiling.
 * A row's figure is the payload rate of sealing and opening it (MB of
 * payload over the seal time plus the open time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "bench.h"
#include "cli.h"
#include "strata/ssh_packet.h"

#define PAYLOAD (32u * 1024u)

struct ssh_row {
    const char *cipher, *mac;
    const char *evp_cipher, *digest; /* the raw primitives; digest NULL: none */
};

static const struct ssh_row rows[] = {
    {"chacha20-poly1305@openssh.com", "-", "ChaCha20-Poly1305", NULL},
    {"aes128-gcm@openssh.com", "-", "AES-128-GCM", NULL},
    {"aes256-gcm@openssh.com", "-", "AES-256-GCM", NULL},
    {"aes128-ctr", "hmac-sha2-256-etm@openssh.com", "AES-128-CTR", "SHA2-256"},
    {"aes256-ctr", "hmac-sha2-256-etm@openssh.com", "AES-256-CTR", "SHA2-256"},
    {"aes128-ctr", "hmac-sha2-512-etm@openssh.com", "AES-128-CTR", "SHA2-512"},
    {"aes128-ctr", "hmac-sha2-256", "AES-128-CTR", "SHA2-256"},
    {"aes128-cbc", "hmac-sha1", "AES-128-CBC", "SHA1"},
    {"3des-cbc", "hmac-sha1", "DES-EDE3-CBC", "SHA1"},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static uint8_t material[64];

static void fill(uint8_t *p, size_t n, unsigned mul, unsigned add)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * mul + add);
}

size_t bench_ssh_row_count(void)
{
    return N_ROWS;
}

void bench_ssh_row_names(size_t i, const char **cipher, const char **mac)
{
    *cipher = rows[i].cipher;
    *mac = rows[i].mac;
}

/* ---- strata ------------------------------------------------------------------------ */

static int keyed(strata_ssh_packet_dir **d, int outbound, const char *cipher, const char *mac)
{
    fill(material, sizeof(material), 3, 1);
    strata_error err;
    strata_error_clear(&err);
    if (strata_ssh_packet_dir_new(outbound, cipher, mac, material, sizeof(material), d, &err) !=
        STRATA_OK) {
        cli_err("bench ssh-cipher: %s/%s: cannot key: %s", cipher, mac, strata_error_message(&err));
        return -1;
    }
    return 0;
}

int bench_ssh_row_strata(size_t i, double seconds, double *seal, double *open)
{
    strata_ssh_packet_dir *o = NULL, *in = NULL;
    uint8_t *payload = malloc(PAYLOAD);
    strata_buf wire;
    strata_buf_init(&wire, 0);
    double t_seal = 0, t_open = 0;
    unsigned long packets = 0;
    int rc = -1;
    if (!payload || keyed(&o, 1, rows[i].cipher, rows[i].mac) != 0 ||
        keyed(&in, 0, rows[i].cipher, rows[i].mac) != 0)
        goto out;
    fill(payload, PAYLOAD, 131, 7);
    do {
        strata_error err;
        strata_error_clear(&err);
        const uint8_t *p;
        size_t n;
        double t0 = bench_cpu_now();
        if (strata_ssh_packet_seal(o, payload, PAYLOAD, &wire, &err) != STRATA_OK) {
            cli_err("bench ssh-cipher: seal: %s", strata_error_message(&err));
            goto out;
        }
        double t1 = bench_cpu_now();
        if (strata_ssh_packet_open(in, &wire, &p, &n, &err) != STRATA_OK || n != PAYLOAD) {
            cli_err("bench ssh-cipher: open: %s", strata_error_message(&err));
            goto out;
        }
        t_seal += t1 - t0;
        t_open += bench_cpu_now() - t1;
        packets++;
    } while (t_seal + t_open < seconds);
    double mb = (double)packets * PAYLOAD / 1e6;
    *seal = mb / t_seal;
    *open = mb / t_open;
    rc = 0;
out:
    strata_buf_free(&wire);
    strata_ssh_packet_dir_free(o);
    strata_ssh_packet_dir_free(in);
    free(payload);
    return rc;
}

/* ---- the raw OpenSSL primitive --------------------------------------------------------- */

struct prim {
    const struct ssh_row *row;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac_seal, *mac_open;
    int aead;
    uint8_t *pt, *ct, *back;
    uint8_t tag[EVP_MAX_MD_SIZE], iv[16];
    uint32_t seq;
};

static void prim_free(struct prim *p)
{
    EVP_CIPHER_free(p->cipher);
    EVP_CIPHER_CTX_free(p->enc);
    EVP_CIPHER_CTX_free(p->dec);
    EVP_MAC_CTX_free(p->mac_seal);
    EVP_MAC_CTX_free(p->mac_open);
    EVP_MAC_free(p->hmac);
    free(p->pt);
    free(p->ct);
    free(p->back);
}

static int prim_new(struct prim *p, const struct ssh_row *row)
{
    memset(p, 0, sizeof(*p));
    p->row = row;
    fill(material, sizeof(material), 5, 2);
    p->pt = malloc(PAYLOAD);
    p->ct = malloc(PAYLOAD);
    p->back = malloc(PAYLOAD);
    if (!p->pt || !p->ct || !p->back ||
        !(p->cipher = EVP_CIPHER_fetch(NULL, row->evp_cipher, NULL)) ||
        !(p->enc = EVP_CIPHER_CTX_new()) || !(p->dec = EVP_CIPHER_CTX_new()))
        return -1;
    fill(p->pt, PAYLOAD, 131, 7);
    p->aead = row->digest == NULL;
    /* An AEAD gets its nonce per packet; CTR and CBC run one stream. */
    const uint8_t *iv = p->aead ? NULL : material;
    if (!EVP_EncryptInit_ex2(p->enc, p->cipher, material, iv, NULL) ||
        !EVP_DecryptInit_ex2(p->dec, p->cipher, material, iv, NULL) ||
        !EVP_CIPHER_CTX_set_padding(p->enc, 0) || !EVP_CIPHER_CTX_set_padding(p->dec, 0))
        return -1;
    if (p->aead)
        return 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)row->digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!(p->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) ||
        !(p->mac_seal = EVP_MAC_CTX_new(p->hmac)) || !(p->mac_open = EVP_MAC_CTX_new(p->hmac)) ||
        !EVP_MAC_init(p->mac_seal, material, 32, params) ||
        !EVP_MAC_init(p->mac_open, material, 32, params))
        return -1;
    return 0;
}

/* The HMAC of (seq, data) into out; *n its length. */
static int prim_mac(EVP_MAC_CTX *m, uint32_t seq, const uint8_t *data, uint8_t *out, size_t *n)
{
    uint8_t s[4] = {(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
    return EVP_MAC_init(m, NULL, 0, NULL) && EVP_MAC_update(m, s, 4) &&
                   EVP_MAC_update(m, data, PAYLOAD) && EVP_MAC_final(m, out, n, EVP_MAX_MD_SIZE)
               ? 0
               : -1;
}

static int prim_seal(struct prim *p)
{
    int outl = 0, fl = 0;
    uint8_t aad[4] = {0, 0, 0x80, 0};
    size_t n;
    if (p->aead) {
        memcpy(p->iv, material, 12);
        p->iv[11] ^= (uint8_t)p->seq;
        return EVP_EncryptInit_ex2(p->enc, NULL, NULL, p->iv, NULL) &&
                       EVP_EncryptUpdate(p->enc, NULL, &outl, aad, 4) &&
                       EVP_EncryptUpdate(p->enc, p->ct, &outl, p->pt, PAYLOAD) &&
                       EVP_EncryptFinal_ex(p->enc, p->ct + outl, &fl) &&
                       EVP_CIPHER_CTX_ctrl(p->enc, EVP_CTRL_AEAD_GET_TAG, 16, p->tag) > 0
                   ? 0
                   : -1;
    }
    return EVP_EncryptUpdate(p->enc, p->ct, &outl, p->pt, PAYLOAD) && outl == PAYLOAD &&
                   prim_mac(p->mac_seal, p->seq, p->ct, p->tag, &n) == 0
               ? 0
               : -1;
}

static int prim_open(struct prim *p)
{
    int outl = 0, fl = 0;
    uint8_t aad[4] = {0, 0, 0x80, 0}, mac[EVP_MAX_MD_SIZE];
    size_t n;
    if (p->aead) {
        return EVP_DecryptInit_ex2(p->dec, NULL, NULL, p->iv, NULL) &&
                       EVP_DecryptUpdate(p->dec, NULL, &outl, aad, 4) &&
                       EVP_DecryptUpdate(p->dec, p->back, &outl, p->ct, PAYLOAD) &&
                       EVP_CIPHER_CTX_ctrl(p->dec, EVP_CTRL_AEAD_SET_TAG, 16, p->tag) > 0 &&
                       EVP_DecryptFinal_ex(p->dec, p->back + outl, &fl) > 0
                   ? 0
                   : -1;
    }
    if (prim_mac(p->mac_open, p->seq, p->ct, mac, &n) != 0 || CRYPTO_memcmp(mac, p->tag, n) != 0)
        return -1;
    return EVP_DecryptUpdate(p->dec, p->back, &outl, p->ct, PAYLOAD) && outl == PAYLOAD ? 0 : -1;
}

static int row_openssl(size_t i, double seconds, double *seal, double *open)
{
    struct prim p;
    double t_seal = 0, t_open = 0;
    unsigned long packets = 0;
    int rc = -1;
    if (prim_new(&p, &rows[i]) != 0) {
        cli_err("bench ssh-cipher: setting up OpenSSL's %s", rows[i].evp_cipher);
        goto out;
    }
    do {
        double t0 = bench_cpu_now();
        if (prim_seal(&p) != 0)
            goto out;
        double t1 = bench_cpu_now();
        if (prim_open(&p) != 0 || memcmp(p.back, p.pt, PAYLOAD) != 0)
            goto out;
        t_seal += t1 - t0;
        t_open += bench_cpu_now() - t1;
        p.seq++;
        packets++;
    } while (t_seal + t_open < seconds);
    double mb = (double)packets * PAYLOAD / 1e6;
    *seal = mb / t_seal;
    *open = mb / t_open;
    rc = 0;
out:
    if (rc != 0) {
        cli_err("bench ssh-cipher: OpenSSL %s failed", rows[i].evp_cipher);
        ERR_print_errors_fp(stderr);
    }
    prim_free(&p);
    return rc;
}

/* ---- the measurement ------------------------------------------------------------------- */

/* Payload rate of sealing then opening: 1 / (1/seal + 1/open). */
static double both(double seal, double open)
{
    return 1.0 / (1.0 / seal + 1.0 / open);
}

int bench_ssh_cipher(double seconds, struct bench_out *o)
{
    for (size_t i = 0; i < N_ROWS; i++) {
        double fig[2] = {0, 0}, ss = 0, so = 0;
        bench_progress("ssh-cipher, %s%s%s", rows[i].cipher, strcmp(rows[i].mac, "-") ? " " : "",
                       strcmp(rows[i].mac, "-") ? rows[i].mac : "");
        /* Two halves each, alternating. */
        for (int half = 0; half < 4; half++) {
            int who = half & 1;
            if ((who ? row_openssl(i, seconds / 2, &ss, &so)
                     : bench_ssh_row_strata(i, seconds / 2, &ss, &so)) != 0)
                return -1;
            fig[who] += both(ss, so) / 2;
        }
        char what[96];
        const char *mac = strcmp(rows[i].mac, "-") ? rows[i].mac : "";
        /* Short names so the row fits: "@openssh.com" dropped. */
        char c[32], m[32];
        snprintf(c, sizeof(c), "%.*s", (int)strcspn(rows[i].cipher, "@"), rows[i].cipher);
        snprintf(m, sizeof(m), "%.*s", (int)strcspn(mac, "@"), mac);
        snprintf(what, sizeof(what), "ssh %s%s%s", c, m[0] ? " " : "", m);
        if (bench_add(o, what, "MB/s", fig[0], fig[1]) != 0)
            return -1;
    }
    return 0;
}
