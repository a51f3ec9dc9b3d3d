/* The chain: what `strata connect` and `strata listen` take as arguments.
 *
 * A chain is a list of elements, one per command-line argument, outermost
 * first. The first element is a transport (`tcp:HOST:PORT`); every later
 * element is a layer on the stream the elements before it make.
 *
 * Element syntax:   KIND:BODY
 *   - kinds with a target:   KIND:HOST:PORT[,OPT=VAL...]
 *     HOST is a name, an IPv4 address, or an IPv6 address in brackets
 *     (`tcp:[::1]:8080`);
 *   - kinds without a target: KIND:[OPT=VAL[,OPT=VAL...]]
 *     a flag option may be given without `=VAL`.
 *
 * The kinds are rows of a table (chain.c): a name, flags, a parse function
 * and the options the kind accepts. A later layer kind is a new row.
 *
 * Errors name the element and the problem, ready to print after "strata: ":
 *   chain element 2 'tls:foo': unknown element type 'tls'
 */
#ifndef STRATA_CLI_CHAIN_H
#define STRATA_CLI_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strata/buf.h"
#include "strata/stack.h"

/* Bounds on what the parser accepts. */
#define CHAIN_MAX_ELEMS (1 + STRATA_STACK_MAX_LAYERS_DEFAULT)
#define CHAIN_ELEM_MAX_LEN 1024 /* bytes of one element's text */
#define CHAIN_HOST_MAX 253      /* RFC 1035 §2.3.4: a name is at most 253 characters */
#define CHAIN_OPTS_MAX 16       /* options on one element */
#define CHAIN_ERR_MAX 512

enum chain_opt_type {
    CHAIN_OPT_STRING, /* any non-empty text without ',' */
    CHAIN_OPT_UINT,   /* decimal in [min, max] */
    CHAIN_OPT_FLAG,   /* `name` alone, or name=0 / name=1 */
};

struct chain_opt_def {
    const char *name;
    enum chain_opt_type type;
    unsigned long min, max; /* CHAIN_OPT_UINT only */
};

struct chain_opt {
    const struct chain_opt_def *def;
    char *str;         /* CHAIN_OPT_STRING: heap copy; NULL otherwise */
    unsigned long num; /* CHAIN_OPT_UINT value, or 0/1 for a flag */
};

enum {
    CHAIN_KIND_TRANSPORT = 1u << 0, /* may be (and the first element must be) one */
    CHAIN_KIND_TARGET = 1u << 1,    /* the body starts with HOST:PORT */
};

/* Where a chain is used: listen accepts port 0 (any free port). */
enum chain_use { CHAIN_USE_CONNECT, CHAIN_USE_LISTEN };

struct chain_elem;
struct chain_kind {
    const char *name;
    const char *syntax;  /* for help: "tcp:HOST:PORT" */
    const char *summary; /* for help: one line */
    unsigned flags;
    /* Parses the body (a view of the text after "KIND:") into e. On failure
     * writes the problem (without the element prefix) into err and returns -1. */
    int (*parse)(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err, size_t cap);
    const struct chain_opt_def *opts; /* ended by a NULL name; may be NULL */
    /* Layer kinds: pushes the element's layer on s, in the role `use` gives
     * (client for connect, server for listen) unless the element names one
     * (tls: role=). NULL for transports. */
    strata_status (*push)(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                          strata_error *err);
    /* Optional: builds what every push of the element shares, once, into
     * e->state (tls: one context, so a listener's connections share its
     * session cache and ticket keys: a client resumes on any of them).
     * NULL: each push builds its layer from nothing. */
    strata_status (*prepare)(struct chain_elem *e, enum chain_use use, strata_error *err);
};

struct chain_elem {
    const struct chain_kind *kind;
    const char *text; /* the argument, borrowed from argv */
    char *host;       /* target host without brackets (heap), or NULL */
    uint16_t port;    /* target port; 0 only for a listen transport */
    int host_is_v6;
    struct chain_opt opts[CHAIN_OPTS_MAX];
    size_t n_opts;
    /* The nearest earlier element with a target (tcp:, http-connect:): the
     * host this layer talks to, for defaults (tls: the peer name). NULL for
     * the first element. Set by chain_parse; borrowed. */
    const struct chain_elem *target;
    /* Shared state from the kind's prepare (NULL before, or without one),
     * released by state_free in chain_free. Owned by the element. */
    void *state;
    void (*state_free)(void *state);
};

struct chain {
    struct chain_elem elems[CHAIN_MAX_ELEMS];
    size_t n;
};

/* Layer kinds, each in its own file (chain_KIND.c). */
extern const struct chain_opt_def chain_http_connect_opts[];
int chain_http_connect_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                             size_t cap);
strata_status chain_http_connect_push(const struct chain_elem *e, strata_stack *s,
                                      enum chain_use use, strata_error *why);

/* The built-in kinds, ended by a NULL name. */
extern const struct chain_kind chain_kinds[];

/* Parses argv[0..argc) as a chain with the kinds of table (NULL: chain_kinds).
 * On success returns 0 and fills *c (free with chain_free). On failure returns
 * -1, writes the message into err (NUL-terminated, at most cap bytes) and
 * leaves *c empty. */
int chain_parse(struct chain *c, const struct chain_kind *table, int argc, char *const *argv,
                enum chain_use use, char *err, size_t cap);
void chain_free(struct chain *c);

/* Pushes the layers of elements 2..n on s, in order (outermost first). On
 * failure returns the status and writes "chain element N 'TEXT': why" into
 * err (cap bytes). */
strata_status chain_push_layers(const struct chain *c, strata_stack *s, enum chain_use use,
                                char *err, size_t cap);
/* Runs the prepare function of every element that has one (in listen:
 * before listening, so all connections share what it builds; the state
 * lives until chain_free). Stops at the first failure, reported as
 * chain_push_layers does. */
strata_status chain_prepare(struct chain *c, enum chain_use use, char *err, size_t cap);
/* Builds the layers of elements 2..n on a scratch stack (made with cfg, may
 * be NULL) and frees it: the files, keys and passphrases the elements name
 * are read once, so a listener reports a bad one before it listens rather
 * than on every connection. Stops before the first ssh: element (its push
 * reads ~/.ssh/config and asks the agent: that waits for a connection).
 * Returns and reports failures as chain_push_layers does. */
strata_status chain_check_layers(const struct chain *c, const strata_stack_config *cfg,
                                 enum chain_use use, char *err, size_t cap);
/* Pushes the layer an element made (the stack owns it, as strata_stack_push);
 * with -vv it is wrapped so that its bytes are counted and logged when it
 * goes (chain_count.c). */
strata_status chain_stack_push(strata_stack *s, strata_layer layer);
/* The layer an element made, under the -vv wrapper if there is one (for code
 * that asks what kind of layer it is). */
const strata_layer *chain_layer_unwrap(const strata_layer *l);
/* Prints the kinds of table (NULL: chain_kinds) as help lines to f. */
void chain_help(FILE *f, const struct chain_kind *table);

/* The value of option name on e, or NULL when not given. Borrowed from e. */
const struct chain_opt *chain_elem_opt(const struct chain_elem *e, const char *name);

/* Helpers for kind parse functions, each consuming from the body view:
 * HOST:PORT at its start, and the OPT=VAL list that makes up the rest (all of
 * it; an empty rest is no options). */
int chain_parse_target(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                       size_t cap);
int chain_parse_opts(struct chain_elem *e, strata_buf *body, char *err, size_t cap);
/* HOST:PORT, then optionally ",OPT=VAL,...": the body of a target kind. */
int chain_parse_target_opts(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                            size_t cap);

#endif
