/* strata_ssh_algorithms: what `strata ssh -Q` lists, from the tables the
 * transport negotiates with. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ssh/hostkey.h"
#include "ssh/kexinit.h"
#include "ssh/kex/kex.h"
#include "ssh/packet.h"
#include "ssh/sshkey_internal.h"
#include "strata/buf.h"
#include "strata/ssh.h"

/* Appends name to b, comma-separated. */
static void add(strata_buf *b, const char *name, size_t len)
{
    if (strata_buf_len(b) && strata_buf_put_u8(b, ',') != STRATA_OK)
        return;
    if (strata_buf_put(b, name, len) != STRATA_OK)
        return; /* the 8 KiB bound: the listing is cut short, never overrun */
}

/* The names of list for which keep(name) holds (want 1) or not (want 0). */
static void filter(strata_buf *b, const char *list, int (*keep)(const char *), int want)
{
    char name[128];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            if ((keep(name) != 0) == want)
                add(b, p, len);
        }
        p += len + (p[len] == ',');
    }
}

static int is_cert(const char *name)
{
    return strstr(name, "-cert-v01@openssh.com") != NULL;
}

static void keytypes(strata_buf *b, int plain, int cert)
{
    for (size_t i = 0; plain && i < strata__ssh_keytypes_count; i++)
        add(b, strata__ssh_keytypes[i]->name, strlen(strata__ssh_keytypes[i]->name));
    for (size_t i = 0; cert && i < strata__ssh_keytypes_count; i++)
        add(b, strata__ssh_keytypes[i]->cert_name, strlen(strata__ssh_keytypes[i]->cert_name));
}

size_t strata_ssh_algorithms(const char *what, char *buf, size_t n)
{
    strata_buf b;
    strata_buf_init(&b, 8192);
    int known = 1;
    if (!strcasecmp(what, "kex") || !strcasecmp(what, "KexAlgorithms"))
        add(&b, strata__ssh_kex_algs_supported(), strlen(strata__ssh_kex_algs_supported()));
    else if (!strcasecmp(what, "cipher") || !strcasecmp(what, "Ciphers"))
        add(&b, strata__ssh_ciphers_supported(), strlen(strata__ssh_ciphers_supported()));
    else if (!strcasecmp(what, "cipher-auth"))
        filter(&b, strata__ssh_ciphers_supported(), strata__ssh_cipher_is_aead, 1);
    else if (!strcasecmp(what, "mac") || !strcasecmp(what, "MACs"))
        add(&b, strata__ssh_macs_supported(), strlen(strata__ssh_macs_supported()));
    else if (!strcasecmp(what, "key"))
        keytypes(&b, 1, 1);
    else if (!strcasecmp(what, "key-plain"))
        keytypes(&b, 1, 0);
    else if (!strcasecmp(what, "key-cert"))
        keytypes(&b, 0, 1);
    else if (!strcasecmp(what, "key-sig") || !strcasecmp(what, "HostKeyAlgorithms") ||
             !strcasecmp(what, "PubkeyAcceptedAlgorithms") ||
             !strcasecmp(what, "HostbasedAcceptedAlgorithms"))
        add(&b, strata__ssh_hostkey_algs_supported(), strlen(strata__ssh_hostkey_algs_supported()));
    else if (!strcasecmp(what, "sig") || !strcasecmp(what, "CASignatureAlgorithms"))
        filter(&b, strata__ssh_hostkey_algs_supported(), is_cert, 0);
    else if (!strcasecmp(what, "compression"))
        add(&b, strata__ssh_comp_supported(), strlen(strata__ssh_comp_supported()));
    else
        known = 0;
    size_t len = strata_buf_len(&b);
    if (n)
        snprintf(buf, n, "%.*s", (int)len, (const char *)strata_buf_ptr(&b));
    strata_buf_free(&b);
    return known ? len : 0;
}

strata_status strata_ssh_algorithms_resolve(const char *what, const char *spec, char **out,
                                            strata_error *err)
{
    static const struct {
        const char *name;
        const char *(*def)(void);
        const char *(*sup)(void);
    } rows[] = {
        {"KexAlgorithms", strata__ssh_kex_algs_default, strata__ssh_kex_algs_supported},
        {"Ciphers", strata__ssh_ciphers_default, strata__ssh_ciphers_supported},
        {"MACs", strata__ssh_macs_default, strata__ssh_macs_supported},
        {"HostKeyAlgorithms", strata__ssh_hostkey_algs_default, strata__ssh_hostkey_algs_supported},
        {"PubkeyAcceptedAlgorithms", strata__ssh_hostkey_algs_default,
         strata__ssh_hostkey_algs_supported},
    };
    *out = NULL;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (!strcasecmp(what, rows[i].name))
            return strata__ssh_alglist(rows[i].name, spec, rows[i].def(), rows[i].sup(), out, err);
    return strata_error_set(err, STRATA_E_USAGE, "no algorithm list called %s", what);
}
