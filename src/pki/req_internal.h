/* Internal: the request object. */
#ifndef STRATA_PKI_REQ_INTERNAL_H
#define STRATA_PKI_REQ_INTERNAL_H

#include "pki/pki_internal.h"

struct strata_x509_req {
    X509_REQ *r;
};

X509_REQ *strata__req_openssl(const strata_x509_req *r);

#endif
