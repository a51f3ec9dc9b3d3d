/* strata/pki.h - the pki module in one include: pyOpenSSL's crypto and rand
 * modules as C, on OpenSSL 3's EVP / OSSL_PARAM APIs. See pki_types.h for the
 * conventions every pki header follows. */
#ifndef STRATA_PKI_H
#define STRATA_PKI_H

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

#endif
