/* strata/pki_types.h - the opaque types, formats and passphrase sources of the
 * pki module (pyOpenSSL's crypto module as C).
 *
 * Conventions of every pki header:
 * - Objects are opaque and heap-allocated by their constructors; *_free(NULL)
 *   is a no-op. Objects with *_up_ref are reference counted: each reference is
 *   released by one *_free. Reference counts are atomic, so a certificate, key
 *   or store can be shared by threads that only read it.
 * - Errors go in a caller-owned strata_error passed as the last argument
 *   (`err`, may be NULL). pki objects are shared values (one certificate is
 *   used by many TLS contexts and threads), so they carry no error of their
 *   own: the caller's strata_error holds the message and OpenSSL's error queue.
 *   The function clears nothing in err: the first error recorded there sticks.
 * - Outputs are cleared on entry and set only on success.
 * - Strings returned in `char **out` are heap copies the caller releases with
 *   strata_pki_free_string(); byte outputs come in a caller-owned strata_buf.
 * - Every OpenSSL object crossing the API (X509 *, EVP_PKEY *, X509_STORE *)
 *   says whether it is borrowed or up-referenced.
 */
#ifndef STRATA_PKI_TYPES_H
#define STRATA_PKI_TYPES_H

#include <stddef.h>
#include <openssl/types.h>
#include <openssl/x509.h>
#include <openssl/pkcs7.h>
#include "export.h"
#include "status.h"
#include "error.h"
#include "buf.h"
#include "passphrase.h"

typedef struct strata_x509 strata_x509;                     /* X509: a certificate */
typedef struct strata_x509_name strata_x509_name;           /* X509Name */
typedef struct strata_x509_ext strata_x509_ext;             /* X509Extension */
typedef struct strata_x509_req strata_x509_req;             /* X509Req: a CSR */
typedef struct strata_x509_store strata_x509_store;         /* X509Store */
typedef struct strata_x509_store_ctx strata_x509_store_ctx; /* X509StoreContext */
typedef struct strata_x509_crl strata_x509_crl;             /* CRL */
typedef struct strata_revoked strata_revoked;               /* Revoked: one CRL entry */
typedef struct strata_pkey strata_pkey;                     /* PKey */
typedef struct strata_pkcs7 strata_pkcs7;                   /* PKCS7 */
typedef struct strata_pkcs12 strata_pkcs12;                 /* PKCS12 */
typedef struct strata_spki strata_spki;                     /* NetscapeSPKI */

/* FILETYPE_PEM, FILETYPE_ASN1 and (for dumps) FILETYPE_TEXT. AUTO (loads only)
 * picks PEM when the input holds "-----BEGIN", else DER. */
typedef enum strata_pki_format {
    STRATA_PKI_PEM = 1,
    STRATA_PKI_DER = 2, /* pyOpenSSL's FILETYPE_ASN1 */
    STRATA_PKI_TEXT = 3,
    STRATA_PKI_AUTO = 4,
} strata_pki_format;

/* Largest input any loader accepts (E_LIMIT above it). */
#define STRATA_PKI_MAX_INPUT (16u * 1024u * 1024u)
/* Passphrases: strata_passphrase and strata_passphrase_fn are in
 * passphrase.h, shared with the SSH key files. Pass NULL as
 * `const strata_passphrase *` when there is none. */
#define STRATA_PKI_PASSPHRASE_MAX STRATA_PASSPHRASE_MAX

/* Releases a string returned by a pki function (NULL allowed). */
STRATA_API void strata_pki_free_string(char *s);

#endif
