/* The onion property test: a client and a server stack agree in-band, with a
 * tiny line protocol, on a random sequence of pushes and pops, and exchange
 * data both ways between every step, checked byte for byte.
 *
 *   client -> server   "PUSH <key>\n"    server answers "OK\n" and pushes at
 *                                        once; the client pushes when it has
 *                                        read "OK\n", handing over as early
 *                                        bytes whatever it read past it.
 *   client -> server   "POP\n"           both pop the innermost layer.
 *   client -> server   "ECHO <n>\n" + n bytes; the server echoes the n bytes.
 *
 * The layer factory makes the layers, so the same test runs with the test
 * framing layer and with TLS. */
#ifndef STRATA_TEST_ONION_PROPERTY_H
#define STRATA_TEST_ONION_PROPERTY_H

#include <stddef.h>
#include <stdint.h>
#include "strata/layer.h"

/* is_client: which end the layer is for; key: the step's layer number. */
typedef strata_layer (*onion_layer_factory)(int is_client, unsigned key, void *user);

struct onion_property_config {
    onion_layer_factory make;
    void *user;
    uint64_t seed;
    unsigned steps;   /* push/pop steps */
    size_t max_depth; /* <= 16 */
    size_t chunk;     /* wire chunking: 0 all at once, 1 byte at a time, SIZE_MAX random */
    size_t max_echo;  /* largest echo payload */
};

/* Runs one sequence; fails the cmocka test on any mismatch or error. Returns
 * the number of pushes performed. */
unsigned onion_property_run(const struct onion_property_config *cfg);

#endif
