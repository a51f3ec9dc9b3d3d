/* strata/spki.h - Netscape signed public keys and challenges (pyOpenSSL's
 * NetscapeSPKI): the SignedPublicKeyAndChallenge that HTML <keygen> sent,
 * still used by some enrolment tools. A strata_spki owns one NETSCAPE_SPKI. */
#ifndef STRATA_SPKI_H
#define STRATA_SPKI_H

#include "pki_types.h"

/* NetscapeSPKI(): an empty one. */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_new(strata_spki **out, strata_error *err);
/* NetscapeSPKI(enc): decodes the base64 text b64_encode gives (whitespace
 * ignored). E_FORMAT for text that is not base64, E_BAD_DER for a bad
 * structure. b64 is borrowed for the call. */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_b64_decode(const char *b64, size_t len,
                                                                  strata_spki **out,
                                                                  strata_error *err);
STRATA_API void strata_spki_free(strata_spki *s);
/* Borrowed; valid while s is. */
STRATA_API NETSCAPE_SPKI *strata_spki_openssl(const strata_spki *s);
/* b64_encode(): base64 without line breaks (a heap string). */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_b64_encode(const strata_spki *s, char **out,
                                                                  strata_error *err);
/* get_pubkey(): a new public-only key. set_pubkey(key) copies the public half. */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_get_pubkey(const strata_spki *s,
                                                                  strata_pkey **out,
                                                                  strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_set_pubkey(strata_spki *s,
                                                                  const strata_pkey *k,
                                                                  strata_error *err);
/* sign(key, digest_name), as strata_x509_sign. */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_sign(strata_spki *s, const strata_pkey *k,
                                                            const char *digest, strata_error *err);
/* verify(key): E_BAD_SIGNATURE unless key verifies the signature. */
STRATA_API STRATA_MUST_CHECK strata_status strata_spki_verify(const strata_spki *s,
                                                              const strata_pkey *k,
                                                              strata_error *err);

#endif
