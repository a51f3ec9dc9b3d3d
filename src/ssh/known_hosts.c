/* known_hosts: the object, the host key check and the policies.
 *
 * Check order, as OpenSSH's: a @revoked line for the host naming the key (or
 * a certificate's CA) wins; then a certificate signed by a @cert-authority
 * for the host is checked in full (and only then accepted); a certificate
 * whose CA is not trusted for the host is looked up as its plain key; then
 * plain lines for the host with a key of the same type decide OK or CHANGED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/known_hosts.h"
#include "strata/log.h"

strata_status strata_ssh_knownhosts_new(strata_ssh_knownhosts **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? STRATA_OK : STRATA_E_NOMEM;
}

void strata_ssh_knownhosts_free(strata_ssh_knownhosts *kh)
{
    if (!kh)
        return;
    for (size_t i = 0; i < kh->n_entries; i++) {
        free(kh->entries[i].hosts);
        free(kh->entries[i].blob);
    }
    for (size_t i = 0; i < kh->n_files; i++)
        free(kh->files[i]);
    free(kh->entries);
    free(kh->files);
    free(kh->file_lines);
    free(kh->append_path);
    free(kh);
}

strata_status strata_ssh_knownhosts_set_append_file(strata_ssh_knownhosts *kh, const char *path)
{
    char *copy = NULL;
    if (path && !(copy = strdup(path)))
        return strata__error_set(&kh->err, STRATA_E_NOMEM, "out of memory");
    free(kh->append_path);
    kh->append_path = copy;
    return STRATA_OK;
}

void strata_ssh_knownhosts_set_hash_new(strata_ssh_knownhosts *kh, int hash)
{
    kh->hash_new = hash != 0;
}

size_t strata_ssh_knownhosts_count(const strata_ssh_knownhosts *kh)
{
    return kh->n_entries;
}

size_t strata_ssh_knownhosts_skipped(const strata_ssh_knownhosts *kh)
{
    return kh->skipped;
}

const strata_error *strata_ssh_knownhosts_error(const strata_ssh_knownhosts *kh)
{
    return &kh->err;
}

void strata_ssh_knownhosts_clear_error(strata_ssh_knownhosts *kh)
{
    strata_error_clear(&kh->err);
}

static void decide(strata_ssh_knownhosts *kh, strata_ssh_knownhosts_match *m,
                   enum strata_ssh_hostkey_result r, const struct kh_entry *e)
{
    m->result = r;
    m->file = kh->files[e->file];
    m->line = e->line;
    snprintf(m->known_type, sizeof(m->known_type), "%s", e->type);
    strata__ssh_fp_sha256(e->blob, e->blob_len, m->known_fingerprint, sizeof(m->known_fingerprint));
}

static int entry_matches(const struct kh_entry *e, enum kh_marker marker, const char *name)
{
    return e->marker == marker && strata__ssh_kh_match_hosts(e->hosts, name) == 1;
}

static int blob_is(const struct kh_entry *e, const uint8_t *blob, size_t n)
{
    return e->blob_len == n && memcmp(e->blob, blob, n) == 0;
}

/* A certificate signed by a CA trusted for this name: checked in full. *done
 * is set when a CA line decided. */
static strata_status check_cert(strata_ssh_knownhosts *kh, const struct ssh_key *key,
                                const char *host, int64_t now, strata_ssh_knownhosts_match *m,
                                int *done)
{
    size_t sn;
    const uint8_t *signer = strata__ssh_key_blob(strata__ssh_key_cert_signer(key), &sn);
    const struct kh_entry *ca_line = NULL;
    *done = 0;
    for (size_t i = 0; i < kh->n_entries && !ca_line; i++) {
        const struct kh_entry *e = &kh->entries[i];
        if (entry_matches(e, KH_CERT_AUTHORITY, m->name) && blob_is(e, signer, sn))
            ca_line = e;
    }
    if (!ca_line)
        return STRATA_OK; /* no CA for this host: the plain key decides */
    struct ssh_key *ca = NULL;
    strata_status st = strata__ssh_key_from_blob(ca_line->blob, ca_line->blob_len, &ca, &kh->err);
    if (st == STRATA_OK) {
        const struct ssh_key *cas[1] = {ca};
        st = strata__ssh_cert_check_host(key, host, now, cas, 1, &kh->err);
    }
    strata__ssh_key_free(ca);
    if (st == STRATA_OK) {
        decide(kh, m, STRATA_SSH_HOSTKEY_CERT_OK, ca_line);
        *done = 1;
    }
    return st;
}

/* The lines for m->name decide; key is the key sent, plain its plain blob. */
static strata_status lookup(strata_ssh_knownhosts *kh, const struct ssh_key *key,
                            const strata_buf *plain, const char *host, int64_t now,
                            strata_ssh_knownhosts_match *m)
{
    size_t n, sn = 0;
    const uint8_t *blob = strata__ssh_key_blob(key, &n), *signer = NULL;
    const uint8_t *pb = strata_buf_ptr(plain);
    size_t pn = strata_buf_len(plain);
    if (strata__ssh_key_is_cert(key))
        signer = strata__ssh_key_blob(strata__ssh_key_cert_signer(key), &sn);
    for (size_t i = 0; i < kh->n_entries; i++) {
        const struct kh_entry *e = &kh->entries[i];
        if (entry_matches(e, KH_REVOKED, m->name) &&
            (blob_is(e, blob, n) || blob_is(e, pb, pn) || (signer && blob_is(e, signer, sn)))) {
            decide(kh, m, STRATA_SSH_HOSTKEY_REVOKED, e);
            return STRATA_OK;
        }
    }
    int done = 0;
    strata_status st = signer ? check_cert(kh, key, host, now, m, &done) : STRATA_OK;
    if (st != STRATA_OK || done)
        return st;
    const struct kh_entry *changed = NULL;
    const char *plain_type = strata__ssh_key_plain_type(key);
    for (size_t i = 0; i < kh->n_entries; i++) {
        const struct kh_entry *e = &kh->entries[i];
        if (!entry_matches(e, KH_PLAIN, m->name) || strcmp(e->plain_type, plain_type) != 0)
            continue;
        if (blob_is(e, pb, pn)) {
            decide(kh, m, STRATA_SSH_HOSTKEY_OK, e);
            return STRATA_OK;
        }
        changed = changed ? changed : e;
    }
    if (changed)
        decide(kh, m, STRATA_SSH_HOSTKEY_CHANGED, changed);
    return STRATA_OK;
}

strata_status strata_ssh_knownhosts_check(strata_ssh_knownhosts *kh, const char *host,
                                          unsigned port, const uint8_t *blob, size_t n, int64_t now,
                                          strata_ssh_knownhosts_match *m)
{
    memset(m, 0, sizeof(*m));
    m->result = STRATA_SSH_HOSTKEY_UNKNOWN;
    struct ssh_key *key = NULL;
    strata_status st = strata__ssh_kh_name_err(kh, host, port, m->name, sizeof(m->name));
    if (st == STRATA_OK)
        st = strata__ssh_key_from_blob(blob, n, &key, &kh->err);
    if (st != STRATA_OK)
        return st;
    snprintf(m->key_type, sizeof(m->key_type), "%s", strata__ssh_key_type(key));
    strata__ssh_key_fp_sha256(key, m->fingerprint, sizeof(m->fingerprint));
    strata_buf plain;
    strata_buf_init(&plain, STRATA_SSH_KEY_BLOB_MAX);
    if ((st = strata__ssh_key_plain_blob(key, &plain)) != STRATA_OK)
        strata__error_set(&kh->err, st, "out of memory");
    else
        st = lookup(kh, key, &plain, host, now, m);
    strata_buf_free(&plain);
    strata__ssh_key_free(key);
    return st;
}

strata_status strata_ssh_knownhosts_format_line(const char *host, unsigned port,
                                                const uint8_t *blob, size_t n, int hashed,
                                                char **out)
{
    *out = NULL;
    char name[300], *hname = NULL, *keytext = NULL;
    struct ssh_key *key = NULL;
    strata_error e;
    strata_error_clear(&e);
    strata_status st = strata__ssh_kh_name(host, port, name, sizeof(name));
    if (st == STRATA_OK)
        st = strata__ssh_key_from_blob(blob, n, &key, &e);
    if (st == STRATA_OK)
        st = strata__ssh_key_to_line(key, &keytext);
    if (st == STRATA_OK && hashed)
        st = strata__ssh_kh_hash_name(name, NULL, 0, &hname);
    if (st == STRATA_OK) {
        const char *nm = hname ? hname : name;
        size_t len = strlen(nm) + 1 + strlen(keytext) + 1;
        if (!(*out = malloc(len)))
            st = STRATA_E_NOMEM;
        else
            snprintf(*out, len, "%s %s", nm, keytext);
    }
    free(hname);
    free(keytext);
    strata__ssh_key_free(key);
    return st;
}

/* The source index for lines added at run time. */
static strata_status added_source(strata_ssh_knownhosts *kh, size_t *fi)
{
    const char *name = kh->append_path ? kh->append_path : "(added)";
    for (size_t i = 0; i < kh->n_files; i++) {
        if (strcmp(kh->files[i], name) == 0) {
            *fi = i;
            return STRATA_OK;
        }
    }
    return strata__ssh_kh_add_source(kh, name, fi);
}

strata_status strata_ssh_knownhosts_add(strata_ssh_knownhosts *kh, const char *host, unsigned port,
                                        const uint8_t *blob, size_t n, int hashed)
{
    char *line = NULL;
    size_t fi;
    strata_status st = strata_ssh_knownhosts_format_line(host, port, blob, n, hashed, &line);
    if (st != STRATA_OK)
        return strata__error_set(&kh->err, st, "cannot make a known_hosts line for %s", host);
    if ((st = added_source(kh, &fi)) == STRATA_OK && kh->append_path)
        st = strata__ssh_kh_append(kh, kh->append_path, line);
    if (st == STRATA_OK)
        st = strata__ssh_kh_parse_line(kh, fi, ++kh->file_lines[fi], line, strlen(line));
    free(line);
    return st;
}

strata_status strata_ssh_knownhosts_verify(strata_ssh_knownhosts *kh, enum strata_ssh_strict policy,
                                           const char *host, unsigned port, const uint8_t *blob,
                                           size_t n, int64_t now, strata_ssh_knownhosts_match *m)
{
    strata_ssh_knownhosts_match local;
    if (!m)
        m = &local;
    strata_status st = strata_ssh_knownhosts_check(kh, host, port, blob, n, now, m);
    if (st != STRATA_OK)
        return st;
    switch (m->result) {
    case STRATA_SSH_HOSTKEY_OK:
    case STRATA_SSH_HOSTKEY_CERT_OK:
        return STRATA_OK;
    case STRATA_SSH_HOSTKEY_REVOKED:
        return strata__error_set(&kh->err, STRATA_E_HOSTKEY_REVOKED,
                                 "%s host key %s for %s is revoked by %s:%lu", m->key_type,
                                 m->fingerprint, m->name, m->file, m->line);
    case STRATA_SSH_HOSTKEY_CHANGED:
        return strata__error_set(&kh->err, STRATA_E_HOSTKEY_CHANGED,
                                 "REMOTE HOST IDENTIFICATION HAS CHANGED for %s: the server sent "
                                 "%s key %s; offending %s key %s in %s:%lu",
                                 m->name, m->key_type, m->fingerprint, m->known_type,
                                 m->known_fingerprint, m->file, m->line);
    case STRATA_SSH_HOSTKEY_UNKNOWN:
        break;
    }
    if (policy == STRATA_SSH_STRICT_YES)
        return strata__error_set(&kh->err, STRATA_E_HOSTKEY_UNKNOWN,
                                 "no %s host key is known for %s (the server sent %s)", m->key_type,
                                 m->name, m->fingerprint);
    if (policy == STRATA_SSH_STRICT_NO) {
        strata_log(STRATA_LOG_WARN, "ssh",
                   "accepting unknown %s host key %s for %s: host key checking is off", m->key_type,
                   m->fingerprint, m->name);
        return STRATA_OK;
    }
    /* accept-new: remember the plain key (a certificate's key, as OpenSSH). */
    struct ssh_key *key = NULL;
    strata_buf plain;
    strata_buf_init(&plain, STRATA_SSH_KEY_BLOB_MAX);
    if ((st = strata__ssh_key_from_blob(blob, n, &key, &kh->err)) == STRATA_OK &&
        (st = strata__ssh_key_plain_blob(key, &plain)) == STRATA_OK)
        st = strata_ssh_knownhosts_add(kh, host, port, strata_buf_ptr(&plain),
                                       strata_buf_len(&plain), kh->hash_new);
    if (st == STRATA_OK)
        strata_log(STRATA_LOG_INFO, "ssh", "added %s host key %s for %s to %s", m->key_type,
                   m->fingerprint, m->name, kh->append_path ? kh->append_path : "memory");
    strata_buf_free(&plain);
    strata__ssh_key_free(key);
    return st;
}

const char *strata_ssh_knownhosts_warning(const strata_ssh_knownhosts_match *m, char *buf,
                                          size_t cap)
{
    static const char bar[] = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
    if (cap == 0)
        return buf;
    if (m->result == STRATA_SSH_HOSTKEY_REVOKED) {
        snprintf(buf, cap,
                 "%s\n@       WARNING: REVOKED HOST KEY DETECTED!               @\n%s\n"
                 "The %s host key %s sent by %s is marked as revoked.\n"
                 "Revoked key in %s:%lu\n"
                 "This connection is refused.\n",
                 bar, bar, m->key_type, m->fingerprint, m->name, m->file ? m->file : "?", m->line);
        return buf;
    }
    if (m->result != STRATA_SSH_HOSTKEY_CHANGED) {
        buf[0] = 0;
        return buf;
    }
    snprintf(buf, cap,
             "%s\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n%s\n"
             "The %s host key sent by %s is not the one known for it.\n"
             "Either the host key was replaced, or someone is intercepting this connection.\n"
             "Key sent by the host:   %s\n"
             "Key known for the host: %s\n"
             "Offending %s key in %s:%lu\n"
             "If the change is expected, remove that line and connect again.\n"
             "This connection is refused.\n",
             bar, bar, m->key_type, m->name, m->fingerprint, m->known_fingerprint, m->known_type,
             m->file ? m->file : "?", m->line);
    return buf;
}
