/* Internal: the CRL objects. */
#ifndef STRATA_PKI_CRL_INTERNAL_H
#define STRATA_PKI_CRL_INTERNAL_H

#include "pki/pki_internal.h"
#include "strata/crl.h"

struct strata_x509_crl {
    atomic_int refs;
    X509_CRL *c;
};

struct strata_revoked {
    X509_REVOKED *r;
};

/* Borrowed OpenSSL CRL (non-const for OpenSSL's APIs that take one). */
X509_CRL *strata__crl_openssl(const strata_x509_crl *c);

#endif
