/* Internal: the one mapping from OpenSSL's X509_V_ERR_* codes to strata
 * statuses, used by strata_x509_store verification and by TLS certificate
 * verification, so a certificate refused by either reads the same. */
#ifndef STRATA_PKI_VERIFY_STATUS_H
#define STRATA_PKI_VERIFY_STATUS_H

#include "strata/status.h"

/* The status for an X509_V_ERR_* code; codes the table does not name get
 * other (the store passes E_VERIFY, TLS its documented E_TLS_CERT_INVALID). */
strata_status strata__x509_verify_status(int code, strata_status other);

#endif
