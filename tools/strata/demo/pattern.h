/* The pattern app endpoint (used by `strata demo` and the io tests).
 *
 * It sends `total` pseudo-random bytes (xorshift64 from a seed), then ends its
 * input; everything that comes back is checked against the same stream. A
 * changed byte fails the connection ("byte N came back changed"). The struct
 * is the caller's: the endpoint's close leaves it alone, so the counts can be
 * read after the connection ended.
 */
#ifndef STRATA_CLI_PATTERN_H
#define STRATA_CLI_PATTERN_H

#include <stdint.h>

#include "strata/io.h"

#define PATTERN_CHUNK (64u * 1024u)

struct pattern {
    uint64_t total;
    uint64_t sent, checked;
    uint64_t tx_state, rx_state;  /* xorshift64: the same stream both ways */
    uint8_t chunk[PATTERN_CHUNK]; /* sending: the current block */
    size_t chunk_off, chunk_len;
    uint8_t want[PATTERN_CHUNK]; /* checking: the expected block */
    size_t want_off, want_len;
    uint64_t expected; /* bytes of the stream generated for checking */
    int got_eof;
    uint64_t mismatch_at; /* UINT64_MAX: none */
    uint64_t pause_at;    /* 0: none; else stop sending there until pattern_resume */
    int resumed;
    strata_io_conn *conn;
    strata_error err;
};

void pattern_init(struct pattern *p, uint64_t total, uint64_t seed);
/* An endpoint on p (borrowed: p must outlive the connection). */
strata_io_app pattern_app(struct pattern *p);
/* Sends the rest after a pause at pause_at. */
void pattern_resume(struct pattern *p);
/* 1 when every byte came back unchanged and the stream ended. */
int pattern_complete(const struct pattern *p);

#endif
