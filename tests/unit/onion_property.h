/* The onion property test: a client and a server stack agree in-band, with a
 * tiny line protocol, on a random sequence of pushes and pops, and exchange
 * data both ways between every step, checked byte for byte.
 *
 *   client -> server   "PUSH <key> <role>\n"   server answers "OK\n" and
 *                                        pushes at once; the client pushes
 *                                        when it has read "OK\n", handing
 *                                        over as early bytes whatever it read
 *                                        past it. <role> is the role the
 *                                        client's layer takes, 'C' (client:
 *                                        a TLS client) or 'S' (server); the
 *                                        server's layer takes the other one.
 *   client -> server   "POP\n"           both pop the innermost layer.
 *   client -> server   "ECHO <n>\n" + n bytes; the server echoes the n bytes.
 *
 * "client" and "server" name the ends of the line protocol (the client
 * sends the commands), not the roles of the layers: the role of each push
 * is chosen by the seed, so either end may be the TLS client of any layer,
 * and a sequence is the same for the same seed.
 *
 * The layer factory makes the layers, so the same test runs with the test
 * framing layer and with TLS. */
#ifndef STRATA_TEST_ONION_PROPERTY_H
#define STRATA_TEST_ONION_PROPERTY_H

#include <stddef.h>
#include <stdint.h>
#include "strata/layer.h"

/* client_role: 1 when the layer takes the client role (a TLS client), 0 the
 * server role; key: the step's layer number (the same on both ends). */
typedef strata_layer (*onion_layer_factory)(int client_role, unsigned key, void *user);
/* The role a pushed layer plays: 1 client, 0 server. */
typedef int (*onion_layer_role)(const strata_layer *layer);

struct onion_property_config {
    onion_layer_factory make;
    void *user;
    uint64_t seed;
    unsigned steps;   /* push/pop steps */
    size_t max_depth; /* <= 16 */
    size_t chunk;     /* wire chunking: 0 all at once, 1 byte at a time, SIZE_MAX random */
    size_t max_echo;  /* largest echo payload */
    /* May be NULL. When given, after every push the innermost layer of each
     * end is checked to play the role the command carried. */
    onion_layer_role role_of;
    /* May be NULL: incremented for each push in which the command's sender
     * took the server role. */
    unsigned *reversed;
};

/* Runs one sequence; fails the cmocka test on any mismatch or error. Returns
 * the number of pushes performed. */
unsigned onion_property_run(const struct onion_property_config *cfg);

#endif
