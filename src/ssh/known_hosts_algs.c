/* Host key algorithm order from known_hosts: offer first what the host is
 * known by, so a known host is not reported as unknown because it sent a key
 * of another type (OpenSSH does the same when it builds its KEXINIT). */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/known_hosts.h"

enum { GROUP_CERT, GROUP_KNOWN, GROUP_REST, GROUPS };

/* Which group alg (n characters) goes in for this host. */
static int group_of(const strata_ssh_knownhosts *kh, const char *name, const char *alg, size_t n,
                    int have_ca)
{
    char buf[STRATA_NAME_MAX + 1];
    int is_cert;
    if (n > STRATA_NAME_MAX)
        return GROUP_REST;
    memcpy(buf, alg, n);
    buf[n] = 0;
    const char *type = strata__ssh_hostkey_alg_keytype(buf, &is_cert);
    if (!type)
        return GROUP_REST;
    if (is_cert && have_ca)
        return GROUP_CERT;
    for (size_t i = 0; i < kh->n_entries; i++) {
        const struct kh_entry *e = &kh->entries[i];
        if (e->marker == KH_PLAIN && strcmp(e->plain_type, type) == 0 &&
            strata__ssh_kh_match_hosts(e->hosts, name) == 1)
            return GROUP_KNOWN;
    }
    return GROUP_REST;
}

strata_status strata_ssh_knownhosts_order_algs(strata_ssh_knownhosts *kh, const char *host,
                                               unsigned port, const char *algs, char **out)
{
    *out = NULL;
    char name[300];
    strata_status st = strata__ssh_kh_name_err(kh, host, port, name, sizeof(name));
    if (st != STRATA_OK)
        return st;
    size_t len = strlen(algs);
    if (strata_namelist_check(algs, len, 64 * 1024) != STRATA_OK)
        return strata__error_set(&kh->err, STRATA_E_USAGE,
                                 "host key algorithms are not a valid name-list");
    int have_ca = 0;
    for (size_t i = 0; i < kh->n_entries && !have_ca; i++)
        have_ca = kh->entries[i].marker == KH_CERT_AUTHORITY &&
                  strata__ssh_kh_match_hosts(kh->entries[i].hosts, name) == 1;
    char *s = malloc(len + 1);
    if (!s)
        return strata__error_set(&kh->err, STRATA_E_NOMEM, "out of memory");
    size_t w = 0;
    for (int g = 0; g < GROUPS; g++) {
        for (const char *p = algs; *p;) {
            size_t n = strcspn(p, ",");
            if (group_of(kh, name, p, n, have_ca) == g) {
                if (w > 0)
                    s[w++] = ',';
                memcpy(s + w, p, n);
                w += n;
            }
            p += n + (p[n] == ',');
        }
    }
    s[w] = 0;
    *out = s;
    return STRATA_OK;
}
