/* tools/strata/chain: the chain-element parser, good and bad input, exact
 * error texts. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "framelayer.h"
#include "chain.h"
#include "base/error_internal.h"

/* Parses one chain given as a NULL-terminated list. */
static int parse(struct chain *c, enum chain_use use, char *err, const char *a0, const char *a1)
{
    char *argv[2] = {(char *)a0, (char *)a1};
    return chain_parse(c, NULL, a1 ? 2 : 1, argv, use, err, CHAIN_ERR_MAX);
}

static void expect_error(enum chain_use use, const char *a0, const char *a1, const char *want)
{
    struct chain c;
    char err[CHAIN_ERR_MAX] = "";
    if (parse(&c, use, err, a0, a1) != -1)
        fail_msg("'%s' '%s' parsed, wanted: %s", a0, a1 ? a1 : "", want);
    assert_string_equal(err, want);
    assert_int_equal(c.n, 0);
}

static void test_tcp_forms(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX];
    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, "tcp:127.0.0.1:8080", NULL), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.elems[0].kind->name, "tcp");
    assert_string_equal(c.elems[0].host, "127.0.0.1");
    assert_int_equal(c.elems[0].port, 8080);
    assert_int_equal(c.elems[0].host_is_v6, 0);
    chain_free(&c);

    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, "tcp:[::1]:1", NULL), 0);
    assert_string_equal(c.elems[0].host, "::1");
    assert_int_equal(c.elems[0].port, 1);
    assert_int_equal(c.elems[0].host_is_v6, 1);
    chain_free(&c);

    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, "tcp:example.org:65535", NULL), 0);
    assert_string_equal(c.elems[0].host, "example.org");
    assert_int_equal(c.elems[0].port, 65535);
    chain_free(&c);

    /* Port 0 (any free port) only where listening. */
    assert_int_equal(parse(&c, CHAIN_USE_LISTEN, err, "tcp:127.0.0.1:0", NULL), 0);
    assert_int_equal(c.elems[0].port, 0);
    chain_free(&c);
}

static void test_bad_elements(void **state)
{
    (void)state;
    const enum chain_use C = CHAIN_USE_CONNECT;
    expect_error(C, "tcp:127.0.0.1:1", "tls:foo",
                 "chain element 2 'tls:foo': unknown option 'foo'");
    expect_error(C, "udp:1.2.3.4:5", NULL,
                 "chain element 1 'udp:1.2.3.4:5': unknown element type 'udp'");
    expect_error(C, "tcp:localhost", NULL,
                 "chain element 1 'tcp:localhost': missing port (expected HOST:PORT)");
    expect_error(C, "tcp:localhost:", NULL,
                 "chain element 1 'tcp:localhost:': missing port (expected HOST:PORT)");
    expect_error(C, "tcp:[::1]", NULL,
                 "chain element 1 'tcp:[::1]': missing port (expected HOST:PORT)");
    /* A port alone: the host is what is missing. */
    expect_error(C, "tcp:8443", NULL,
                 "chain element 1 'tcp:8443': missing host (expected HOST:PORT, e.g. "
                 "localhost:8443)");
    expect_error(CHAIN_USE_LISTEN, "tcp:8443", NULL,
                 "chain element 1 'tcp:8443': missing host (expected HOST:PORT, e.g. "
                 "0.0.0.0:8443)");
    expect_error(C, "tcp:localhost:70000", NULL,
                 "chain element 1 'tcp:localhost:70000': port 70000 out of range 1-65535");
    expect_error(C, "tcp:localhost:0", NULL,
                 "chain element 1 'tcp:localhost:0': port 0 out of range 1-65535");
    expect_error(C, "tcp:h:99999999999999999999", NULL,
                 "chain element 1 'tcp:h:99999999999999999999': port 99999999999999999999 out "
                 "of range 1-65535");
    expect_error(CHAIN_USE_LISTEN, "tcp:h:65536", NULL,
                 "chain element 1 'tcp:h:65536': port 65536 out of range 1-65535");
    expect_error(C, "tcp:h:http", NULL,
                 "chain element 1 'tcp:h:http': invalid port 'http' (expected a number)");
    expect_error(C, "tcp:h:-1", NULL,
                 "chain element 1 'tcp:h:-1': invalid port '-1' (expected a number)");
    expect_error(C, "tcp::80", NULL, "chain element 1 'tcp::80': empty host");
    expect_error(C, "tcp:", NULL, "chain element 1 'tcp:': empty host");
    expect_error(C, "tcp:h:80,foo=1", NULL,
                 "chain element 1 'tcp:h:80,foo=1': unknown option 'foo'");
    expect_error(C, "tcp:h:80,", NULL, "chain element 1 'tcp:h:80,': empty option");
    expect_error(C, "tcp:fe80::1:80", NULL,
                 "chain element 1 'tcp:fe80::1:80': too many ':' (an IPv6 address goes in "
                 "brackets: [ADDR]:PORT)");
    expect_error(C, "tcp:h:80:90", NULL,
                 "chain element 1 'tcp:h:80:90': too many ':' (an IPv6 address goes in "
                 "brackets: [ADDR]:PORT)");
    expect_error(C, "tcp:[::1:80", NULL,
                 "chain element 1 'tcp:[::1:80': missing ']' after the IPv6 address");
    expect_error(C, "tcp:[::1]x:80", NULL,
                 "chain element 1 'tcp:[::1]x:80': unexpected 'x:80' after the host (expected "
                 ":PORT)");
    expect_error(C, "tcp:[1.2.3.4]:80", NULL,
                 "chain element 1 'tcp:[1.2.3.4]:80': invalid IPv6 address '1.2.3.4'");
    expect_error(C, "tcp:[]:80", NULL, "chain element 1 'tcp:[]:80': invalid IPv6 address ''");
    expect_error(C, "tcp:a b:80", NULL,
                 "chain element 1 'tcp:a b:80': invalid character ' ' in host 'a b'");
    expect_error(C, "tcp:a\x1b[2J:80", NULL,
                 "chain element 1 'tcp:a\\x1b[2J:80': invalid character '\\x1b' in host "
                 "'a\\x1b[2J'");
    expect_error(C, "localhost", NULL,
                 "chain element 1 'localhost': expected TYPE:... (e.g. tcp:HOST:PORT)");
    expect_error(C, ":80", NULL, "chain element 1 ':80': empty element type");
    expect_error(C, "", NULL, "chain element 1 '': empty element");
    expect_error(C, "tcp:a:1", "tcp:b:2",
                 "chain element 2 'tcp:b:2': a transport (tcp:) can only be the first element");
}

static void test_limits(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX];
    /* A host of 254 characters. */
    char host[300] = "tcp:";
    memset(host + 4, 'a', 254);
    strcpy(host + 4 + 254, ":80");
    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, host, NULL), -1);
    assert_non_null(strstr(err, "': host longer than 253 characters"));
    /* The element text in the message is cut after 64 bytes. */
    assert_non_null(strstr(err,
                           "chain element 1 'tcp:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaa...'"));
    char big[CHAIN_ELEM_MAX_LEN + 8];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, big, NULL), -1);
    assert_non_null(strstr(err, "': element longer than 1024 bytes"));

    char *argv[1] = {"tcp:h:1"};
    assert_int_equal(chain_parse(&c, NULL, 0, argv, CHAIN_USE_CONNECT, err, sizeof(err)), -1);
    assert_string_equal(err, "no chain given (e.g. tcp:HOST:PORT)");
}

/* A table with a layer kind that has options of every type, as later kinds
 * (tls:, ssh:) will. */
static int opt_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                     size_t cap)
{
    (void)use;
    return chain_parse_opts(e, body, err, cap);
}
/* Pushes a framing layer keyed by depth=, or refuses when sni=fail. */
static strata_status push_frame(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                                strata_error *err)
{
    (void)use;
    const struct chain_opt *sni = chain_elem_opt(e, "sni");
    if (sni && !strcmp(sni->str, "fail"))
        return strata__error_set(err, STRATA_E_USAGE, "refused by the test");
    const struct chain_opt *depth = chain_elem_opt(e, "depth");
    return strata_stack_push(s, framelayer_new((uint8_t)(depth ? depth->num : 1), 0), NULL, 0);
}

static const struct chain_opt_def test_opts[] = {
    {"sni", CHAIN_OPT_STRING, 0, 0},
    {"depth", CHAIN_OPT_UINT, 1, 9},
    {"insecure", CHAIN_OPT_FLAG, 0, 0},
    {NULL, CHAIN_OPT_FLAG, 0, 0},
};
static const struct chain_kind test_kinds[] = {
    {"tcp", "", "", CHAIN_KIND_TRANSPORT | CHAIN_KIND_TARGET, NULL, NULL, NULL, NULL},
    {"lay", "lay:OPTS", "a test layer", 0, opt_parse, test_opts, push_frame, NULL},
    {NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

static int parse_t(struct chain *c, char *err, const char *layer)
{
    char *argv[2] = {"tcp:h:1", (char *)layer};
    struct chain_kind kinds[3];
    memcpy(kinds, test_kinds, sizeof(kinds));
    kinds[0] = chain_kinds[0];
    return chain_parse(c, kinds, 2, argv, CHAIN_USE_CONNECT, err, CHAIN_ERR_MAX);
}

static void expect_opt_error(const char *layer, const char *want)
{
    struct chain c;
    char err[CHAIN_ERR_MAX];
    assert_int_equal(parse_t(&c, err, layer), -1);
    char full[CHAIN_ERR_MAX + 64];
    snprintf(full, sizeof(full), "chain element 2 '%s': %s", layer, want);
    assert_string_equal(err, full);
}

static void test_options(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX];
    assert_int_equal(parse_t(&c, err, "lay:sni=example.org,depth=3,insecure"), 0);
    const struct chain_elem *e = &c.elems[1];
    assert_int_equal(e->n_opts, 3);
    assert_string_equal(chain_elem_opt(e, "sni")->str, "example.org");
    assert_int_equal(chain_elem_opt(e, "depth")->num, 3);
    assert_int_equal(chain_elem_opt(e, "insecure")->num, 1);
    chain_free(&c);

    assert_int_equal(parse_t(&c, err, "lay:"), 0);
    assert_int_equal(c.elems[1].n_opts, 0);
    assert_null(chain_elem_opt(&c.elems[1], "sni"));
    chain_free(&c);

    /* A string value runs to the next ','; it may hold '='. */
    assert_int_equal(parse_t(&c, err, "lay:sni=a=b"), 0);
    assert_string_equal(chain_elem_opt(&c.elems[1], "sni")->str, "a=b");
    chain_free(&c);

    assert_int_equal(parse_t(&c, err, "lay:insecure=0"), 0);
    assert_int_equal(chain_elem_opt(&c.elems[1], "insecure")->num, 0);
    chain_free(&c);

    expect_opt_error("lay:foo", "unknown option 'foo'");
    expect_opt_error("lay:sni=a,foo=b", "unknown option 'foo'");
    expect_opt_error("lay:sni", "option 'sni' needs a value");
    expect_opt_error("lay:sni=", "option 'sni' needs a value");
    expect_opt_error("lay:depth=x", "option 'depth': 'x' is not a number");
    expect_opt_error("lay:depth=10", "option 'depth': 10 out of range 1-9");
    expect_opt_error("lay:depth=99999999999999", "option 'depth': 99999999999999 out of range 1-9");
    expect_opt_error("lay:insecure=yes", "option 'insecure' takes 0 or 1, not 'yes'");
    expect_opt_error("lay:sni=a,sni=b", "option 'sni' given twice");
    expect_opt_error("lay:sni=a,", "empty option");
    expect_opt_error("lay:,sni=a", "empty option");
    expect_opt_error("lay:sni=a,insecure=1=", "option 'insecure' takes 0 or 1, not '1='");

    /* At most CHAIN_MAX_ELEMS elements: a transport and 16 layers. */
    char *many[CHAIN_MAX_ELEMS + 1];
    many[0] = "tcp:h:1";
    for (size_t i = 1; i < CHAIN_MAX_ELEMS + 1; i++)
        many[i] = "lay:";
    struct chain_kind kinds[3];
    memcpy(kinds, test_kinds, sizeof(kinds));
    kinds[0] = chain_kinds[0];
    assert_int_equal(
        chain_parse(&c, kinds, CHAIN_MAX_ELEMS, many, CHAIN_USE_CONNECT, err, sizeof(err)), 0);
    assert_int_equal(c.n, CHAIN_MAX_ELEMS);
    chain_free(&c);
    assert_int_equal(
        chain_parse(&c, kinds, CHAIN_MAX_ELEMS + 1, many, CHAIN_USE_CONNECT, err, sizeof(err)), -1);
    assert_string_equal(err, "chain element 18 'lay:': too many elements (at most 17)");

    char *argv[1] = {"lay:sni=x"};
    assert_int_equal(chain_parse(&c, kinds, 1, argv, CHAIN_USE_CONNECT, err, sizeof(err)), -1);
    assert_string_equal(err, "chain element 1 'lay:sni=x': the first element must be a transport "
                             "(tcp:HOST:PORT)");
}

static void test_push_layers(void **state)
{
    (void)state;
    struct chain_kind kinds[3];
    memcpy(kinds, test_kinds, sizeof(kinds));
    kinds[0] = chain_kinds[0];
    char *argv[3] = {"tcp:h:1", "lay:depth=1", "lay:depth=2"};
    struct chain c;
    char err[CHAIN_ERR_MAX];
    strata_stack *s = NULL;
    assert_ok(strata_stack_new(NULL, &s));
    assert_int_equal(chain_parse(&c, kinds, 3, argv, CHAIN_USE_CONNECT, err, sizeof(err)), 0);
    assert_ok(chain_push_layers(&c, s, CHAIN_USE_CONNECT, err, sizeof(err)));
    assert_int_equal(strata_stack_depth(s), 2);
    chain_free(&c);
    strata_stack_free(s);

    argv[2] = "lay:sni=fail";
    assert_ok(strata_stack_new(NULL, &s));
    assert_int_equal(chain_parse(&c, kinds, 3, argv, CHAIN_USE_CONNECT, err, sizeof(err)), 0);
    assert_status(chain_push_layers(&c, s, CHAIN_USE_CONNECT, err, sizeof(err)), STRATA_E_USAGE);
    assert_string_equal(err, "chain element 3 'lay:sni=fail': refused by the test");
    assert_int_equal(strata_stack_depth(s), 1);
    chain_free(&c);
    strata_stack_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_forms),   cmocka_unit_test(test_bad_elements),
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_options),
        cmocka_unit_test(test_push_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
