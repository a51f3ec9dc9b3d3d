/* tls: threads (the seed's Internals §4.2) - connections on separate threads
 * at once, sharing one client and one server context; every callback runs on
 * the thread that drives its connection. */
#include <pthread.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"

#define THREADS 4
#define ROUNDS 12

static strata_tls_ctx *cctx, *sctx;

/* app data of each connection: the thread driving it, and whether every
 * callback saw that thread. */
struct owner {
    pthread_t thread;
    int calls, foreign;
};

static void on_keylog(const strata_tls_conn *conn, const char *line, void *user)
{
    (void)line;
    (void)user;
    struct owner *o = strata_tls_conn_get_app_data(conn);
    o->calls++;
    if (!pthread_equal(o->thread, pthread_self()))
        o->foreign++;
}

static int on_verify(strata_tls_conn *conn, const strata_x509 *cert, int errnum, int depth,
                     int preverify_ok, void *user)
{
    (void)cert;
    (void)errnum;
    (void)depth;
    (void)user;
    struct owner *o = strata_tls_conn_get_app_data(conn);
    o->calls++;
    if (!pthread_equal(o->thread, pthread_self()))
        o->foreign++;
    return preverify_ok;
}

struct result {
    int ok, calls, foreign;
};

static void *worker(void *arg)
{
    struct result *res = arg;
    for (int i = 0; i < ROUNDS; i++) {
        strata_tls_conn *c, *s;
        struct owner oc = {pthread_self(), 0, 0}, os = {pthread_self(), 0, 0};
        tu_pair(cctx, sctx, &c, &s);
        strata_tls_conn_set_app_data(c, &oc);
        strata_tls_conn_set_app_data(s, &os);
        strata_status rs, rc = tu_handshake(c, s, &rs, 0);
        size_t sent, n;
        char buf[16];
        if (rc == STRATA_OK && rs == STRATA_OK &&
            strata_tls_conn_send(c, "thread", 6, &sent) == STRATA_OK && tu_pump(c, s, 0) > 0 &&
            strata_tls_conn_recv(s, buf, sizeof(buf), &n) == STRATA_OK && n == 6)
            res->ok++;
        res->calls += oc.calls + os.calls;
        res->foreign += oc.foreign + os.foreign;
        strata_tls_conn_free(c);
        strata_tls_conn_free(s);
    }
    return NULL;
}

static void test_threads_share_contexts(void **state)
{
    (void)state;
    cctx = tu_client_ctx();
    sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx_set_keylog_callback(cctx, on_keylog, NULL);
    strata_tls_ctx_set_keylog_callback(sctx, on_keylog, NULL);
    assert_ok(strata_tls_ctx_set_verify(cctx, STRATA_TLS_VERIFY_PEER, on_verify, NULL));
    pthread_t t[THREADS];
    struct result res[THREADS];
    memset(res, 0, sizeof(res));
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &res[i]), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(res[i].ok, ROUNDS);
        /* 5 key log lines on each side and 2 verify calls per handshake. */
        assert_int_equal(res[i].calls, ROUNDS * (5 + 5 + 2));
        assert_int_equal(res[i].foreign, 0);
    }
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_contexts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
