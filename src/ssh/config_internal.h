/* ssh_config(5) parser internals shared by config.c (lines, Host, Match,
 * Include), config_kw.c (the keyword table and values) and config_tokens.c
 * (%-tokens and strata_ssh_config_finish). */
#ifndef STRATA_SSH_CONFIG_INTERNAL_H
#define STRATA_SSH_CONFIG_INTERNAL_H

#include "strata/ssh_config.h"

/* STRATA_E_SSH_CONFIG with "loc: message". */
strata_status strata__sshc_bad(strata_error *err, const char *loc, const char *fmt, ...)
    STRATA_PRINTF(3, 4);

/* Applies one keyword line (argv[0] the keyword). raw is the text after the
 * keyword and its separator (ProxyCommand and RemoteCommand take it whole).
 * active 0 (a block that does not apply): the line is only checked. */
strata_status strata__sshc_keyword(strata_ssh_config *c, const char *loc, int argc, char **argv,
                                   const char *raw, int active, strata_error *err);
/* Frees the option values (not notes, context or hooks). */
void strata__sshc_free_values(strata_ssh_config *c);
/* Frees the n forwards' strings; *n becomes 0. */
void strata__sshc_free_forwards(strata_ssh_config_forward *f, size_t *n);
/* Appends a note ("loc: ignoring keyword (why)"). */
strata_status strata__sshc_note(strata_ssh_config *c, const char *loc, const char *why,
                                const char *keyword, strata_error *err);

/* The %-token values (NULL: none here). */
struct sshc_tokens {
    const char *C, *d, *h, *i, *j, *k, *L, *l, *n, *p, *r, *u;
    char C_buf[41], i_buf[24], p_buf[8], L_buf[256];
};
/* Fills t from what c holds now: host is the name given (%n), home %d. */
void strata__sshc_tokens(const strata_ssh_config *c, const char *host, const char *home,
                         struct sshc_tokens *t);
/* Expands "~/" (when tilde), ${VAR} (when env) and the tokens whose letters
 * are in allowed, into a new heap string *out. */
strata_status strata__sshc_expand(const char *what, const char *in, const char *allowed, int tilde,
                                  int env, const struct sshc_tokens *t, char **out,
                                  strata_error *err);

#endif
