/* The test-only SSH server transport (see ssh_testserver.h). It uses the
 * library's packet layer, KEXINIT code, key exchange table (server side) and
 * host key signing, so the client is tested against the same definitions
 * from the other side, then against real servers in tests/interop. */
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "ssh/hostkey.h"
#include "ssh/kex/kex.h"
#include "ssh/kexinit.h"
#include "ssh/packet.h"
#include "ssh/ssh_msg.h"
#include "ssh/version.h"
#include "ssh_testserver.h"

struct ts {
    struct ts_config cfg;
    strata_error err;
    strata_buf in, out;
    struct ssh_pkt_dir *rx, *tx;
    struct ssh_version_reader vr;
    char *v_c;
    const char *v_s;
    char *lists[SSH_KEXINIT_NLISTS];
    strata_buf i_c, i_s;
    struct ssh_kexinit client_ki, server_ki;
    struct ssh_negotiated neg;
    struct ssh_kex *kex;
    int kex_running, strict, client_ext_info;
    unsigned kex_done;
    uint8_t h[EVP_MAX_MD_SIZE], sid[EVP_MAX_MD_SIZE];
    size_t h_len, sid_len;
    unsigned counts[256];
    uint64_t data_bytes, data_fnv; /* CHANNEL_DATA payload received */
    uint8_t log[256];
    size_t nlog;
    uint32_t unimpl_seq;
    uint32_t disc_reason;
    char disc_desc[256];
    struct ts_chreq chreq;
    struct ts_gex_request gex_req;
    char debug_msg[256];
    int debug_always;
    uint8_t ignore_data[64];
    size_t ignore_len;
    int newkeys_held;
    char service[64];
};

static strata_status fail(struct ts *s, const char *what)
{
    return strata__error_set(&s->err, STRATA_E_PROTOCOL, "test server: %s", what);
}

static strata_status seal(struct ts *s, const uint8_t *p, size_t n)
{
    return strata__ssh_pkt_seal(s->tx, p, n, &s->out, &s->err);
}

static strata_status seal_byte(struct ts *s, uint8_t type)
{
    return seal(s, &type, 1);
}

static strata_status send_ignore(struct ts *s)
{
    static const uint8_t m[] = {SSH_MSG_IGNORE, 0, 0, 0, 3, 'x', 'y', 'z'};
    return seal(s, m, sizeof(m));
}

/* KEXINIT as libssh 0.10's server sends it and worse: every list with a
 * leading and a trailing comma and each comma doubled (",a,,b,"). */
static strata_status put_kexinit_empty_names(const char *const l[SSH_KEXINIT_NLISTS],
                                             const uint8_t cookie[16], strata_buf *out)
{
    strata_status r;
    if ((r = strata_buf_put_u8(out, SSH_MSG_KEXINIT)) != STRATA_OK ||
        (r = strata_buf_put(out, cookie, 16)) != STRATA_OK)
        return r;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++) {
        char list[8192];
        size_t w = 0;
        list[w++] = ',';
        for (const char *p = l[i]; *p && w < sizeof(list) - 3; p++) {
            list[w++] = *p;
            if (*p == ',')
                list[w++] = ',';
        }
        list[w++] = ',';
        if ((r = strata_buf_put_string(out, list, w)) != STRATA_OK)
            return r;
    }
    if ((r = strata_buf_put_bool(out, 0)) != STRATA_OK)
        return r;
    return strata_buf_put_u32(out, 0);
}

static strata_status send_kexinit(struct ts *s)
{
    const char *l[SSH_KEXINIT_NLISTS];
    char kex[4096];
    uint8_t cookie[16];
    strata_status r;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        l[i] = s->lists[i];
    if (s->cfg.misbehave & TS_WRONG_GUESS)
        snprintf(kex, sizeof(kex), "diffie-hellman-group1-sha1,%s", s->lists[SSH_KEXINIT_KEX]);
    else
        snprintf(kex, sizeof(kex), "%s", s->lists[SSH_KEXINIT_KEX]);
    if (s->kex_done == 0) {
        size_t len = strlen(kex);
        snprintf(kex + len, sizeof(kex) - len, ",ext-info-s%s",
                 (s->cfg.misbehave & TS_NO_STRICT) ? "" : "," SSH_KEX_STRICT_S);
    }
    l[SSH_KEXINIT_KEX] = kex;
    if (RAND_bytes(cookie, 16) != 1)
        return STRATA_E_CRYPTO;
    strata_buf_reset(&s->i_s);
    if (s->cfg.misbehave & TS_EMPTY_NAMES)
        r = put_kexinit_empty_names(l, cookie, &s->i_s);
    else
        r = strata__ssh_kexinit_build(l, cookie, (s->cfg.misbehave & TS_WRONG_GUESS) != 0, &s->i_s);
    if (r != STRATA_OK)
        return r;
    strata__ssh_kexinit_clear(&s->server_ki);
    if ((r = strata__ssh_kexinit_parse(strata_buf_ptr(&s->i_s), strata_buf_len(&s->i_s),
                                       &s->server_ki, &s->err)) != STRATA_OK)
        return r;
    s->kex_running = 1;
    if ((r = seal(s, strata_buf_ptr(&s->i_s), strata_buf_len(&s->i_s))) != STRATA_OK)
        return r;
    if (s->cfg.misbehave & TS_WRONG_GUESS) {
        static const uint8_t junk[] = {SSH_MSG_KEXDH_REPLY, 'j', 'u', 'n', 'k'};
        if ((r = seal(s, junk, sizeof(junk))) != STRATA_OK)
            return r;
    }
    if (s->cfg.misbehave & TS_NEWKEYS_FIRST)
        return seal_byte(s, SSH_MSG_NEWKEYS);
    return STRATA_OK;
}

static const char *or_all(const char *v, const char *all)
{
    return v ? v : all;
}

EVP_PKEY *ts_make_hostkey(const char *alg)
{
    if (strstr(alg, "ed25519"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (strstr(alg, "nistp256"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (strstr(alg, "nistp384"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (strstr(alg, "nistp521"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    if (strstr(alg, "rsa"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    return NULL;
}

strata_status ts_new(const struct ts_config *cfg, struct ts **out)
{
    struct ts *s = calloc(1, sizeof(*s));
    if (s)
        s->data_fnv = 0xcbf29ce484222325ull;
    strata_status r;
    *out = NULL;
    if (!s)
        return STRATA_E_NOMEM;
    s->cfg = *cfg;
    strata_buf_init(&s->in, 0);
    strata_buf_init(&s->out, 0);
    strata_buf_init(&s->i_c, 0);
    strata_buf_init(&s->i_s, 0);
    const char *src[SSH_KEXINIT_NLISTS] = {or_all(cfg->kex, strata__ssh_kex_algs_supported()),
                                           or_all(cfg->hostkey_alg, "ssh-ed25519"),
                                           or_all(cfg->ciphers, strata__ssh_ciphers_supported()),
                                           or_all(cfg->ciphers, strata__ssh_ciphers_supported()),
                                           or_all(cfg->macs, strata__ssh_macs_supported()),
                                           or_all(cfg->macs, strata__ssh_macs_supported()),
                                           or_all(cfg->comp, strata__ssh_comp_supported()),
                                           or_all(cfg->comp, strata__ssh_comp_supported()),
                                           "",
                                           ""};
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        s->lists[i] = strdup(src[i]);
    s->v_s = "SSH-2.0-strata_testserver";
    if ((r = strata__ssh_pkt_dir_new(0, &s->rx)) != STRATA_OK ||
        (r = strata__ssh_pkt_dir_new(1, &s->tx)) != STRATA_OK)
        goto fail;
    if (cfg->banner && (r = strata_buf_put(&s->out, cfg->banner, strlen(cfg->banner))) != STRATA_OK)
        goto fail;
    if ((r = strata_buf_put(&s->out, s->v_s, strlen(s->v_s))) != STRATA_OK ||
        (r = strata_buf_put(&s->out, "\r\n", 2)) != STRATA_OK)
        goto fail;
    if ((cfg->misbehave & TS_IGNORE_BEFORE_KEXINIT) && (r = send_ignore(s)) != STRATA_OK)
        goto fail;
    if ((r = send_kexinit(s)) != STRATA_OK)
        goto fail;
    *out = s;
    return STRATA_OK;
fail:
    ts_free(s);
    return r;
}

void ts_free(struct ts *s)
{
    if (!s)
        return;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        free(s->lists[i]);
    strata_buf_free(&s->in);
    strata_buf_free(&s->out);
    strata_buf_free(&s->i_c);
    strata_buf_free(&s->i_s);
    strata__ssh_pkt_dir_free(s->rx);
    strata__ssh_pkt_dir_free(s->tx);
    strata__ssh_kexinit_clear(&s->client_ki);
    strata__ssh_kexinit_clear(&s->server_ki);
    strata__ssh_kex_free(s->kex);
    free(s->v_c);
    free(s);
}

/* RFC 4253 §7.2 keys for direction d (0: client to server) into dir. */
static strata_status set_keys(struct ts *s, int d, struct ssh_pkt_dir *dir)
{
    const char *letters = d == 0 ? "ACE" : "BDF";
    const char *cipher = s->neg.cipher[d], *mac = s->neg.mac[d];
    int aead = strata__ssh_cipher_is_aead(cipher);
    size_t len[3];
    uint8_t mat[3][128];
    strata_status r;
    if ((r = strata__ssh_alg_sizes(cipher, aead ? NULL : mac, &len[0], &len[1], &len[2])) !=
        STRATA_OK)
        return r;
    for (int i = 0; i < 3; i++)
        if (len[i] && (r = strata__ssh_kdf(s->kex->alg->md, strata_buf_ptr(&s->kex->K),
                                           strata_buf_len(&s->kex->K), s->h, s->h_len, letters[i],
                                           s->sid, s->sid_len, mat[i], len[i])) != STRATA_OK)
            return r;
    struct ssh_pkt_keys k = {cipher, mac,    s->neg.comp[d], mat[0], mat[1],
                             mat[2], len[0], len[1],         len[2]};
    r = strata__ssh_pkt_dir_set_keys(dir, &k, &s->err);
    if (r == STRATA_OK && s->strict)
        strata__ssh_pkt_dir_reset_seq(dir);
    return r;
}

/* Our NEWKEYS, the switch of our outbound keys, and EXT_INFO after the
 * first exchange when the client asked for it. */
static strata_status send_newkeys(struct ts *s, int first)
{
    strata_buf m;
    strata_status r;
    if ((r = seal_byte(s, SSH_MSG_NEWKEYS)) != STRATA_OK ||
        (r = set_keys(s, 1, s->tx)) != STRATA_OK)
        return r;
    if (!first || !s->client_ext_info)
        return STRATA_OK;
    strata_buf_init(&m, 0);
    if ((r = strata_buf_put_u8(&m, SSH_MSG_EXT_INFO)) == STRATA_OK &&
        (r = strata_buf_put_u32(&m, 1)) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, "server-sig-algs")) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, (s->cfg.misbehave & TS_EMPTY_NAMES)
                                            ? ",ssh-ed25519,,rsa-sha2-256,rsa-sha2-512,"
                                            : "ssh-ed25519,rsa-sha2-256,rsa-sha2-512")) ==
            STRATA_OK)
        r = seal(s, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    return r;
}

strata_status ts_release_newkeys(struct ts *s)
{
    if (!s->newkeys_held)
        return STRATA_E_STATE;
    int first = s->newkeys_held == 2;
    s->newkeys_held = 0;
    return send_newkeys(s, first);
}

static strata_status reply(struct ts *s)
{
    strata_buf ks, sig, m;
    strata_status r;
    strata_buf_init(&ks, 0);
    strata_buf_init(&sig, 0);
    strata_buf_init(&m, 0);
    EVP_PKEY *hk = s->cfg.hostkey;
    const char *alg = s->neg.hostkey;
    if (s->cfg.misbehave & TS_WRONG_KEY_TYPE) {
        hk = ts_make_hostkey("ecdsa-sha2-nistp256");
        alg = "ecdsa-sha2-nistp256";
    }
    if ((r = strata__ssh_pubkey_blob(hk, alg, &ks, &s->err)) != STRATA_OK)
        goto out;
    if ((r = strata__ssh_kex_hash(s->kex, s->v_c, s->v_s, strata_buf_ptr(&s->i_c),
                                  strata_buf_len(&s->i_c), strata_buf_ptr(&s->i_s),
                                  strata_buf_len(&s->i_s), strata_buf_ptr(&ks), strata_buf_len(&ks),
                                  s->h, &s->h_len, &s->err)) != STRATA_OK)
        goto out;
    if (s->sid_len == 0) {
        memcpy(s->sid, s->h, s->h_len);
        s->sid_len = s->h_len;
    }
    uint8_t signed_h[EVP_MAX_MD_SIZE];
    memcpy(signed_h, s->h, s->h_len);
    if (s->cfg.misbehave & TS_BAD_SIGNATURE)
        signed_h[0] ^= 1;
    if ((r = strata__ssh_sign(hk, alg, signed_h, s->h_len, &sig, &s->err)) != STRATA_OK)
        goto out;
    if ((r = strata__ssh_kex_server_reply(s->kex, strata_buf_ptr(&ks), strata_buf_len(&ks),
                                          strata_buf_ptr(&sig), strata_buf_len(&sig), &m)) !=
            STRATA_OK ||
        (r = seal(s, strata_buf_ptr(&m), strata_buf_len(&m))) != STRATA_OK)
        goto out;
    if (s->cfg.misbehave & TS_HOLD_NEWKEYS)
        s->newkeys_held = s->kex_done == 0 ? 2 : 1; /* 2: the first exchange's */
    else
        r = send_newkeys(s, s->kex_done == 0);
out:
    if (hk != s->cfg.hostkey)
        EVP_PKEY_free(hk);
    strata_buf_free(&ks);
    strata_buf_free(&sig);
    strata_buf_free(&m);
    return r;
}

static strata_status on_kexinit(struct ts *s, const uint8_t *p, size_t n)
{
    strata_status r;
    if (!s->kex_running && (r = send_kexinit(s)) != STRATA_OK)
        return r;
    strata_buf_reset(&s->i_c);
    if ((r = strata_buf_put(&s->i_c, p, n)) != STRATA_OK)
        return r;
    strata__ssh_kexinit_clear(&s->client_ki);
    if ((r = strata__ssh_kexinit_parse(p, n, &s->client_ki, &s->err)) != STRATA_OK)
        return r;
    if (s->kex_done == 0) {
        s->client_ext_info = strata__ssh_namelist_has(s->client_ki.lists[0], SSH_EXT_INFO_C);
        s->strict = !(s->cfg.misbehave & TS_NO_STRICT) &&
                    strata__ssh_namelist_has(s->client_ki.lists[0], SSH_KEX_STRICT_C);
    }
    struct ssh_kexinit plain = s->server_ki;
    if ((r = strata__ssh_negotiate(&s->client_ki, &plain, strata__ssh_cipher_is_aead, &s->neg,
                                   &s->err)) != STRATA_OK)
        return r;
    strata__ssh_kex_free(s->kex);
    s->kex = NULL;
    const struct ssh_kex_alg *alg = strata__ssh_kex_find(s->neg.kex);
    if (!alg)
        return fail(s, "negotiated an unknown kex");
    if ((r = strata__ssh_kex_new(alg, 1, &s->kex)) != STRATA_OK)
        return r;
    if (s->cfg.misbehave & TS_IGNORE_DURING_KEX)
        r = send_ignore(s);
    if (r == STRATA_OK && (s->cfg.misbehave & TS_SERVICE_MSG_DURING_KEX)) {
        static const uint8_t m[] = {94, 0, 0, 0, 0};
        r = seal(s, m, sizeof(m));
    }
    return r;
}

static strata_status on_kex_msg(struct ts *s, const uint8_t *p, size_t n)
{
    strata_status r;
    strata_buf m;
    if (!s->kex)
        return fail(s, "kex message outside a key exchange");
    if (s->kex->alg->kind == SSH_KEX_KIND_GEX &&
        (p[0] == SSH_MSG_KEX_DH_GEX_REQUEST || p[0] == SSH_MSG_KEX_DH_GEX_REQUEST_OLD)) {
        /* Only the form this server was told to expect. */
        if (p[0] !=
            (s->cfg.gex_request_old ? SSH_MSG_KEX_DH_GEX_REQUEST_OLD : SSH_MSG_KEX_DH_GEX_REQUEST))
            return fail(s, s->cfg.gex_request_old ? "expected KEX_DH_GEX_REQUEST_OLD"
                                                  : "expected KEX_DH_GEX_REQUEST");
        if ((r = strata__ssh_kex_server_parse_gex_request(s->kex, p, n, &s->err)) != STRATA_OK)
            return r;
        s->gex_req.type = p[0];
        s->gex_req.n = s->kex->gex_n;
        s->gex_req.min = s->kex->gex_old ? 0 : s->kex->gex_min;
        s->gex_req.max = s->kex->gex_old ? 0 : s->kex->gex_max;
        strata_buf_init(&m, 0);
        if (s->cfg.misbehave & TS_SMALL_GEX_GROUP) {
            static const uint8_t two = 2;
            r = strata_buf_put_u8(&m, SSH_MSG_KEX_DH_GEX_GROUP);
            if (r == STRATA_OK)
                r = strata_buf_put_mpint(&m, strata__ssh_modp1024_p, 128, 0);
            if (r == STRATA_OK)
                r = strata_buf_put_mpint(&m, &two, 1, 0);
        } else {
            r = strata__ssh_kex_server_gex_group(s->kex, &m, &s->err);
        }
        if (r == STRATA_OK)
            r = seal(s, strata_buf_ptr(&m), strata_buf_len(&m));
        strata_buf_free(&m);
        return r;
    }
    if ((r = strata__ssh_kex_server_parse_init(s->kex, p, n, &s->err)) != STRATA_OK)
        return r;
    return reply(s);
}

/* Copies a wire string into a C string field, refusing what does not fit. */
static int get_cstr(strata_buf *in, char *dst, size_t cap)
{
    const uint8_t *v;
    size_t vl;
    if (strata_buf_get_string(in, &v, &vl) != STRATA_OK || vl >= cap || memchr(v, 0, vl))
        return -1;
    memcpy(dst, v, vl);
    dst[vl] = 0;
    return 0;
}

/* RFC 4254 §6: CHANNEL_REQUEST recipient, name, want_reply, then the
 * request's own fields, decoded for the requests the client sends. */
static strata_status on_channel_request(struct ts *s, const uint8_t *p, size_t n)
{
    struct ts_chreq q;
    strata_buf in;
    uint8_t t;
    int ok;
    memset(&q, 0, sizeof(q));
    strata_buf_view(&in, p, n);
    ok = strata_buf_get_u8(&in, &t) == STRATA_OK &&
         strata_buf_get_u32(&in, &q.recipient) == STRATA_OK &&
         get_cstr(&in, q.name, sizeof(q.name)) == 0 &&
         strata_buf_get_bool(&in, &q.want_reply) == STRATA_OK;
    if (ok && strcmp(q.name, "window-change") == 0)
        ok = strata_buf_get_u32(&in, &q.cols) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.rows) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.width_px) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.height_px) == STRATA_OK;
    else if (ok && strcmp(q.name, "pty-req") == 0) {
        const uint8_t *modes;
        size_t ml;
        ok = get_cstr(&in, q.arg, sizeof(q.arg)) == 0 &&
             strata_buf_get_u32(&in, &q.cols) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.rows) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.width_px) == STRATA_OK &&
             strata_buf_get_u32(&in, &q.height_px) == STRATA_OK &&
             strata_buf_get_string(&in, &modes, &ml) == STRATA_OK;
    } else if (ok && (strcmp(q.name, "signal") == 0 || strcmp(q.name, "exec") == 0 ||
                      strcmp(q.name, "subsystem") == 0))
        ok = get_cstr(&in, q.arg, sizeof(q.arg)) == 0;
    else if (ok && strcmp(q.name, "env") == 0) {
        ok = get_cstr(&in, q.arg, sizeof(q.arg)) == 0 &&
             get_cstr(&in, q.value, sizeof(q.value)) == 0;
    } else if (ok && strcmp(q.name, "shell") != 0)
        return fail(s, "CHANNEL_REQUEST the test server does not know");
    if (!ok || strata_buf_get_end(&in) != STRATA_OK)
        return fail(s, "bad CHANNEL_REQUEST");
    q.count = s->chreq.count + 1;
    s->chreq = q;
    return STRATA_OK;
}

static strata_status on_packet(struct ts *s, const uint8_t *p, size_t n)
{
    strata_buf m;
    strata_status r = STRATA_OK;
    uint8_t type = p[0];
    switch (type) {
    case SSH_MSG_KEXINIT:
        return on_kexinit(s, p, n);
    case SSH_MSG_NEWKEYS:
        if ((r = set_keys(s, 0, s->rx)) != STRATA_OK)
            return r;
        s->kex_running = 0;
        s->kex_done++;
        if (s->kex_done == 1 && (s->cfg.misbehave & TS_DEBUG_AFTER_KEX)) {
            static const uint8_t dbg[] = {SSH_MSG_DEBUG, 1,   0,   0, 0, 5, 'h', 'e',
                                          'l',           'l', 'o', 0, 0, 0, 0};
            static const uint8_t odd[] = {200, 1, 2, 3};
            if ((r = seal(s, dbg, sizeof(dbg))) == STRATA_OK && (r = send_ignore(s)) == STRATA_OK)
                r = seal(s, odd, sizeof(odd));
        }
        return r;
    case SSH_MSG_SERVICE_REQUEST: {
        strata_buf in;
        uint8_t t;
        const uint8_t *name;
        size_t nl;
        strata_buf_view(&in, p, n);
        if (strata_buf_get_u8(&in, &t) != STRATA_OK ||
            strata_buf_get_string(&in, &name, &nl) != STRATA_OK)
            return fail(s, "bad SERVICE_REQUEST");
        if (nl >= sizeof(s->service))
            return fail(s, "SERVICE_REQUEST name too long for the test server");
        memcpy(s->service, name, nl);
        s->service[nl] = 0;
        s->counts[type]++;
        strata_buf_init(&m, 0);
        if ((r = strata_buf_put_u8(&m, SSH_MSG_SERVICE_ACCEPT)) == STRATA_OK &&
            (r = strata_buf_put_string(&m, name, nl)) == STRATA_OK)
            r = seal(s, strata_buf_ptr(&m), strata_buf_len(&m));
        strata_buf_free(&m);
        return r;
    }
    case SSH_MSG_DISCONNECT: {
        s->counts[type]++;
        /* RFC 4253 §11.1: byte 1, uint32 reason, string description,
         * string language tag, and nothing after. */
        strata_buf in;
        uint8_t t;
        uint32_t reason;
        const uint8_t *desc, *lang;
        size_t dl, ll;
        strata_buf_view(&in, p, n);
        if (strata_buf_get_u8(&in, &t) != STRATA_OK ||
            strata_buf_get_u32(&in, &reason) != STRATA_OK ||
            strata_buf_get_string(&in, &desc, &dl) != STRATA_OK ||
            strata_buf_get_string(&in, &lang, &ll) != STRATA_OK ||
            strata_buf_get_end(&in) != STRATA_OK || dl >= sizeof(s->disc_desc))
            return fail(s, "bad DISCONNECT");
        s->disc_reason = reason;
        memcpy(s->disc_desc, desc, dl);
        s->disc_desc[dl] = 0;
        return STRATA_OK;
    }
    case SSH_MSG_DEBUG:
    case SSH_MSG_IGNORE: {
        s->counts[type]++;
        strata_buf in;
        uint8_t t;
        const uint8_t *v, *lang;
        size_t vl, ll;
        strata_buf_view(&in, p, n);
        if (strata_buf_get_u8(&in, &t) != STRATA_OK ||
            (type == SSH_MSG_DEBUG && strata_buf_get_bool(&in, &s->debug_always) != STRATA_OK) ||
            strata_buf_get_string(&in, &v, &vl) != STRATA_OK ||
            (type == SSH_MSG_DEBUG && strata_buf_get_string(&in, &lang, &ll) != STRATA_OK) ||
            strata_buf_get_end(&in) != STRATA_OK)
            return fail(s, type == SSH_MSG_DEBUG ? "bad DEBUG" : "bad IGNORE");
        if (type == SSH_MSG_IGNORE) {
            s->ignore_len = vl;
            memcpy(s->ignore_data, v, vl < sizeof(s->ignore_data) ? vl : sizeof(s->ignore_data));
        } else {
            if (vl >= sizeof(s->debug_msg))
                return fail(s, "DEBUG message too long for the test server");
            memcpy(s->debug_msg, v, vl);
            s->debug_msg[vl] = 0;
        }
        return STRATA_OK;
    }
    case SSH_MSG_UNIMPLEMENTED:
        if (n >= 5)
            s->unimpl_seq =
                ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
        s->counts[type]++;
        return STRATA_OK;
    default:
        if (type >= 30 && type <= 49)
            return on_kex_msg(s, p, n);
        if (type == 98 && (r = on_channel_request(s, p, n)) != STRATA_OK)
            return r;
        s->counts[type]++;
        if (type == 94 && n >= 9) /* CHANNEL_DATA: type, channel, string length, bytes */
            for (size_t i = 9; i < n; i++) {
                s->data_fnv = (s->data_fnv ^ p[i]) * 0x100000001b3ull;
                s->data_bytes++;
            }
        if (type >= 50 && s->nlog < sizeof(s->log))
            s->log[s->nlog++] = type;
        return STRATA_OK;
    }
}

strata_status ts_input(struct ts *s, const uint8_t *p, size_t n)
{
    strata_status r;
    if (s->err.status != STRATA_OK)
        return s->err.status;
    if ((r = strata_buf_put(&s->in, p, n)) != STRATA_OK)
        return r;
    if (!s->v_c) {
        /* The client's identification (the reader accepts lines from
         * either side). */
        r = strata__ssh_version_read(&s->vr, &s->in, &s->v_c, &s->err);
        if (r == STRATA_WANT_READ)
            return STRATA_OK;
        if (r != STRATA_OK)
            return r;
    }
    for (;;) {
        const uint8_t *pl;
        size_t pn;
        r = strata__ssh_pkt_open(s->rx, &s->in, &pl, &pn, &s->err);
        if (r == STRATA_WANT_READ)
            break;
        if (r != STRATA_OK)
            return r;
        if ((r = on_packet(s, pl, pn)) != STRATA_OK) {
            if (s->err.status == STRATA_OK)
                strata__error_set(&s->err, r, "test server failed");
            return r;
        }
    }
    strata_buf_compact(&s->in);
    return STRATA_OK;
}

void ts_output(struct ts *s, const uint8_t **p, size_t *n)
{
    *p = strata_buf_ptr(&s->out);
    *n = strata_buf_len(&s->out);
}

void ts_output_ack(struct ts *s, size_t n)
{
    if (strata_buf_consume(&s->out, n) != STRATA_OK)
        strata_buf_reset(&s->out);
}

strata_status ts_send(struct ts *s, const uint8_t *p, size_t n)
{
    return seal(s, p, n);
}

strata_status ts_rekey(struct ts *s)
{
    return send_kexinit(s);
}

const strata_error *ts_error(const struct ts *s)
{
    return &s->err;
}

unsigned ts_kex_count(const struct ts *s)
{
    return s->kex_done;
}

uint64_t ts_data(const struct ts *s, uint64_t *fnv)
{
    *fnv = s->data_fnv;
    return s->data_bytes;
}

unsigned ts_count(const struct ts *s, uint8_t type)
{
    return s->counts[type];
}

uint32_t ts_last_disconnect_reason(const struct ts *s)
{
    return s->disc_reason;
}

const char *ts_last_disconnect_desc(const struct ts *s)
{
    return s->disc_desc;
}

uint32_t ts_unimplemented_seq(const struct ts *s)
{
    return s->unimpl_seq;
}

const char *ts_last_debug(const struct ts *s, int *always_display)
{
    *always_display = s->debug_always;
    return s->debug_msg;
}

const uint8_t *ts_last_ignore(const struct ts *s, size_t *n)
{
    *n = s->ignore_len;
    return s->ignore_data;
}

uint32_t ts_last_sent_seq(const struct ts *s)
{
    return strata__ssh_pkt_dir_seq(s->tx) - 1u;
}

const struct ts_gex_request *ts_gex_request(const struct ts *s)
{
    return &s->gex_req;
}

const char *ts_last_service(const struct ts *s)
{
    return s->service;
}

const struct ts_chreq *ts_last_chreq(const struct ts *s)
{
    return &s->chreq;
}

const uint8_t *ts_log(const struct ts *s, size_t *n)
{
    *n = s->nlog;
    return s->log;
}

int ts_strict(const struct ts *s)
{
    return s->strict;
}

strata_status ts_pump(strata_ssh_transport *c, struct ts *s, size_t step)
{
    strata_status last = STRATA_OK;
    for (int rounds = 0; rounds < 100000; rounds++) {
        const uint8_t *p;
        size_t n, moved = 0;
        strata_ssh_transport_output(c, &p, &n);
        if (n > 0) {
            size_t k = step && n > step ? step : n;
            if (ts_input(s, p, k) != STRATA_OK)
                return STRATA_E_INTERNAL;
            strata_ssh_transport_output_ack(c, k);
            moved += k;
        }
        ts_output(s, &p, &n);
        if (n > 0) {
            size_t k = step && n > step ? step : n, used = 0;
            last = strata_ssh_transport_input(c, p, k, &used);
            ts_output_ack(s, used);
            moved += used;
            if (last != STRATA_OK && last != STRATA_PENDING) {
                /* Deliver the client's last words (its DISCONNECT). */
                strata_ssh_transport_output(c, &p, &n);
                if (n > 0 && ts_input(s, p, n) == STRATA_OK)
                    strata_ssh_transport_output_ack(c, n);
                return last;
            }
        }
        if (moved == 0)
            break;
    }
    return last;
}
