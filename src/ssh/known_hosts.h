/* Internal: the known_hosts object, its line parser and host matching. */
#ifndef STRATA_SSH_KNOWN_HOSTS_H
#define STRATA_SSH_KNOWN_HOSTS_H

#include "strata/ssh_knownhosts.h"
#include "ssh/hostkey.h"

enum kh_marker { KH_PLAIN, KH_CERT_AUTHORITY, KH_REVOKED };

struct kh_entry {
    enum kh_marker marker;
    char *hosts; /* the host pattern field as written */
    /* The key as a blob: compared byte for byte (plain blobs are canonical,
     * strata's parser refuses other encodings) and parsed only when used as
     * a CA, so loading a large file costs no public-key operations. */
    uint8_t *blob;
    size_t blob_len;
    const char *type, *plain_type; /* static storage */
    size_t file;                   /* index into files */
    unsigned long line;
};

struct strata_ssh_knownhosts {
    struct kh_entry *entries;
    size_t n_entries, cap_entries;
    char **files; /* names of the loaded sources */
    unsigned long *file_lines;
    size_t n_files;
    unsigned long total_lines;
    size_t skipped;
    char *append_path;
    int hash_new;
    strata_error err;
};

/* Length of the SHA-1 HMAC of a hashed name, and of the salt OpenSSH makes. */
#define STRATA_SSH_KH_HASH_LEN 20u

/* OpenSSH's host name matching against one pattern field: 1 when a pattern
 * matches name and no negated one does, -1 when a negated pattern matches,
 * 0 otherwise. Patterns are compared without regard to ASCII case; name
 * should be lower case. A hashed field (|1|salt|hmac) matches when
 * HMAC-SHA1(salt, name) equals hmac. */
int strata__ssh_kh_match_hosts(const char *field, const char *name);
/* Wildcard match of one pattern (* and ?), ASCII case-insensitive. */
int strata__ssh_kh_match_pattern(const char *s, size_t sn, const char *p, size_t pn);
/* "|1|base64(salt)|base64(HMAC-SHA1(salt, name))" into a heap string
 * (free()); salt of salt_len bytes, or NULL for 20 random bytes. */
strata_status strata__ssh_kh_hash_name(const char *name, const uint8_t *salt, size_t salt_len,
                                       char **out);
/* name as looked up: lower-cased host, "[host]:port" unless port is 22 or 0.
 * E_USAGE when it does not fit cap or host is empty or has whitespace. */
strata_status strata__ssh_kh_name(const char *host, unsigned port, char *out, size_t cap);

/* strata__ssh_kh_name, recording a refusal on kh. */
strata_status strata__ssh_kh_name_err(strata_ssh_knownhosts *kh, const char *host, unsigned port,
                                      char *out, size_t cap);
/* Adds one line (without its end of line) from source file index fi. */
strata_status strata__ssh_kh_parse_line(strata_ssh_knownhosts *kh, size_t fi, unsigned long lineno,
                                        const char *line, size_t n);
/* Registers a source name; *fi its index. */
strata_status strata__ssh_kh_add_source(strata_ssh_knownhosts *kh, const char *name, size_t *fi);
/* Appends one line and a newline to path (adding a newline first when the
 * file does not end with one); creates the file with mode 0600. */
strata_status strata__ssh_kh_append(strata_ssh_knownhosts *kh, const char *path, const char *line);

#endif
