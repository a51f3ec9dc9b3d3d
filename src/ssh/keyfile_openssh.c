/* OpenSSH's private key format, "openssh-key-v1" (OpenSSH PROTOCOL.key).
 *
 *   byte[15] "openssh-key-v1\0"
 *   string   ciphername         "none", "aes256-ctr", ...
 *   string   kdfname            "none" or "bcrypt"
 *   string   kdfoptions         bcrypt: string salt, uint32 rounds; none: empty
 *   uint32   number of keys     always 1 (OpenSSH writes and reads only 1)
 *   string   public key blob
 *   string   private section    encrypted when ciphername is not "none"
 *   [byte[16] AEAD tag]         aes-gcm only, after the string
 * The private section, once decrypted:
 *   uint32   checkint, uint32 checkint  equal random words: a mismatch after
 *                                       decryption means a wrong passphrase
 *   string   key type, then the type's private fields, string comment
 *   byte[]   padding 1, 2, 3, ... up to the cipher block size (8 for none)
 * The KDF output is key || IV for the cipher.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "ssh/bcrypt_pbkdf.h"
#include "ssh/keyfile.h"

static const char openssh_magic[] = "openssh-key-v1"; /* with its NUL: 15 bytes */
#define MAGIC_LEN sizeof(openssh_magic)
#define KDF_OUT_MAX 64

static const char wrong_passphrase[] = "incorrect passphrase supplied to decrypt private key";

/* Reads a string that must be a short printable name into buf. */
static strata_status get_name(strata_buf *b, const char *what, char *buf, size_t cap,
                              strata_error *err)
{
    const uint8_t *p;
    size_t n;
    strata_status r = strata_buf_get_string(b, &p, &n);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "truncated key file (%s)", what);
    if (n >= cap)
        return strata__error_set(err, STRATA_E_FORMAT, "%s is %zu bytes long", what, n);
    if (!strata__sshkf_printable(p, n))
        return strata__error_set(err, STRATA_E_FORMAT, "%s holds a non-printable byte", what);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return STRATA_OK;
}

/* Reads and checks the bcrypt KDF options: string salt, uint32 rounds. */
static strata_status parse_kdfopts(strata_buf *kdfopts, unsigned max_rounds, const uint8_t **salt,
                                   size_t *saltlen, uint32_t *rounds, strata_error *err)
{
    strata_status r;
    if ((r = strata_buf_get_string(kdfopts, salt, saltlen)) != STRATA_OK ||
        (r = strata_buf_get_u32(kdfopts, rounds)) != STRATA_OK)
        return strata__error_set(err, r, "truncated bcrypt KDF options");
    if (strata_buf_get_end(kdfopts) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRAILING, "trailing bytes in bcrypt KDF options");
    if (*saltlen == 0 || *saltlen > STRATA_BCRYPT_PBKDF_MAX_SALT)
        return strata__error_set(err, STRATA_E_FORMAT, "bcrypt salt of %zu bytes (1..%u allowed)",
                                 *saltlen, STRATA_BCRYPT_PBKDF_MAX_SALT);
    if (*rounds == 0)
        return strata__error_set(err, STRATA_E_FORMAT, "bcrypt KDF with 0 rounds");
    if (*rounds > max_rounds)
        return strata__error_set(err, STRATA_E_LIMIT, "bcrypt KDF rounds %u exceed the limit of %u",
                                 *rounds, max_rounds);
    return STRATA_OK;
}

/* Parses the decrypted private section. */
static strata_status parse_private(strata_buf *b, int encrypted, size_t block, const uint8_t *pub,
                                   size_t publen, strata_ssh_privkey **out, strata_error *err)
{
    uint32_t check1, check2;
    const uint8_t *tname;
    size_t tlen;
    char *comment = NULL;
    EVP_PKEY *pkey = NULL;
    strata_ssh_privkey *k = NULL;
    strata_status r;
    if ((r = strata_buf_get_u32(b, &check1)) != STRATA_OK ||
        (r = strata_buf_get_u32(b, &check2)) != STRATA_OK) {
        r = strata__error_set(err, r, "truncated private section");
        goto out;
    }
    if (check1 != check2) {
        r = encrypted ? strata__error_set(err, STRATA_E_PASSPHRASE, "%s", wrong_passphrase)
                      : strata__error_set(err, STRATA_E_FORMAT,
                                          "check words differ in an unencrypted key");
        goto out;
    }
    if ((r = strata_buf_get_string(b, &tname, &tlen)) != STRATA_OK) {
        r = strata__error_set(err, r, "truncated private section (key type)");
        goto out;
    }
    int is_cert;
    const struct ssh_keytype *t = strata__ssh_keytype_by_name((const char *)tname, tlen, &is_cert);
    if (is_cert) /* a private section holds a plain key */
        t = NULL;
    if (!t && !strata__sshkf_printable(tname, tlen)) {
        r = strata__error_set(err, STRATA_E_FORMAT, "private key type name is not printable");
        goto out;
    }
    if (!t) {
        r = strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported private key type \"%.*s\"",
                              (int)(tlen > 64 ? 64 : tlen), (const char *)tname);
        goto out;
    }
    if ((r = t->read_priv(t, b, &pkey, err)) != STRATA_OK)
        goto out;
    if ((r = strata_buf_get_cstring(b, &comment)) != STRATA_OK) {
        r = strata__error_set(err, r, "bad key comment");
        goto out;
    }
    /* Padding: 1, 2, 3, ... and shorter than one block. */
    size_t padlen = strata_buf_len(b);
    const uint8_t *pad = strata_buf_ptr(b);
    if (padlen >= block) {
        r = strata__error_set(err, STRATA_E_TRAILING,
                              "%zu bytes after the key: more than one block of padding", padlen);
        goto out;
    }
    for (size_t i = 0; i < padlen; i++) {
        if (pad[i] != (uint8_t)(i + 1)) {
            r = strata__error_set(err, STRATA_E_FORMAT, "bad padding byte %u at position %zu",
                                  pad[i], i);
            goto out;
        }
    }
    if ((r = strata__sshkf_privkey_new(pkey, t, comment, &k, err)) != STRATA_OK) {
        pkey = NULL; /* taken */
        goto out;
    }
    pkey = NULL;
    if (k->blob_len != publen || memcmp(k->blob, pub, publen) != 0) {
        r = strata__error_set(err, STRATA_E_FORMAT,
                              "the public key does not match the private key");
        goto out;
    }
    *out = k;
    k = NULL;
out:
    strata_ssh_privkey_free(k);
    EVP_PKEY_free(pkey);
    free(comment);
    return r;
}

/* The outer, unencrypted layer of the file. Pointers borrow from the input. */
struct kf_outer {
    const struct sshkf_cipher *c;
    strata_buf kdfopts;
    const uint8_t *salt; /* bcrypt only */
    size_t saltlen;
    uint32_t rounds;
    const uint8_t *pub, *enc;
    size_t publen, enclen;
    uint8_t tag[16];
};

static strata_status parse_outer(const uint8_t *bin, size_t n, unsigned max_rounds,
                                 struct kf_outer *o, strata_error *err)
{
    strata_buf b;
    char cipher_name[64], kdf_name[64];
    uint32_t nkeys;
    strata_status r;

    strata_buf_view(&b, bin, n);
    if (n < MAGIC_LEN || memcmp(bin, openssh_magic, MAGIC_LEN) != 0)
        return strata__error_set(err, STRATA_E_FORMAT, "not an openssh-key-v1 key (bad magic)");
    if ((r = strata_buf_consume(&b, MAGIC_LEN)) != STRATA_OK ||
        (r = get_name(&b, "cipher name", cipher_name, sizeof(cipher_name), err)) != STRATA_OK ||
        (r = get_name(&b, "KDF name", kdf_name, sizeof(kdf_name), err)) != STRATA_OK)
        return r;
    if ((r = strata_buf_get_sub(&b, &o->kdfopts)) != STRATA_OK ||
        (r = strata_buf_get_u32(&b, &nkeys)) != STRATA_OK)
        return strata__error_set(err, r, "truncated key file header");
    const struct sshkf_cipher *c = o->c = strata__sshkf_cipher_by_name(cipher_name);
    if (!c)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unknown cipher \"%s\"", cipher_name);
    int encrypted = c->key_len != 0;
    if (strcmp(kdf_name, "none") != 0 && strcmp(kdf_name, "bcrypt") != 0)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unknown KDF \"%s\"", kdf_name);
    if (encrypted != (strcmp(kdf_name, "bcrypt") == 0))
        return strata__error_set(err, STRATA_E_FORMAT, "cipher \"%s\" with KDF \"%s\"", cipher_name,
                                 kdf_name);
    if (!encrypted && strata_buf_len(&o->kdfopts) != 0)
        return strata__error_set(err, STRATA_E_FORMAT, "KDF options for an unencrypted key");
    /* Checked before any passphrase is asked for: a key that cannot be
     * decrypted (bad or too costly KDF) is refused at once. */
    if (encrypted && (r = parse_kdfopts(&o->kdfopts, max_rounds, &o->salt, &o->saltlen, &o->rounds,
                                        err)) != STRATA_OK)
        return r;
    if (nkeys != 1)
        return strata__error_set(err, STRATA_E_UNSUPPORTED,
                                 "key file holds %u keys (only 1 allowed)", nkeys);
    if ((r = strata_buf_get_string(&b, &o->pub, &o->publen)) != STRATA_OK ||
        (r = strata_buf_get_string(&b, &o->enc, &o->enclen)) != STRATA_OK)
        return strata__error_set(err, r, "truncated key file");
    if (c->tag_len && (r = strata_buf_get_bytes(&b, o->tag, c->tag_len)) != STRATA_OK)
        return strata__error_set(err, r, "truncated key file (%s tag)", c->name);
    if (strata_buf_get_end(&b) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRAILING, "%zu trailing bytes after the private key",
                                 strata_buf_len(&b));
    if (o->enclen < c->block || o->enclen % c->block != 0)
        return strata__error_set(
            err, STRATA_E_FORMAT,
            "private section of %zu bytes is not a multiple of the block size %zu", o->enclen,
            c->block);
    if (o->publen == 0)
        return strata__error_set(err, STRATA_E_FORMAT, "empty public key");
    return STRATA_OK;
}

strata_status strata__sshkf_peek_openssh(const uint8_t *bin, size_t n, uint8_t **blob,
                                         size_t *blob_len, int *encrypted, strata_error *err)
{
    struct kf_outer o;
    strata_status r = parse_outer(bin, n, STRATA_SSH_KEY_ROUNDS_MAX, &o, err);
    if (r != STRATA_OK)
        return r;
    if (!(*blob = malloc(o.publen)))
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    memcpy(*blob, o.pub, o.publen);
    *blob_len = o.publen;
    *encrypted = o.c->key_len != 0;
    return STRATA_OK;
}

strata_status strata__sshkf_parse_openssh(const uint8_t *bin, size_t n, const char *passphrase,
                                          unsigned max_rounds, strata_ssh_privkey **out,
                                          strata_error *err)
{
    struct kf_outer o;
    uint8_t kdf_out[KDF_OUT_MAX];
    strata_buf plain;
    strata_status r;
    uint8_t *dst;

    *out = NULL;
    strata_buf_init(&plain, STRATA_SSH_KEY_FILE_MAX);
    strata_buf_set_secret(&plain);
    if ((r = parse_outer(bin, n, max_rounds, &o, err)) != STRATA_OK)
        goto out;
    const struct sshkf_cipher *c = o.c;
    int encrypted = c->key_len != 0;
    if (encrypted) {
        if (!passphrase || !*passphrase) {
            r = strata__error_set(err, STRATA_E_SSH_KEY_ENCRYPTED,
                                  "private key is encrypted (%s, bcrypt): a passphrase is needed",
                                  c->name);
            goto out;
        }
        r = strata__bcrypt_pbkdf((const uint8_t *)passphrase, strlen(passphrase), o.salt, o.saltlen,
                                 o.rounds, kdf_out, c->key_len + c->iv_len);
        if (r != STRATA_OK) {
            r = strata__error_set(err, r, "bcrypt KDF failed");
            goto out;
        }
    }
    if ((r = strata_buf_reserve(&plain, o.enclen, &dst)) != STRATA_OK) {
        r = strata__error_set(err, r, "private section too large");
        goto out;
    }
    if ((r = strata__sshkf_crypt(c, 0, kdf_out, kdf_out + c->key_len, o.enc, o.enclen, dst, o.tag,
                                 err)) != STRATA_OK)
        goto out;
    r = parse_private(&plain, encrypted, c->block, o.pub, o.publen, out, err);
out:
    strata_memzero(kdf_out, sizeof(kdf_out));
    strata_buf_free(&plain);
    return r;
}
