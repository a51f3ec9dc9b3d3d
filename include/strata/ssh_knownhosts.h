/* strata/ssh_knownhosts.h - OpenSSH known_hosts files for SSH host key checks.
 *
 * A strata_ssh_knownhosts object holds the lines of one or more known_hosts
 * files (OpenSSH format, sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host
 * patterns (plain names, [host]:port, comma lists, * and ? wildcards, !
 * negation, hashed |1|salt|hmac names), @cert-authority and @revoked lines,
 * comments, blank lines and CRLF line ends. Lines whose key type strata does
 * not know are skipped, as OpenSSH does; a line longer than
 * STRATA_SSH_KH_LINE_MAX bytes or more than STRATA_SSH_KH_LINES_MAX lines in
 * all fail the load with STRATA_E_LIMIT.
 *
 * Host keys are given as their SSH wire blobs (RFC 4253 §6.6), as the SSH
 * transport reports them; certificates are checked against @cert-authority
 * lines for everything they assert (type, validity at `now`, principals,
 * critical options, CA signature).
 *
 * Errors are recorded on the object (strata_ssh_knownhosts_error); the first
 * is kept until strata_ssh_knownhosts_clear_error.
 */
#ifndef STRATA_SSH_KNOWNHOSTS_H
#define STRATA_SSH_KNOWNHOSTS_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "export.h"
#include "status.h"

#define STRATA_SSH_KH_LINE_MAX 8192u
#define STRATA_SSH_KH_LINES_MAX 100000u
#define STRATA_SSH_KH_FILE_MAX (16u * 1024u * 1024u)

typedef struct strata_ssh_knownhosts strata_ssh_knownhosts;

/* What to do with a host whose key is not known (StrictHostKeyChecking).
 * A changed or revoked key is refused under every policy. */
enum strata_ssh_strict {
    STRATA_SSH_STRICT_YES,        /* refuse unknown hosts */
    STRATA_SSH_STRICT_ACCEPT_NEW, /* add unknown hosts to the append file, accept */
    STRATA_SSH_STRICT_NO,         /* accept unknown hosts, logging a warning */
};

enum strata_ssh_hostkey_result {
    STRATA_SSH_HOSTKEY_OK,      /* a line for this host holds this key */
    STRATA_SSH_HOSTKEY_CERT_OK, /* a valid certificate by a @cert-authority for this host */
    STRATA_SSH_HOSTKEY_UNKNOWN, /* no line for this host holds a key of this type */
    STRATA_SSH_HOSTKEY_CHANGED, /* a line for this host holds another key of this type */
    STRATA_SSH_HOSTKEY_REVOKED, /* a @revoked line for this host names this key or its CA */
};

#define STRATA_SSH_KH_FP_MAX 64
#define STRATA_SSH_KH_TYPE_MAX 64

/* The outcome of a check. Caller-owned; file points into the object and is
 * valid while the object lives. */
typedef struct strata_ssh_knownhosts_match {
    enum strata_ssh_hostkey_result result;
    char name[300];                               /* what was looked up: host or [host]:port */
    char key_type[STRATA_SSH_KH_TYPE_MAX];        /* type of the key the server sent */
    char fingerprint[STRATA_SSH_KH_FP_MAX];       /* its SHA256: fingerprint */
    const char *file;                             /* file of the deciding line, or NULL */
    unsigned long line;                           /* its line number (from 1), or 0 */
    char known_type[STRATA_SSH_KH_TYPE_MAX];      /* key type on that line */
    char known_fingerprint[STRATA_SSH_KH_FP_MAX]; /* SHA256: of the key on that line (the old
                                                     key for CHANGED, the CA for CERT_OK) */
} strata_ssh_knownhosts_match;

/* A new, empty object; *out is owned by the caller
 * (strata_ssh_knownhosts_free). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_new(strata_ssh_knownhosts **out);
/* Frees kh and everything it holds; NULL is allowed. */
STRATA_API void strata_ssh_knownhosts_free(strata_ssh_knownhosts *kh);

/* Adds the lines of the file at path (borrowed; copied). A missing file
 * holds no lines and is not an error (as OpenSSH's ~/.ssh/known_hosts). The
 * first file loaded becomes the append file unless one was set. Errors:
 * E_IO (unreadable), E_LIMIT (file, line length or line count). Implemented
 * in src/io/known_hosts_file.c (the file read through strata_pki_read_file_ex,
 * then strata_ssh_knownhosts_load_mem). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_knownhosts_load_file(strata_ssh_knownhosts *kh, const char *path);
/* Adds the lines in data (n bytes, borrowed for the call); name (copied)
 * names them in messages. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_load_mem(strata_ssh_knownhosts *kh,
                                                                          const char *name,
                                                                          const char *data,
                                                                          size_t n);
/* Where strata_ssh_knownhosts_add (and accept-new) append lines; path is
 * copied. NULL: add only in memory. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_knownhosts_set_append_file(strata_ssh_knownhosts *kh, const char *path);
/* Whether lines added by accept-new are hashed (|1|salt|hmac); default 0. */
STRATA_API void strata_ssh_knownhosts_set_hash_new(strata_ssh_knownhosts *kh, int hash);
/* Number of host key lines held, and lines skipped (unknown key type or
 * malformed: each logged at WARN with its file and line). */
STRATA_API size_t strata_ssh_knownhosts_count(const strata_ssh_knownhosts *kh);
STRATA_API size_t strata_ssh_knownhosts_skipped(const strata_ssh_knownhosts *kh);

/* Looks up the host key blob (n bytes, borrowed) for host (borrowed) and port
 * (22 or 0: the plain name, else "[host]:port") at time now (seconds since
 * 1970, for certificates). Sets *m. Returns STRATA_OK when the lookup ran (the
 * verdict is m->result); E_FORMAT / E_UNSUPPORTED for a bad blob; an
 * E_SSH_CERT_* status when a @cert-authority for this host signed the
 * certificate but the certificate fails a check. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_check(
    strata_ssh_knownhosts *kh, const char *host, unsigned port, const uint8_t *blob, size_t n,
    int64_t now, strata_ssh_knownhosts_match *m);
/* strata_ssh_knownhosts_check, then the policy: STRATA_OK to accept;
 * E_HOSTKEY_CHANGED (the message shows both fingerprints and the file:line
 * of the old key), E_HOSTKEY_REVOKED, E_HOSTKEY_UNKNOWN (policy yes), or the
 * check's error. Under accept-new an unknown key (a certificate's plain key)
 * is appended. m may be NULL. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_verify(
    strata_ssh_knownhosts *kh, enum strata_ssh_strict policy, const char *host, unsigned port,
    const uint8_t *blob, size_t n, int64_t now, strata_ssh_knownhosts_match *m);
/* Adds "name type base64" for the key blob (borrowed) in memory and appends
 * it to the append file, if any; hashed: the name as |1|salt|hmac. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_add(strata_ssh_knownhosts *kh,
                                                                     const char *host,
                                                                     unsigned port,
                                                                     const uint8_t *blob, size_t n,
                                                                     int hashed);

/* Reorders algs, a comma list of host key algorithms (e.g. the transport's
 * default offer; borrowed), as OpenSSH does so a known host is checked
 * against the key it is known by: certificate algorithms first when a
 * @cert-authority line matches host:port, then algorithms (plain or
 * certificate: a certificate from an untrusted CA is checked as its plain
 * key) whose key type a line for host:port holds, then the rest, each group
 * in the given order.
 * *out is a heap string owned by the caller (free()). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_order_algs(
    strata_ssh_knownhosts *kh, const char *host, unsigned port, const char *algs, char **out);

/* A known_hosts line "name type base64" (ssh-keyscan output; hashed: as
 * ssh-keyscan -H) without a newline. *out is a heap string owned by the
 * caller (free()). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_knownhosts_format_line(
    const char *host, unsigned port, const uint8_t *blob, size_t n, int hashed, char **out);
/* The multi-line warning for a CHANGED (or REVOKED) match, in the shape of
 * OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED" block, into buf (always
 * NUL-terminated when cap > 0). Returns buf. */
STRATA_API const char *strata_ssh_knownhosts_warning(const strata_ssh_knownhosts_match *m,
                                                     char *buf, size_t cap);

/* The first error recorded on kh (borrowed, valid while kh lives). */
STRATA_API const strata_error *strata_ssh_knownhosts_error(const strata_ssh_knownhosts *kh);
STRATA_API void strata_ssh_knownhosts_clear_error(strata_ssh_knownhosts *kh);

#endif
