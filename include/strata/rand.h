/* strata/rand.h - OpenSSL's random number generator (pyOpenSSL's rand
 * module). OpenSSL 3 seeds itself from the operating system; add/seed mix in
 * extra bytes and never replace that seeding. */
#ifndef STRATA_RAND_H
#define STRATA_RAND_H

#include <stddef.h>
#include "pki_types.h"

/* add(string, entropy): mixes n bytes in, estimated to hold entropy bytes of
 * randomness (RFC 4086). */
STRATA_API void strata_rand_add(const void *buf, size_t n, double entropy);
/* seed(string): add with entropy = n. */
STRATA_API void strata_rand_seed(const void *buf, size_t n);
/* status(): 1 when the generator is seeded, else 0. */
STRATA_API int strata_rand_status(void);
/* bytes(num): n random bytes into out (caller-owned). E_CRYPTO when the
 * generator cannot deliver. */
STRATA_API STRATA_MUST_CHECK strata_status strata_rand_bytes(void *out, size_t n,
                                                             strata_error *err);
/* load_file(path, bytes): mixes in up to max_bytes of the file (-1: all of
 * it, capped by OpenSSL); *loaded receives the count. E_IO when the file
 * cannot be read. */
STRATA_API STRATA_MUST_CHECK strata_status strata_rand_load_file(const char *path, long max_bytes,
                                                                 size_t *loaded, strata_error *err);
/* write_file(path): writes 1024 random bytes for a later load_file; *written
 * receives the count. The file is created mode 0600. */
STRATA_API STRATA_MUST_CHECK strata_status strata_rand_write_file(const char *path, size_t *written,
                                                                  strata_error *err);
/* egd(path, bytes): the Entropy Gathering Daemon interface does not exist in
 * OpenSSL 3; always E_UNSUPPORTED with a message saying so. */
STRATA_API STRATA_MUST_CHECK strata_status strata_rand_egd(const char *path, int bytes,
                                                           strata_error *err);
/* screen(): Windows only in pyOpenSSL, removed from OpenSSL 3; always
 * E_UNSUPPORTED with a message saying so. */
STRATA_API STRATA_MUST_CHECK strata_status strata_rand_screen(strata_error *err);

#endif
