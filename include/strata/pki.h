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

/* The bounded file reader every loader uses: reads a whole file (path) or
 * stream (f, with name for messages; it is not closed) into out, an owning
 * strata_buf the caller initialised and frees; at most STRATA_PKI_MAX_INPUT
 * bytes (E_LIMIT beyond, naming the file), E_IO with the reason when it
 * cannot be read. secret: out is wiped when freed (key files). */
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_file(const char *path, strata_buf *out,
                                                                int secret, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_read_stream(FILE *f, const char *name,
                                                                  strata_buf *out, int secret,
                                                                  strata_error *err);

#endif
