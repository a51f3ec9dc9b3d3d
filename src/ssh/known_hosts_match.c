/* known_hosts host matching (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * comma-separated patterns with * and ? wildcards and ! negation, and hashed
 * names "|1|base64(salt)|base64(HMAC-SHA1(salt, name))" where name is the
 * host as written in the file: "host", or "[host]:port" for ports other than 22.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "ssh/known_hosts.h"
#include "strata/mem.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int strata__ssh_kh_match_pattern(const char *s, size_t sn, const char *p, size_t pn)
{
    /* Iterative glob: on a mismatch, retry from the last '*' one character
     * further into s. O(sn * pn) at worst, no recursion. */
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            star_p = pi++;
            star_s = si;
        } else if (pi < pn &&
                   (p[pi] == '?' || lower((unsigned char)p[pi]) == lower((unsigned char)s[si]))) {
            pi++;
            si++;
        } else if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
        } else {
            return 0;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

static int hmac_sha1(const uint8_t *key, size_t klen, const char *name, uint8_t out[20])
{
    size_t len = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, klen, (const unsigned char *)name,
                   strlen(name), out, STRATA_SSH_KH_HASH_LEN, &len) ||
        len != STRATA_SSH_KH_HASH_LEN) {
        strata__ossl_clear();
        return 0;
    }
    return 1;
}

static int match_hashed(const char *field, const char *name)
{
    const char *salt = field + 3, *bar = strchr(salt, '|');
    if (!bar)
        return 0;
    uint8_t *s = NULL, *h = NULL, mac[STRATA_SSH_KH_HASH_LEN];
    size_t sl, hl;
    int ok = strata__ssh_b64_decode(salt, (size_t)(bar - salt), &s, &sl) == STRATA_OK &&
             strata__ssh_b64_decode(bar + 1, strlen(bar + 1), &h, &hl) == STRATA_OK &&
             hl == STRATA_SSH_KH_HASH_LEN && hmac_sha1(s, sl, name, mac) &&
             strata_ct_equal(mac, h, sizeof(mac));
    free(s);
    free(h);
    return ok;
}

int strata__ssh_kh_match_hosts(const char *field, const char *name)
{
    if (strncmp(field, "|1|", 3) == 0)
        return match_hashed(field, name);
    int found = 0;
    size_t nl = strlen(name);
    const char *p = field;
    for (;;) {
        size_t len = strcspn(p, ",");
        int neg = len > 0 && p[0] == '!';
        if (strata__ssh_kh_match_pattern(name, nl, p + neg, len - (size_t)neg)) {
            if (neg)
                return -1; /* a negated match rejects the line */
            found = 1;
        }
        if (p[len] == 0)
            break;
        p += len + 1;
    }
    return found;
}

strata_status strata__ssh_kh_hash_name(const char *name, const uint8_t *salt, size_t salt_len,
                                       char **out)
{
    *out = NULL;
    uint8_t rnd[STRATA_SSH_KH_HASH_LEN], mac[STRATA_SSH_KH_HASH_LEN];
    if (!salt) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            strata__ossl_clear();
            return STRATA_E_CRYPTO;
        }
        salt = rnd;
        salt_len = sizeof(rnd);
    }
    if (salt_len == 0 || salt_len > 64)
        return STRATA_E_USAGE;
    if (!hmac_sha1(salt, salt_len, name, mac))
        return STRATA_E_CRYPTO;
    size_t scap = 4 * ((salt_len + 2) / 3) + 1;
    char *s = malloc(3 + scap + 1 + 29);
    if (!s)
        return STRATA_E_NOMEM;
    memcpy(s, "|1|", 3);
    int n = EVP_EncodeBlock((unsigned char *)s + 3, salt, (int)salt_len);
    s[3 + n] = '|';
    EVP_EncodeBlock((unsigned char *)s + 3 + n + 1, mac, sizeof(mac));
    *out = s;
    return STRATA_OK;
}

strata_status strata__ssh_kh_name(const char *host, unsigned port, char *out, size_t cap)
{
    size_t n = strlen(host);
    if (n == 0 || cap == 0)
        return STRATA_E_USAGE;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= 0x20 || c >= 0x7f || c == ',')
            return STRATA_E_USAGE;
    }
    int len = port == 22 || port == 0 ? snprintf(out, cap, "%s", host)
                                      : snprintf(out, cap, "[%s]:%u", host, port);
    if (len < 0 || (size_t)len >= cap) {
        out[0] = 0;
        return STRATA_E_USAGE;
    }
    for (char *p = out; *p; p++)
        *p = (char)lower((unsigned char)*p);
    return STRATA_OK;
}

strata_status strata__ssh_kh_name_err(strata_ssh_knownhosts *kh, const char *host, unsigned port,
                                      char *out, size_t cap)
{
    strata_status st = strata__ssh_kh_name(host, port, out, cap);
    if (st != STRATA_OK)
        strata__error_set(&kh->err, st,
                          "host name \"%.64s\" is empty, too long, or holds a space, comma or "
                          "control character",
                          host);
    return st;
}
