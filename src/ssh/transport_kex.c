/* The key exchange part of the client transport: KEXINIT both ways and
 * negotiation (RFC 4253 §7.1), the method's messages (via kex/), the host
 * key and its signature over H (§8), the application's verdict, key setup
 * (§7.2), NEWKEYS each way (§7.3), strict KEX and rekeying (§9).
 *
 * Seed: SSHClientTransport.ssh_KEXINIT, ssh_KEX_DH_GEX_GROUP,
 * ssh_KEX_DH_GEX_REPLY, _continueKEXDH_REPLY / _continueGEX_REPLY,
 * _keySetup, ssh_NEWKEYS (with _gotNewKeys), verifyHostKey. */
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "ssh/ssh_msg.h"
#include "ssh/transport_internal.h"
#include "strata/log.h"
#include "strata/mem.h"

static strata_status h_reply(struct strata_ssh_transport *t, const uint8_t *p, size_t n);
static strata_status h_newkeys(struct strata_ssh_transport *t, const uint8_t *p, size_t n);

static strata_status kex_failed(struct strata_ssh_transport *t, const strata_error *e)
{
    return strata__ssh_t_fail_err(t, STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED, e);
}

strata_status strata__ssh_t_send_kexinit(struct strata_ssh_transport *t)
{
    const char *lists[SSH_KEXINIT_NLISTS];
    uint8_t cookie[16];
    char *kexlist = NULL;
    strata_status r;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        lists[i] = t->algs[i];
    if (t->kex_done == 0) {
        /* RFC 8308 §2.1 and OpenSSH PROTOCOL §1.10: pseudo-algorithms in the
         * first KEXINIT only. */
        size_t len = strlen(t->algs[SSH_KEXINIT_KEX]) + 64;
        if (!(kexlist = malloc(len)))
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, STRATA_E_NOMEM,
                                      "out of memory");
        snprintf(kexlist, len, "%s,%s%s%s", t->algs[SSH_KEXINIT_KEX], SSH_EXT_INFO_C,
                 t->offer_strict ? "," : "", t->offer_strict ? SSH_KEX_STRICT_C : "");
        lists[SSH_KEXINIT_KEX] = kexlist;
    }
    if (RAND_bytes(cookie, sizeof(cookie)) != 1) {
        free(kexlist);
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, STRATA_E_CRYPTO,
                                  "no random bytes for the KEXINIT cookie");
    }
    strata_buf_reset(&t->i_c);
    r = strata__ssh_kexinit_build(lists, cookie, 0, &t->i_c);
    free(kexlist);
    if (r != STRATA_OK)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, r,
                                  "cannot build our KEXINIT");
    /* What we negotiate with: our lists without the pseudo-algorithms. */
    strata__ssh_kexinit_clear(&t->our_ki);
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        if (!(t->our_ki.lists[i] = strdup(t->algs[i])))
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, STRATA_E_NOMEM,
                                      "out of memory");
    t->kex_running = 1;
    t->tx_blocked = 1;
    return strata__ssh_t_seal(t, strata_buf_ptr(&t->i_c), strata_buf_len(&t->i_c));
}

static strata_status h_gex_group(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_error e;
    strata_buf m;
    strata_status r;
    if (t->ignore_guess) {
        t->ignore_guess = 0;
        return STRATA_OK;
    }
    strata_error_clear(&e);
    if (strata__ssh_kex_gex_parse_group(t->kex, p, n, &e) != STRATA_OK)
        return kex_failed(t, &e);
    strata_buf_init(&m, 0);
    if ((r = strata__ssh_kex_client_init(t->kex, &m, &e)) != STRATA_OK) {
        strata_buf_free(&m);
        return kex_failed(t, &e);
    }
    r = strata__ssh_t_seal(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    strata__ssh_t_disarm(t, SSH_MSG_KEX_DH_GEX_GROUP);
    strata__ssh_t_arm(t, SSH_MSG_KEX_DH_GEX_REPLY, h_reply);
    return r;
}

/* Starts the method: GEX request, or our INIT. */
static strata_status start_method(struct strata_ssh_transport *t)
{
    strata_error e;
    strata_buf m;
    strata_status r;
    strata_error_clear(&e);
    strata__ssh_kex_free(t->kex);
    t->kex = NULL;
    if ((r = strata__ssh_kex_new(t->kalg, 0, &t->kex)) != STRATA_OK)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, r, "out of memory");
    strata_buf_init(&m, 0);
    if (t->kalg->kind == SSH_KEX_KIND_GEX) {
        r = strata__ssh_kex_gex_request(t->kex, t->gex_old, t->gex_min, t->gex_n, t->gex_max, &m);
        strata__ssh_t_arm(t, SSH_MSG_KEX_DH_GEX_GROUP, h_gex_group);
    } else {
        if ((r = strata__ssh_kex_client_init(t->kex, &m, &e)) != STRATA_OK) {
            strata_buf_free(&m);
            return kex_failed(t, &e);
        }
        strata__ssh_t_arm(t, SSH_MSG_KEXDH_REPLY, h_reply);
    }
    if (r == STRATA_OK)
        r = strata__ssh_t_seal(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    return r;
}

strata_status strata__ssh_t_h_kexinit(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_error e;
    strata_status r;
    strata_error_clear(&e);
    /* The server started (re)keying: answer with ours first (§7.1). */
    if (!t->kex_running && (r = strata__ssh_t_send_kexinit(t)) != STRATA_OK)
        return r;
    strata__ssh_kexinit_clear(&t->server_ki);
    if (strata__ssh_kexinit_parse(p, n, &t->server_ki, &e) != STRATA_OK)
        return strata__ssh_t_fail_err(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, &e);
    strata_buf_reset(&t->i_s);
    if ((r = strata_buf_put(&t->i_s, p, n)) != STRATA_OK)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, r,
                                  "server's KEXINIT is too large");
    t->got_kexinit = 1;
    strata__ssh_t_disarm(t, SSH_MSG_KEXINIT);
    if (t->kex_done == 0) {
        t->strict = t->offer_strict &&
                    strata__ssh_namelist_has(t->server_ki.lists[SSH_KEXINIT_KEX], SSH_KEX_STRICT_S);
        /* Terrapin: under strict KEX the KEXINIT must be the first packet. */
        if (t->strict && t->rx_seq != 0)
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                      "strict KEX: the server's KEXINIT was not its first packet "
                                      "(sequence number %u)",
                                      t->rx_seq);
    }
    if (strata__ssh_negotiate(&t->our_ki, &t->server_ki, strata__ssh_cipher_is_aead, &t->neg, &e) !=
        STRATA_OK)
        return kex_failed(t, &e);
    t->kalg = strata__ssh_kex_find(t->neg.kex);
    if (!t->kalg)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED, STRATA_E_INTERNAL,
                                  "negotiated key exchange %s is not implemented", t->neg.kex);
    /* §7: a wrong guess means the server's first kex packet is ignored. */
    t->ignore_guess =
        t->server_ki.first_kex_follows && !strata__ssh_guess_right(&t->server_ki, &t->neg);
    strata_log(STRATA_LOG_DEBUG, "ssh", "kex %s, host key %s, cipher %s/%s, mac %s/%s%s",
               t->neg.kex, t->neg.hostkey, t->neg.cipher[0], t->neg.cipher[1], t->neg.mac[0],
               t->neg.mac[1], t->strict ? ", strict" : "");
    return start_method(t);
}

static strata_status ask_application(struct strata_ssh_transport *t)
{
    char sha[STRATA_SSH_FP_MAX], md5[STRATA_SSH_FP_MAX];
    strata_ssh_hostkey_info info;
    memset(&info, 0, sizeof(info));
    strata__ssh_key_fp_sha256(t->hostkey, sha, sizeof(sha));
    strata__ssh_key_fp_md5(t->hostkey, md5, sizeof(md5));
    info.host = t->host;
    info.port = t->port;
    info.key_type = strata__ssh_key_type(t->hostkey);
    info.hostkey_alg = t->neg.hostkey;
    info.blob = strata__ssh_key_blob(t->hostkey, &info.blob_len);
    info.fp_sha256 = sha;
    info.fp_md5 = md5;
    info.is_cert = strata__ssh_key_is_cert(t->hostkey);
    info.known_hosts_status = STRATA_E_UNSUPPORTED;
    info.known_hosts_message = "no known_hosts configured";
    if (t->kh) {
        strata_ssh_knownhosts_clear_error(t->kh);
        strata_status k =
            strata_ssh_knownhosts_verify(t->kh, t->kh_policy, t->host ? t->host : "", t->port,
                                         info.blob, info.blob_len, t->unix_time, NULL);
        info.known_hosts_status = k;
        info.known_hosts_message =
            k == STRATA_OK ? "known" : strata_error_message(strata_ssh_knownhosts_error(t->kh));
        if (k != STRATA_OK && k != STRATA_E_HOSTKEY_UNKNOWN)
            /* Changed, revoked, or a certificate that fails: never asked. */
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, k, "%s",
                                      info.known_hosts_message);
    }
    strata_status v = t->cb.verify_host_key ? t->cb.verify_host_key(t->user, &info)
                      : t->kh               ? info.known_hosts_status
                                            : STRATA_E_HOSTKEY;
    if (v == STRATA_PENDING) {
        t->hostkey_pending = 1;
        return STRATA_OK;
    }
    t->hostkey_pending = 1;
    return strata__ssh_t_hostkey_verdict(t, v);
}

static strata_status h_reply(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_error e;
    const uint8_t *ks, *sig;
    size_t ksl, sigl;
    struct ssh_key *key = NULL;
    if (t->ignore_guess) {
        t->ignore_guess = 0;
        return STRATA_OK;
    }
    strata_error_clear(&e);
    if (strata__ssh_kex_parse_reply(t->kex, p, n, &ks, &ksl, &sig, &sigl, &e) != STRATA_OK)
        return kex_failed(t, &e);
    if (strata__ssh_key_from_blob(ks, ksl, &key, &e) != STRATA_OK) {
        strata_error e2;
        strata_error_clear(&e2);
        strata__error_set(&e2, e.status, "server's host key: %s", strata_error_message(&e));
        return kex_failed(t, &e2);
    }
    if (!strata__ssh_hostkey_alg_matches(key, t->neg.hostkey)) {
        strata_status r =
            strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED, STRATA_E_PROTOCOL,
                               "server's host key is %s, which does not match the negotiated %s",
                               strata__ssh_key_type(key), t->neg.hostkey);
        strata__ssh_key_free(key);
        return r;
    }
    if (strata__ssh_kex_hash(t->kex, t->v_c, t->v_s, strata_buf_ptr(&t->i_c),
                             strata_buf_len(&t->i_c), strata_buf_ptr(&t->i_s),
                             strata_buf_len(&t->i_s), ks, ksl, t->h, &t->h_len, &e) != STRATA_OK) {
        strata__ssh_key_free(key);
        return kex_failed(t, &e);
    }
    if (strata__ssh_key_verify(key, t->neg.hostkey, sig, sigl, t->h, t->h_len, &e) != STRATA_OK) {
        strata__ssh_key_free(key);
        strata_error e2;
        strata_error_clear(&e2);
        strata__error_set(&e2, STRATA_E_VERIFY,
                          "server's signature over the exchange hash is not valid (%s)",
                          strata_error_message(&e));
        return kex_failed(t, &e2);
    }
    strata__ssh_t_disarm(t, p[0]);
    strata__ssh_t_arm(t, SSH_MSG_NEWKEYS, h_newkeys);
    if (t->sid_len == 0) {
        memcpy(t->session_id, t->h, t->h_len);
        t->sid_len = t->h_len;
    }
    /* Rekeying: the server must keep the host key it proved at first. */
    if (t->hostkey && t->kex_done > 0) {
        int same = strata__ssh_key_equal_public(t->hostkey, key);
        strata__ssh_key_free(key);
        if (!same)
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
                                      STRATA_E_HOSTKEY,
                                      "server's host key changed during rekeying");
        t->hostkey_pending = 1;
        return strata__ssh_t_hostkey_verdict(t, STRATA_OK);
    }
    strata__ssh_key_free(t->hostkey);
    t->hostkey = key;
    return ask_application(t);
}

/* RFC 4253 §7.2: IV, key and MAC key for one direction. */
static strata_status derive(struct strata_ssh_transport *t, int d)
{
    const char *letters = d == 0 ? "ACE" : "BDF";
    const char *mac = t->neg.mac[d];
    strata_status r;
    if ((r = strata__ssh_alg_sizes(t->neg.cipher[d],
                                   strata__ssh_cipher_is_aead(t->neg.cipher[d]) ? NULL : mac,
                                   &t->iv_len[d], &t->key_len[d], &t->mac_len[d])) != STRATA_OK)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED, r,
                                  "no key sizes for %s / %s", t->neg.cipher[d], mac);
    size_t lens[3] = {t->iv_len[d], t->key_len[d], t->mac_len[d]};
    strata_buf_reset(&t->keymat[d]);
    for (int i = 0; i < 3; i++) {
        uint8_t *dst;
        if (lens[i] == 0)
            continue;
        if ((r = strata_buf_reserve(&t->keymat[d], lens[i], &dst)) != STRATA_OK ||
            (r = strata__ssh_kdf(t->kalg->md, strata_buf_ptr(&t->kex->K),
                                 strata_buf_len(&t->kex->K), t->h, t->h_len, letters[i],
                                 t->session_id, t->sid_len, dst, lens[i])) != STRATA_OK)
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED, r,
                                      "key derivation failed");
    }
    return STRATA_OK;
}

/* Switches direction d to the new keys. */
static strata_status use_keys(struct strata_ssh_transport *t, int d)
{
    struct ssh_pkt_keys k;
    strata_error e;
    const uint8_t *m = strata_buf_ptr(&t->keymat[d]);
    strata_error_clear(&e);
    memset(&k, 0, sizeof(k));
    k.cipher = t->neg.cipher[d];
    k.mac = t->neg.mac[d];
    k.comp = t->neg.comp[d];
    k.iv = m;
    k.iv_len = t->iv_len[d];
    k.key = m + t->iv_len[d];
    k.key_len = t->key_len[d];
    k.mac_key = m + t->iv_len[d] + t->key_len[d];
    k.mac_key_len = t->mac_len[d];
    struct ssh_pkt_dir *dir = d == 0 ? t->tx : t->rx;
    if (strata__ssh_pkt_dir_set_keys(dir, &k, &e) != STRATA_OK)
        return kex_failed(t, &e);
    strata_buf_reset(&t->keymat[d]);
    if (t->strict)
        strata__ssh_pkt_dir_reset_seq(dir);
    snprintf(t->active_cipher[d], sizeof(t->active_cipher[d]), "%s", k.cipher);
    snprintf(t->active_mac[d], sizeof(t->active_mac[d]), "%s",
             strata__ssh_cipher_is_aead(k.cipher) ? k.cipher : k.mac);
    snprintf(t->active_comp[d], sizeof(t->active_comp[d]), "%s", k.comp);
    return STRATA_OK;
}

/* Both NEWKEYS done: the exchange is complete. */
static strata_status kex_complete(struct strata_ssh_transport *t)
{
    t->kex_running = 0;
    t->got_kexinit = 0;
    t->keys_ready = 0;
    t->newkeys_sent = 0;
    t->kex_done++;
    t->last_kex_time = t->now;
    strata__ssh_kex_free(t->kex);
    t->kex = NULL;
    strata_memzero(t->h, sizeof(t->h));
    strata__ssh_t_arm(t, SSH_MSG_KEXINIT, strata__ssh_t_h_kexinit);
    if (t->kex_done == 1) {
        strata__ssh_t_arm_after_kex(t);
        if (t->cb.connection_secure)
            t->cb.connection_secure(t->user);
        if (t->state == SSH_T_RUNNING && t->service_wanted && !t->service_sent)
            return strata__ssh_t_send_service_request(t);
    }
    return t->state == SSH_T_RUNNING ? STRATA_OK : t->err.status;
}

static strata_status newkeys_in(struct strata_ssh_transport *t)
{
    strata_status r;
    t->got_newkeys = 0;
    strata__ssh_t_disarm(t, SSH_MSG_NEWKEYS);
    if ((r = use_keys(t, 1)) != STRATA_OK)
        return r;
    return kex_complete(t);
}

static strata_status h_newkeys(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    (void)p;
    if (n != 1)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                  "NEWKEYS with %zu bytes of payload", n - 1);
    if (!t->keys_ready) {
        /* The seed's _gotNewKeys: switch when our keys are ready. */
        t->got_newkeys = 1;
        return STRATA_OK;
    }
    return newkeys_in(t);
}

strata_status strata__ssh_t_hostkey_verdict(struct strata_ssh_transport *t, strata_status v)
{
    static const uint8_t newkeys = SSH_MSG_NEWKEYS;
    strata_status r;
    t->hostkey_pending = 0;
    if (v != STRATA_OK) {
        char fp[STRATA_SSH_FP_MAX];
        strata__ssh_key_fp_sha256(t->hostkey, fp, sizeof(fp));
        return strata__ssh_t_fail(
            t, STRATA_SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
            v == STRATA_E_HOSTKEY || strata_status_category(v) != STRATA_CAT_VERIFY
                ? STRATA_E_HOSTKEY
                : v,
            "host key %s %s for %s was refused", strata__ssh_key_type(t->hostkey), fp,
            t->host ? t->host : "the server");
    }
    /* _keySetup: derive both directions, send NEWKEYS, switch outbound. */
    if ((r = derive(t, 0)) != STRATA_OK || (r = derive(t, 1)) != STRATA_OK)
        return r;
    if ((r = strata__ssh_t_seal(t, &newkeys, 1)) != STRATA_OK)
        return r;
    if ((r = use_keys(t, 0)) != STRATA_OK)
        return r;
    t->newkeys_sent = 1;
    t->keys_ready = 1;
    t->tx_blocked = 0;
    if ((r = strata__ssh_t_flush_queue(t)) != STRATA_OK)
        return r;
    if (t->got_newkeys)
        return newkeys_in(t);
    return STRATA_OK;
}

strata_status strata__ssh_t_check_rekey(struct strata_ssh_transport *t)
{
    if (t->state != SSH_T_RUNNING || t->kex_running || t->kex_done == 0)
        return STRATA_OK;
    uint64_t bytes = strata__ssh_pkt_dir_bytes(t->tx) + strata__ssh_pkt_dir_bytes(t->rx);
    int by_time = t->have_time && t->now - t->last_kex_time >= t->rekey_seconds;
    if (bytes < t->rekey_bytes && !by_time)
        return STRATA_OK;
    strata_log(STRATA_LOG_DEBUG, "ssh", "rekeying after %llu bytes%s", (unsigned long long)bytes,
               by_time ? " (time limit)" : "");
    return strata__ssh_t_send_kexinit(t);
}
