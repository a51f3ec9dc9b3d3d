/* tools/strata/ssh_config: ssh_config(5) subset, -o options, first-wins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "strata/ssh_config.h"

static strata_status apply(strata_ssh_config *c, const char *text, const char *host,
                           strata_error *err)
{
    strata_error_clear(err);
    return strata_ssh_config_apply_text(c, text, strlen(text), "cfg", host, "/home/u", err);
}

static void expect_error(const char *text, const char *host, strata_status st, const char *msg)
{
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    assert_status(apply(&c, text, host, &err), st);
    assert_string_equal(strata_error_message(&err), msg);
    strata_ssh_config_free(&c);
}

static void test_host_patterns(void **state)
{
    (void)state;
    assert_true(strata_ssh_config_host_match("example.com", "*"));
    assert_true(strata_ssh_config_host_match("example.com", "*.com"));
    assert_true(strata_ssh_config_host_match("EXAMPLE.com", "example.COM"));
    assert_true(strata_ssh_config_host_match("web1", "web?"));
    assert_false(strata_ssh_config_host_match("web10", "web?"));
    assert_true(strata_ssh_config_host_match("b", "a b c"));
    assert_true(strata_ssh_config_host_match("b", "a,b,c"));
    assert_false(strata_ssh_config_host_match("d", "a b c"));
    assert_false(strata_ssh_config_host_match("bad.example.com", "*.example.com !bad.example.com"));
    assert_true(strata_ssh_config_host_match("good.example.com", "*.example.com !bad.example.com"));
    assert_false(strata_ssh_config_host_match("x", "!y")); /* negation alone matches nothing */
    assert_false(strata_ssh_config_host_match("", "?"));
    assert_true(strata_ssh_config_host_match("", "*"));
    /* Many stars cost linear backtracking, not exponential time. */
    assert_false(strata_ssh_config_host_match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
                                              "*a*a*a*a*a*a*a*a*a*a*a*a*c"));
    assert_true(strata_ssh_config_host_match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
                                             "*a*a*a*a*a*a*a*a*a*a*a*a*b"));
    assert_true(strata_ssh_config_host_match("a.b.c", "*.*.*"));
    assert_false(strata_ssh_config_host_match("a.b", "*.*.*"));
}

/* ServerAliveCountMax: unset is -1 (the layer's default, 3), a number is
 * kept, 0 means never (as OpenSSH), and a non-number names the option. */
static void test_server_alive_count_max(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    assert_int_equal(c.server_alive_count_max, -1);
    assert_ok(apply(&c, "ServerAliveCountMax 5\nServerAliveCountMax 9\n", "h", &err));
    assert_int_equal(c.server_alive_count_max, 5); /* the first value wins */
    strata_ssh_config_free(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "ServerAliveCountMax=0", &err));
    assert_int_equal(c.server_alive_count_max, 0);
    strata_ssh_config_free(&c);
    assert_int_equal(strata_ssh_config_apply_option(&c, "ServerAliveCountMax=many", &err),
                     STRATA_E_SSH_CONFIG);
    assert_non_null(
        strstr(strata_error_message(&err), "bad number \"many\" for ServerAliveCountMax"));
    strata_ssh_config_free(&c);
}

static void test_first_value_wins(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "Port=2222", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "user alice", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "IdentityFile=~/cli_key", &err));
    static const char cfg[] = "# global\n"
                              "Compression yes\n"
                              "Host web*\n"
                              "  HostName %h.internal\n"
                              "  Port 22\n"
                              "  User bob\n"
                              "  IdentityFile ~/.ssh/id_%h\n"
                              "  ConnectTimeout 10\n"
                              "Host *\n"
                              "  HostName never.used\n"
                              "  ConnectTimeout 99\n"
                              "  Compression no\n"
                              "  IdentityFile ~/.ssh/id_default\n"
                              "  StrictHostKeyChecking accept-new\n";
    assert_ok(apply(&c, cfg, "web1", &err));
    assert_ok(strata_ssh_config_finish(&c, "web1", "localme", "/home/u", "laptop", &err));
    assert_int_equal(c.port, 2222);       /* command line first */
    assert_string_equal(c.user, "alice"); /* command line first */
    assert_string_equal(c.hostname, "web1.internal");
    assert_int_equal(c.connect_timeout, 10); /* earlier block first */
    assert_int_equal(c.compression, 1);      /* global line before the blocks */
    assert_int_equal(c.strict_host_key_checking, STRATA_SSHC_STRICT_ACCEPT_NEW);
    assert_int_equal(c.n_identity_files, 3); /* accumulate, in order */
    assert_string_equal(c.identity_files[0], "/home/u/cli_key");
    assert_string_equal(c.identity_files[1], "/home/u/.ssh/id_web1.internal");
    assert_string_equal(c.identity_files[2], "/home/u/.ssh/id_default");
    assert_int_equal(c.batch_mode, -1); /* never set */
    strata_ssh_config_free(&c);
}

static void test_negation_and_lists(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    static const char cfg[] = "Host *.corp !jump.corp\n"
                              "  ProxyJump jump.corp\n"
                              "Host alpha beta\n"
                              "  User listed\n"
                              "Host *\n"
                              "  User fallback\n";
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "db.corp", &err));
    assert_string_equal(c.proxy_jump, "jump.corp");
    assert_string_equal(c.user, "fallback");
    strata_ssh_config_free(&c);
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "jump.corp", &err));
    assert_null(c.proxy_jump); /* negated: the block does not apply */
    strata_ssh_config_free(&c);
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "beta", &err));
    assert_string_equal(c.user, "listed");
    strata_ssh_config_free(&c);
}

static void test_syntax_forms_and_values(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    static const char cfg[] = "hostname=h.example\n"
                              "PORT = 2200\n"
                              "\tuser\t\"quoted user\"\r\n"
                              "KexAlgorithms +diffie-hellman-group1-sha1\n"
                              "Ciphers aes128-ctr,aes256-gcm@openssh.com\n"
                              "MACs ^hmac-sha1\n"
                              "HostKeyAlgorithms -ssh-rsa\n"
                              "RekeyLimit 1G 1h\n"
                              "ServerAliveInterval 1m30s\n"
                              "BatchMode yes\n"
                              "IdentitiesOnly no\n"
                              "IdentityAgent ~/agent.%r\n"
                              "UserKnownHostsFile %d/kh_%h_%p\n"
                              "LogLevel debug2\n"
                              "LocalForward 8080 internal:80\n"
                              "LocalForward 127.0.0.1:9090 [::1]:22\n";
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "x", &err));
    assert_ok(strata_ssh_config_finish(&c, "x", "me", "/home/u", NULL, &err));
    assert_string_equal(c.hostname, "h.example");
    assert_int_equal(c.port, 2200);
    assert_string_equal(c.user, "quoted user");
    assert_string_equal(c.kex_algorithms, "+diffie-hellman-group1-sha1");
    assert_string_equal(c.ciphers, "aes128-ctr,aes256-gcm@openssh.com");
    assert_string_equal(c.macs, "^hmac-sha1");
    assert_string_equal(c.host_key_algorithms, "-ssh-rsa");
    assert_true(c.rekey_bytes == (1ull << 30));
    assert_int_equal(c.rekey_seconds, 3600);
    assert_int_equal(c.server_alive_interval, 90);
    assert_int_equal(c.batch_mode, 1);
    assert_int_equal(c.identities_only, 0);
    assert_string_equal(c.identity_agent, "/home/u/agent.quoted user");
    assert_string_equal(c.user_known_hosts_file, "/home/u/kh_h.example_2200");
    assert_int_equal(c.log_level, STRATA_SSHC_LOG_DEBUG2);
    assert_int_equal(c.n_forwards, 2);
    assert_null(c.forwards[0].bind);
    assert_int_equal(c.forwards[0].port, 8080);
    assert_string_equal(c.forwards[0].host, "internal");
    assert_int_equal(c.forwards[0].host_port, 80);
    assert_string_equal(c.forwards[1].bind, "127.0.0.1");
    assert_string_equal(c.forwards[1].host, "::1");
    strata_ssh_config_free(&c);
    /* Defaults from finish: port 22, the local user. */
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_finish(&c, "plain", "me", NULL, NULL, &err));
    assert_int_equal(c.port, 22);
    assert_string_equal(c.user, "me");
    assert_string_equal(c.hostname, "plain");
    strata_ssh_config_free(&c);
}

static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    expect_error("Port 22\nFrobnicate yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: unknown option \"Frobnicate\"");
    /* Unknown options are errors even inside blocks that do not apply. */
    expect_error("Host other\n  Bogus 1\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: unknown option \"Bogus\"");
    expect_error("\n\nMatch host foo\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 3: Match is not supported by strata (use Host)");
    expect_error("Port 0\n", "h", STRATA_E_SSH_CONFIG, "cfg line 1: bad port \"0\"");
    expect_error("Port 65536\n", "h", STRATA_E_SSH_CONFIG, "cfg line 1: bad port \"65536\"");
    expect_error("Port\n", "h", STRATA_E_SSH_CONFIG, "cfg line 1: Port needs a value");
    expect_error("Port 22 23\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: too many values for Port (\"23\")");
    expect_error("BatchMode maybe\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: BatchMode must be yes or no, not \"maybe\"");
    expect_error("StrictHostKeyChecking sometimes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: StrictHostKeyChecking must be yes, no, accept-new or ask, not "
                 "\"sometimes\"");
    expect_error("ConnectTimeout 5x\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad time \"5x\" for ConnectTimeout");
    expect_error("Ciphers aes128-ctr,,x\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad algorithm list \"aes128-ctr,,x\" for Ciphers");
    expect_error("RekeyLimit 8\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad RekeyLimit size \"8\"");
    expect_error("LogLevel loud\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: unknown LogLevel \"loud\"");
    expect_error("LocalForward 80\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: LocalForward needs two values");
    expect_error("LocalForward 80 nohostport\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad LocalForward \"80 nohostport\" ([bind:]port host:hostport)");
    expect_error("User \"open\n", "h", STRATA_E_SSH_CONFIG, "cfg line 1: unterminated quote");
    expect_error("Host\n", "h", STRATA_E_SSH_CONFIG, "cfg line 1: Host needs at least one pattern");

    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    assert_status(strata_ssh_config_apply_option(&c, "NoSuchThing=1", &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err),
                        "-o \"NoSuchThing=1\": unknown option \"NoSuchThing\"");
    strata_error_clear(&err);
    assert_status(strata_ssh_config_apply_option(&c, "Host=x", &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err), "-o \"Host=x\": Host is not allowed with -o");
    strata_error_clear(&err);
    assert_status(strata_ssh_config_apply_option(&c, "", &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err), "-o \"\": empty option");
    /* Unknown token in a path, found by finish. */
    assert_ok(strata_ssh_config_apply_option(&c, "IdentityFile=/k/%z", &err));
    strata_error_clear(&err);
    assert_status(strata_ssh_config_finish(&c, "h", "me", "/home/u", NULL, &err),
                  STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err), "IdentityFile \"%z\": unknown token %z");
    strata_ssh_config_free(&c);
    /* ~ without a home directory. */
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "IdentityFile ~/k", &err));
    strata_error_clear(&err);
    assert_status(strata_ssh_config_finish(&c, "h", "me", NULL, NULL, &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err),
                        "IdentityFile \"~/k\": no home directory for ~");
    strata_ssh_config_free(&c);
}

static void test_ignore_unknown(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    static const char cfg[] = "IgnoreUnknown ForwardAgent,Send*\n"
                              "Host other\n"
                              "  SendEnv LANG\n"
                              "Host *\n"
                              "  forwardagent yes\n"
                              "  User u\n";
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "h", &err));
    assert_string_equal(c.user, "u");
    strata_ssh_config_free(&c);
    /* Only the named options, and only after the IgnoreUnknown line. */
    expect_error("IgnoreUnknown ForwardAgent\nAddKeysToAgent yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: unknown option \"AddKeysToAgent\"");
    expect_error("ForwardAgent yes\nIgnoreUnknown ForwardAgent\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: unknown option \"ForwardAgent\"");
    /* A -o IgnoreUnknown comes first of all. */
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "IgnoreUnknown=*", &err));
    assert_ok(apply(&c, "UseKeychain yes\nPort 7\n", "h", &err));
    assert_int_equal(c.port, 7);
    strata_ssh_config_free(&c);
}

static void test_tokens(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "HostName=%h.example.org", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "User=root", &err));
    assert_ok(
        strata_ssh_config_apply_option(&c, "IdentityFile=%d/.ssh/%r@%h:%p-%u-%n-%l-100%%", &err));
    strata_error_clear(&err);
    assert_ok(strata_ssh_config_finish(&c, "srv", "me", "/home/me", "box", &err));
    assert_string_equal(c.hostname, "srv.example.org");
    assert_string_equal(c.identity_files[0],
                        "/home/me/.ssh/root@srv.example.org:22-me-srv-box-100%");
    strata_ssh_config_free(&c);
}

/* A throw-away home directory with an empty .ssh in it. */
static void make_home(char *home)
{
    char path[256];
    assert_non_null(mkdtemp(home));
    snprintf(path, sizeof(path), "%s/.ssh", home);
    assert_int_equal(mkdir(path, 0700), 0);
}

/* Writes text to dir/name; the path goes to path (256 bytes). */
static void write_text(const char *dir, const char *name, const char *text, char *path)
{
    snprintf(path, 256, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_include_and_file(void **state)
{
    (void)state;
    char home[] = "/tmp/strata-sshcfg-XXXXXX";
    char path[256];
    make_home(home);
    write_text(home, ".ssh/extra.conf", "Host inc\n  Port 4444\nHost *\n  User from-include\n",
               path);
    write_text(home, ".ssh/config",
               "Include extra.*\nInclude nothing-matches-*\nHost *\n  Port 1\n  User late\n", path);
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    assert_ok(strata_ssh_config_apply_file(&c, path, 1, "inc", home, &err));
    assert_int_equal(c.port, 4444);
    assert_string_equal(c.user, "from-include");
    strata_ssh_config_free(&c);
    /* Missing files: fine when optional, an error when required (-F). */
    snprintf(path, sizeof(path), "%s/.ssh/absent", home);
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_apply_file(&c, path, 0, "h", home, &err));
    assert_status(strata_ssh_config_apply_file(&c, path, 1, "h", home, &err), STRATA_E_IO);
    strata_ssh_config_free(&c);
    /* An Include loop stops at the depth bound. */
    write_text(home, ".ssh/loop", "Include loop\n", path);
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    assert_status(strata_ssh_config_apply_file(&c, path, 1, "h", home, &err), STRATA_E_SSH_CONFIG);
    assert_true(strstr(strata_error_message(&err), "Include nested more than 8 deep (\"loop\")"));
    strata_ssh_config_free(&c);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
}

static void test_resolve(void **state)
{
    (void)state;
    char home[] = "/tmp/strata-sshres-XXXXXX", path[256], other[256];
    make_home(home);
    write_text(home, ".ssh/config", "Host *\n  Port 2022\n  IdentityFile ~/.ssh/id_%h\n", path);
    write_text(home, "other", "Port 3033\n", other);
    char *saved = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    assert_int_equal(setenv("HOME", home, 1), 0);
    strata_ssh_config c;
    strata_error err;
    char *opts[] = {"User=x", "IdentityFile=/cli"};
    /* Default file. */
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    assert_ok(strata_ssh_config_resolve(&c, "srv", opts, 2, NULL, &err));
    assert_int_equal(c.port, 2022);
    assert_string_equal(c.user, "x");
    assert_int_equal(c.n_identity_files, 2);
    assert_string_equal(c.identity_files[0], "/cli");
    char want[300];
    snprintf(want, sizeof(want), "%s/.ssh/id_srv", home);
    assert_string_equal(c.identity_files[1], want);
    strata_ssh_config_free(&c);
    /* -F other, -F none. */
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_resolve(&c, "srv", NULL, 0, other, &err));
    assert_int_equal(c.port, 3033);
    assert_non_null(c.user); /* the local user */
    strata_ssh_config_free(&c);
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_resolve(&c, "srv", NULL, 0, "none", &err));
    assert_int_equal(c.port, 22);
    strata_ssh_config_free(&c);
    /* -F of a missing file is an error; a bad -o stops before any file. */
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    snprintf(path, sizeof(path), "%s/absent", home);
    assert_status(strata_ssh_config_resolve(&c, "srv", NULL, 0, path, &err), STRATA_E_IO);
    strata_ssh_config_free(&c);
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    char *bad[] = {"Port=x"};
    assert_status(strata_ssh_config_resolve(&c, "srv", bad, 1, NULL, &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err), "-o \"Port=x\": bad port \"x\"");
    strata_ssh_config_free(&c);
    if (saved) {
        assert_int_equal(setenv("HOME", saved, 1), 0);
        free(saved);
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_patterns),
        cmocka_unit_test(test_first_value_wins),
        cmocka_unit_test(test_server_alive_count_max),
        cmocka_unit_test(test_negation_and_lists),
        cmocka_unit_test(test_syntax_forms_and_values),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_ignore_unknown),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_include_and_file),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
