/* strata/pki.h - the pki module in one include: pyOpenSSL's crypto and rand
 * modules as C, on OpenSSL 3's EVP / OSSL_PARAM APIs. See pki_types.h for the
 * conventions every pki header follows. */
#ifndef STRATA_PKI_H
#define STRATA_PKI_H

#include <stdio.h>
#include "buf.h"
#include "error.h"
#include "pki_types.h"
#include "x509.h"
#include "x509_name.h"
#include "pkey.h"
#include "store.h"
#include "x509_ext.h"
#include "x509_req.h"
#include "crl.h"
#include "pkcs12.h"
#include "pkcs7.h"
#include "spki.h"
#include "rand.h"

/* The one bounded file reader: every file the library and the CLI read whole
 * (certificates, keys, SSH key files, known_hosts, ssh_config, passphrase
 * and session files) goes through strata_pki_read_file_ex.
 *
 * Reads all of path into out, which this call initialises (any earlier
 * contents are not freed) and the caller frees with strata_buf_free, on
 * success and on failure alike. At most max bytes (0: STRATA_PKI_MAX_INPUT);
 * a longer file is E_LIMIT naming the file and the limit. A file that cannot
 * be opened or read is E_IO, "cannot open PATH: reason", with the errno kept
 * (strata_error_errno: ENOENT tells a missing file). flags:
 *   STRATA_READ_SECRET   out is wiped when freed (key files, passphrases);
 *   STRATA_READ_REGULAR  refuse anything but a regular file (E_USAGE);
 *   STRATA_READ_PRIVATE  a private key file: also REGULAR and SECRET, and
 *                        when the caller owns it, refused (E_USAGE) if group
 *                        or others have any access, as OpenSSH refuses it.
 * path is only read during the call. */
#define STRATA_READ_SECRET 0x1u
#define STRATA_READ_REGULAR 0x2u
#define STRATA_READ_PRIVATE 0x4u
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_file_ex(const char *path, size_t max,
                                                                   unsigned flags, strata_buf *out,
                                                                   strata_error *err);
/* The same for an open stream f (name is used in messages; f is not closed);
 * REGULAR and PRIVATE do not apply. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_stream_ex(FILE *f, const char *name,
                                                                     size_t max, unsigned flags,
                                                                     strata_buf *out,
                                                                     strata_error *err);
/* Shorthands: max STRATA_PKI_MAX_INPUT; secret non-zero is STRATA_READ_SECRET. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_file(const char *path, strata_buf *out,
                                                                int secret, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_stream(FILE *f, const char *name,
                                                                  strata_buf *out, int secret,
                                                                  strata_error *err);

#endif
