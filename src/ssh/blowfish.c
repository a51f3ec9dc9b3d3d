/* Blowfish (Schneier, FSE 1993): block encryption and the key schedules that
 * bcrypt_pbkdf uses. See blowfish.h. */
#include <string.h>

#include "ssh/blowfish.h"

void strata__blf_init(struct strata_blf *c)
{
    memcpy(c->p, strata__blowfish_pi, sizeof(c->p));
    memcpy(c->s, strata__blowfish_pi + STRATA_BLF_ROUNDS + 2, sizeof(c->s));
}

static uint32_t blf_f(const struct strata_blf *c, uint32_t x)
{
    return ((c->s[0][x >> 24] + c->s[1][(x >> 16) & 0xff]) ^ c->s[2][(x >> 8) & 0xff]) +
           c->s[3][x & 0xff];
}

void strata__blf_encipher(const struct strata_blf *c, uint32_t *l, uint32_t *r)
{
    uint32_t xl = *l, xr = *r;
    xl ^= c->p[0];
    for (int i = 1; i <= STRATA_BLF_ROUNDS; i += 2) {
        xr ^= blf_f(c, xl) ^ c->p[i];
        xl ^= blf_f(c, xr) ^ c->p[i + 1];
    }
    xr ^= c->p[STRATA_BLF_ROUNDS + 1];
    *l = xr; /* the halves swap after the last round */
    *r = xl;
}

/* The next 4 bytes of a cyclic byte stream as a big-endian word. */
static uint32_t stream_word(const uint8_t *data, size_t len, size_t *pos)
{
    uint32_t w = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= len)
            *pos = 0;
        w = (w << 8) | data[*pos];
        (*pos)++;
    }
    return w;
}

/* P ^= key, then refill P and S with successive encryptions, each block first
 * XORed with the next 8 bytes of data when data is given. */
static void blf_schedule(struct strata_blf *c, const uint8_t *data, size_t datalen,
                         const uint8_t *key, size_t keylen)
{
    size_t kpos = 0, dpos = 0;
    for (int i = 0; i < STRATA_BLF_ROUNDS + 2; i++)
        c->p[i] ^= stream_word(key, keylen, &kpos);
    uint32_t l = 0, r = 0;
    for (int i = 0; i < STRATA_BLF_ROUNDS + 2; i += 2) {
        if (data) {
            l ^= stream_word(data, datalen, &dpos);
            r ^= stream_word(data, datalen, &dpos);
        }
        strata__blf_encipher(c, &l, &r);
        c->p[i] = l;
        c->p[i + 1] = r;
    }
    for (int b = 0; b < 4; b++) {
        for (int k = 0; k < 256; k += 2) {
            if (data) {
                l ^= stream_word(data, datalen, &dpos);
                r ^= stream_word(data, datalen, &dpos);
            }
            strata__blf_encipher(c, &l, &r);
            c->s[b][k] = l;
            c->s[b][k + 1] = r;
        }
    }
}

void strata__blf_expand0(struct strata_blf *c, const uint8_t *key, size_t keylen)
{
    blf_schedule(c, NULL, 0, key, keylen);
}

void strata__blf_expand(struct strata_blf *c, const uint8_t *data, size_t datalen,
                        const uint8_t *key, size_t keylen)
{
    blf_schedule(c, data, datalen, key, keylen);
}
