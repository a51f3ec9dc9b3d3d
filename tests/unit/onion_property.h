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
 * Every run ends with a closing sequence chosen by the seed (or by the
 * config), with data in flight, over whatever layers are on at that point:
 *
 *   during transfer  one end (chosen by the seed) writes, the other too, and
 *                    the first shuts down as soon as its last byte is taken;
 *                    the other end, once it has read to the end (app_in
 *                    CLOSED), writes a reply of random size and shuts down.
 *   peer first       the server end writes, its bytes are read, and it shuts
 *                    down on an idle connection; the client reads to the end,
 *                    writes a reply and shuts down.
 *   both at once     both ends write and shut down in the same step.
 *
 * Checked: every byte both ways arrives, both ends see app_in CLOSED, both
 * wires report STRATA_CLOSED (each is passed on as the other's wire_eof),
 * no error. And the inside-out rule, at every step: until the far end has
 * shut down, a closing end's wire stays open and its layers beneath the
 * innermost stay unclosed, unless it set half_close (or has no layer). When
 * the far end has read to the end and written its reply, and before it shuts
 * down: its reply arrived, and the closing end's wire is closed exactly when
 * it set half_close (or has no layer). Each end sets half_close or not as
 * the seed (or the config) says.
 *
 * The layer factory makes the layers, so the same test runs with the test
 * framing layer and with TLS. Failures name the seed, the step and the
 * closing sequence. */
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

enum onion_close {
    ONION_CLOSE_BY_SEED = 0,
    ONION_CLOSE_DURING_TRANSFER,
    ONION_CLOSE_PEER_FIRST,
    ONION_CLOSE_BOTH_AT_ONCE,
};
#define ONION_CLOSE_SEQUENCES 3

/* Which ends set strata_stack_config.half_close. */
enum onion_half_close {
    ONION_HALF_BY_SEED = 0,
    ONION_HALF_NONE,
    ONION_HALF_CLIENT,
    ONION_HALF_SERVER,
    ONION_HALF_BOTH,
};

/* Runs counted by closing sequence (index: enum onion_close - 1) and by the
 * ends that set half_close (index: bit 0 the client end, bit 1 the server
 * end), so a caller can check its seeds covered them. */
struct onion_close_tally {
    unsigned runs[ONION_CLOSE_SEQUENCES][4];
    unsigned deep[ONION_CLOSE_SEQUENCES]; /* runs that closed over more than one layer */
};

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
    enum onion_close close;           /* 0: chosen by the seed */
    enum onion_half_close half_close; /* 0: chosen by the seed */
    struct onion_close_tally *tally;  /* may be NULL */
};

/* Runs one sequence and its close; fails the cmocka test on any mismatch or
 * error. Returns the number of pushes performed. */
unsigned onion_property_run(const struct onion_property_config *cfg);

#endif
