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
    expect_error("\n\nMatch localnetwork 10.0.0.0/8\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 3: Match localnetwork is not supported by strata");
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
                 "cfg line 1: bad LocalForward \"80\" ([bind:]port host:hostport)");
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
    static const char cfg[] = "IgnoreUnknown UseKeychain,Apple*\n"
                              "Host other\n"
                              "  AppleThing LANG\n"
                              "Host *\n"
                              "  usekeychain yes\n"
                              "  User u\n";
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "h", &err));
    assert_string_equal(c.user, "u");
    /* An ignored unknown keyword is noted (for -v), only where it applies. */
    assert_int_equal(c.n_notes, 1);
    assert_string_equal(c.notes[0],
                        "cfg line 5: ignoring usekeychain (unknown option, IgnoreUnknown)");
    strata_ssh_config_free(&c);
    /* Only the named options, and only after the IgnoreUnknown line. */
    expect_error("IgnoreUnknown UseKeychain\nAppleThing yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: unknown option \"AppleThing\"");
    expect_error("UseKeychain yes\nIgnoreUnknown UseKeychain\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: unknown option \"UseKeychain\"");
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

/* Every keyword in OpenSSH 10.5's readconf.c table (but Host, Match,
 * Include, and the refused RefuseConnection/HostKeyAlias, tested below) is
 * accepted; each one strata does not implement leaves a note for -v. */
static void test_every_openssh_keyword(void **state)
{
    (void)state;
    static const char cfg[] = "addkeystoagent confirm\n"
                              "addressfamily no\n"
                              "afstokenpassing no\n"
                              "batchmode no\n"
                              "bindaddress no\n"
                              "bindinterface no\n"
                              "canonicaldomains no\n"
                              "canonicalizefallbacklocal no\n"
                              "canonicalizehostname no\n"
                              "canonicalizemaxdots no\n"
                              "canonicalizepermittedcnames no\n"
                              "casignaturealgorithms no\n"
                              "certificatefile ~/c1\n"
                              "challengeresponseauthentication no\n"
                              "channeltimeout no\n"
                              "checkhostip no\n"
                              "cipher no\n"
                              "ciphers +aes128-cbc\n"
                              "clearallforwardings no\n"
                              "compression no\n"
                              "compressionlevel no\n"
                              "connectionattempts no\n"
                              "connecttimeout 5\n"
                              "controlmaster auto\n"
                              "controlpath /tmp/%C\n"
                              "controlpersist 10m\n"
                              "dsaauthentication no\n"
                              "dynamicforward 1080\n"
                              "enableescapecommandline no\n"
                              "enablesshkeysign no\n"
                              "escapechar ~\n"
                              "exitonforwardfailure no\n"
                              "fallbacktorsh no\n"
                              "fingerprinthash no\n"
                              "forkafterauthentication no\n"
                              "forwardagent no\n"
                              "forwardx11 no\n"
                              "forwardx11timeout no\n"
                              "forwardx11trusted no\n"
                              "gatewayports no\n"
                              "globalknownhostsfile /etc/ssh/ssh_known_hosts\n"
                              "globalknownhostsfile2 no\n"
                              "gssapiauthentication no\n"
                              "gssapidelegatecredentials no\n"
                              "hashknownhosts no\n"
                              "hostbasedacceptedalgorithms no\n"
                              "hostbasedauthentication no\n"
                              "hostbasedkeytypes no\n"
                              "hostkeyalgorithms ssh-ed25519\n"
                              "hostname x\n"
                              "identitiesonly no\n"
                              "identityagent none\n"
                              "identityfile ~/k1\n"
                              "identityfile2 ~/k2\n"
                              "ignoreunknown UseKeychain\n"
                              "ipqos no\n"
                              "kbdinteractiveauthentication no\n"
                              "kbdinteractivedevices no\n"
                              "keepalive no\n"
                              "kerberosauthentication no\n"
                              "kerberostgtpassing no\n"
                              "kexalgorithms ^curve25519-sha256\n"
                              "knownhostscommand no\n"
                              "localcommand no\n"
                              "localforward 1 h:2\n"
                              "loglevel INFO\n"
                              "logverbose no\n"
                              "macs -hmac-sha1\n"
                              "nohostauthenticationforlocalhost no\n"
                              "numberofpasswordprompts 2\n"
                              "obscurekeystroketiming no\n"
                              "passwordauthentication no\n"
                              "permitlocalcommand no\n"
                              "permitremoteopen no\n"
                              "pkcs11provider no\n"
                              "port 2222\n"
                              "preferredauthentications no\n"
                              "protocol no\n"
                              "proxycommand nc %h %p\n"
                              "proxyjump none\n"
                              "proxyusefdpass no\n"
                              "pubkeyacceptedalgorithms ssh-ed25519\n"
                              "pubkeyacceptedkeytypes ssh-ed25519\n"
                              "pubkeyauthentication no\n"
                              "rekeylimit 1G 1h\n"
                              "remotecommand uptime\n"
                              "remoteforward 3 h:4\n"
                              "requesttty auto\n"
                              "requiredrsasize 1024\n"
                              "revokedhostkeys none\n"
                              "rhostsauthentication no\n"
                              "rhostsrsaauthentication no\n"
                              "rsaauthentication no\n"
                              "securitykeyprovider no\n"
                              "sendenv LANG\n"
                              "serveralivecountmax 2\n"
                              "serveraliveinterval 5\n"
                              "sessiontype no\n"
                              "setenv A=b\n"
                              "skeyauthentication no\n"
                              "smartcarddevice no\n"
                              "stdinnull no\n"
                              "streamlocalbindmask no\n"
                              "streamlocalbindunlink no\n"
                              "stricthostkeychecking ask\n"
                              "syslogfacility no\n"
                              "tag t\n"
                              "tcpkeepalive no\n"
                              "tisauthentication no\n"
                              "tunnel no\n"
                              "tunneldevice no\n"
                              "updatehostkeys no\n"
                              "useprivilegedport no\n"
                              "user u\n"
                              "userknownhostsfile ~/kh\n"
                              "userknownhostsfile2 no\n"
                              "useroaming no\n"
                              "usersh no\n"
                              "verifyhostkeydns no\n"
                              "versionaddendum no\n"
                              "visualhostkey no\n"
                              "warnweakcrypto no-pq-kex\n"
                              "xauthlocation no\n";
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, cfg, "h", &err));
    assert_int_equal(c.n_notes, 67); /* the keywords strata ignores */
    assert_int_equal(c.n_notes_dropped, 0);
    int seen_x11 = 0, seen_gss = 0, seen_protocol = 0;
    for (size_t i = 0; i < c.n_notes; i++) {
        seen_x11 |= strstr(c.notes[i], "ignoring ForwardX11 (not implemented by strata)") != NULL;
        seen_gss |= strstr(c.notes[i], "ignoring GSSAPIAuthentication (not implemented") != NULL;
        seen_protocol |= strstr(c.notes[i], "ignoring Protocol (deprecated)") != NULL;
    }
    assert_true(seen_x11 && seen_gss && seen_protocol);
    strata_ssh_config_free(&c);
    /* A keyword OpenSSH does not know is still an error naming file and line. */
    expect_error("Host *\n  UseKeychain yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: unknown option \"UseKeychain\"");
    /* Ignored keywords in a block that does not apply leave no note. */
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, "Host other\n  ForwardX11 yes\nHost h\n  TCPKeepAlive no\n", "h", &err));
    assert_int_equal(c.n_notes, 1);
    assert_string_equal(c.notes[0],
                        "cfg line 4: ignoring TCPKeepAlive (not implemented by strata)");
    strata_ssh_config_free(&c);
    /* The keyword list strata publishes covers them. */
    const char *names[256];
    size_t n = strata_ssh_config_keywords(names, 256);
    assert_true(n >= 120 && n <= 256);
}

/* Where ignoring a keyword would weaken security the user asked for, it is
 * an error naming it; the safe values are accepted. */
static void test_security_refusals(void **state)
{
    (void)state;
    expect_error("CheckHostIP yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: CheckHostIP yes: strata does not check the server's address "
                 "against known_hosts; remove it or use OpenSSH's ssh");
    expect_error("VerifyHostKeyDNS ask\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: VerifyHostKeyDNS ask: strata does not check host keys against "
                 "SSHFP records in DNS; remove it or use OpenSSH's ssh");
    expect_error("Host h\n HostKeyAlias k\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: HostKeyAlias k: strata looks host keys up under the host name, not "
                 "an alias, so the key this alias pins would not be the one checked; remove it "
                 "or use OpenSSH's ssh");
    expect_error("RevokedHostKeys /etc/ssh/revoked\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: RevokedHostKeys /etc/ssh/revoked: strata does not read a revoked "
                 "host key list; remove it or use OpenSSH's ssh");
    expect_error("ObscureKeystrokeTiming yes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: ObscureKeystrokeTiming yes: strata does not obscure keystroke "
                 "timing; remove it or use OpenSSH's ssh");
    expect_error("RequiredRSASize 3072\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: RequiredRSASize 3072: strata enforces 1024 bits only, and ignoring "
                 "a larger floor would accept weaker keys");
    expect_error("Match all\n  RefuseConnection use the bastion\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 2: RefuseConnection: use the bastion");
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    /* Safe values, and any value where the block does not apply. */
    assert_ok(apply(&c,
                    "CheckHostIP no\nVerifyHostKeyDNS no\nRevokedHostKeys none\n"
                    "ObscureKeystrokeTiming no\nRequiredRSASize 1024\n"
                    "Host other\n  HostKeyAlias k\n  CheckHostIP yes\n  RefuseConnection x\n",
                    "h", &err));
    assert_int_equal(c.required_rsa_size, 1024);
    strata_ssh_config_free(&c);
}

static int exec_calls;
static char exec_last[256];
static int fake_exec(void *user, const char *command, strata_error *err)
{
    (void)user;
    exec_calls++;
    snprintf(exec_last, sizeof exec_last, "%s", command);
    if (strstr(command, "broken"))
        return strata_error_set(err, STRATA_E_IO, "cannot run"), -1;
    return strstr(command, "true") != NULL;
}

static void match_cfg(strata_ssh_config *c)
{
    strata_ssh_config_init(c);
    assert_ok(strata_ssh_config_set_context(c, "me", "laptop.example.org", NULL, 1000));
    c->exec = fake_exec;
}

static void test_match(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    static const char cfg[] = "Match host web*.internal user bob\n"
                              "  Port 1\n"
                              "Match originalhost web1 !user root\n"
                              "  ConnectTimeout 7\n"
                              "Match localuser me\n"
                              "  ServerAliveCountMax 9\n"
                              "Match localuser=other\n"
                              "  NumberOfPasswordPrompts 8\n"
                              "Match host nomatch exec \"true %h\"\n"
                              "  Compression yes\n"
                              "Match exec \"true %h %p %r %u %l %L %n %i %%\"\n"
                              "  BatchMode yes\n"
                              "Match !exec \"false\" host web1.internal\n"
                              "  IdentitiesOnly yes\n"
                              "Match final\n"
                              "  HashKnownHosts yes\n"
                              "Match !final\n"
                              "  ExitOnForwardFailure yes\n"
                              "Match all\n"
                              "  Tag t1\n"
                              "Match tagged t1\n"
                              "  EscapeChar ^A\n"
                              "Match canonical\n"
                              "  ClearAllForwardings yes\n"
                              "Host *\n"
                              "  HostName never\n";
    match_cfg(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "HostName=%h.internal", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "User=bob", &err));
    exec_calls = 0;
    assert_ok(apply(&c, cfg, "web1", &err));
    assert_int_equal(c.port, 1);                   /* host (HostName with %h) and user */
    assert_int_equal(c.connect_timeout, 7);        /* originalhost, !user */
    assert_int_equal(c.server_alive_count_max, 9); /* localuser */
    assert_int_equal(c.number_of_password_prompts, -1);
    assert_int_equal(c.compression, -1); /* exec not run: host failed first */
    assert_int_equal(c.batch_mode, 1);
    assert_int_equal(c.identities_only, 1); /* !exec false */
    assert_int_equal(exec_calls, 2);
    assert_string_equal(exec_last, "false");
    assert_int_equal(c.hash_known_hosts, -1); /* final: only on the final pass */
    assert_int_equal(c.exit_on_forward_failure, 1);
    assert_int_equal(c.want_final, 1);
    assert_int_equal(c.escape_char, 1);
    assert_int_equal(c.clear_all_forwardings, -1);
    /* The final pass (what strata_ssh_config_resolve does when want_final). */
    c.final_pass = 1;
    assert_ok(apply(&c, cfg, "web1", &err));
    assert_int_equal(c.hash_known_hosts, 1);
    assert_int_equal(c.clear_all_forwardings, 1); /* canonical holds on the final pass */
    assert_int_equal(c.port, 1);                  /* first value still wins */
    strata_ssh_config_free(&c);

    /* Tokens in Match exec. */
    match_cfg(&c);
    assert_ok(strata_ssh_config_apply_option(&c, "Port=2222", &err));
    assert_ok(apply(&c, "Match exec \"true %h %p %r %u %L %n %i %%\"\n", "web1", &err));
    assert_string_equal(exec_last, "true web1 2222 me me laptop web1 1000 %");
    strata_ssh_config_free(&c);

    /* Errors name file and line. */
    match_cfg(&c);
    assert_status(apply(&c, "\nMatch exec \"broken\"\n", "h", &err), STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err),
                        "cfg line 2: Match exec \"broken\": cannot run");
    strata_ssh_config_free(&c);
    expect_error("Match host\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: missing argument for Match 'host'");
    expect_error("Match\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: Match needs one or more criteria");
    expect_error("Match all host a\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: 'all' cannot be combined with other Match attributes");
    expect_error("Match exec true\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: Match exec \"true\": no command runner");
}

static void test_new_keywords(void **state)
{
    (void)state;
    strata_ssh_config c;
    strata_error err;
    static const char cfg[] = "Host h\n"
                              "  CertificateFile ~/.ssh/id_%r-cert.pub\n"
                              "  CertificateFile /c2\n"
                              "  SendEnv LANG LC_* GIT_PROTOCOL\n"
                              "  SendEnv -LC_*\n"
                              "  SetEnv A=1 B=\"two words\" A=3\n"
                              "  SetEnv C=never\n"
                              "  RemoteCommand tmux new -A -s %r  # not a comment for ssh\n"
                              "  RequestTTY force\n"
                              "  ServerAliveCountMax 5\n"
                              "  PubkeyAcceptedAlgorithms +ssh-rsa\n"
                              "  ProxyCommand nc -X connect %h %p # user %r\n"
                              "  ForwardAgent $SSH_AUTH_SOCK\n"
                              "  ExitOnForwardFailure yes\n"
                              "  DynamicForward 127.0.0.1:1080\n"
                              "  RemoteForward 8080 localhost:80\n"
                              "  RemoteForward 9050\n"
                              "  HashKnownHosts yes\n"
                              "  UpdateHostKeys no\n"
                              "  AddKeysToAgent confirm 1h\n"
                              "  NumberOfPasswordPrompts 1\n"
                              "  EscapeChar none\n"
                              "  ControlMaster autoask\n"
                              "  ControlPath ~/.ssh/cm-%C\n"
                              "  ControlPersist 10m\n";
    strata_ssh_config_init(&c);
    assert_ok(strata_ssh_config_set_context(&c, "me", "laptop.example.org", NULL, 1000));
    assert_ok(strata_ssh_config_apply_option(&c, "User=bob", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "HostName=web1.internal", &err));
    assert_ok(strata_ssh_config_apply_option(&c, "Port=2222", &err));
    assert_ok(apply(&c, cfg, "h", &err));
    assert_ok(strata_ssh_config_finish(&c, "h", "me", "/home/u", "laptop.example.org", &err));
    assert_int_equal(c.n_certificate_files, 2);
    assert_string_equal(c.certificate_files[0], "/home/u/.ssh/id_bob-cert.pub");
    assert_int_equal(c.n_send_env, 2);
    assert_string_equal(c.send_env[0], "LANG");
    assert_string_equal(c.send_env[1], "GIT_PROTOCOL");
    assert_int_equal(c.n_set_env, 2);
    assert_string_equal(c.set_env[0], "A=1");
    assert_string_equal(c.set_env[1], "B=two words");
    assert_string_equal(c.remote_command, "tmux new -A -s bob  # not a comment for ssh");
    assert_int_equal(c.request_tty, STRATA_SSHC_TTY_FORCE);
    assert_int_equal(c.server_alive_count_max, 5);
    assert_string_equal(c.pubkey_accepted_algorithms, "+ssh-rsa");
    assert_string_equal(c.proxy_command, "nc -X connect web1.internal 2222 # user bob");
    assert_int_equal(c.forward_agent, 1);
    assert_non_null(c.forward_agent_path);
    assert_int_equal(c.exit_on_forward_failure, 1);
    assert_int_equal(c.n_dynamic_forwards, 1);
    assert_string_equal(c.dynamic_forwards[0].bind, "127.0.0.1");
    assert_int_equal(c.dynamic_forwards[0].port, 1080);
    assert_null(c.dynamic_forwards[0].host);
    assert_int_equal(c.n_remote_forwards, 2);
    assert_string_equal(c.remote_forwards[0].host, "localhost");
    assert_int_equal(c.remote_forwards[0].host_port, 80);
    assert_null(c.remote_forwards[1].host);
    assert_int_equal(c.hash_known_hosts, 1);
    assert_int_equal(c.update_host_keys, 0);
    assert_int_equal(c.add_keys_to_agent, STRATA_SSHC_ADDKEYS_CONFIRM);
    assert_int_equal(c.add_keys_lifetime, 3600);
    assert_int_equal(c.number_of_password_prompts, 1);
    assert_int_equal(c.escape_char, STRATA_SSHC_ESCAPE_NONE);
    assert_int_equal(c.control_master, STRATA_SSHC_MASTER_AUTO_ASK);
    /* %C: SHA-1 of %l%h%p%r%j, as OpenSSH. */
    assert_string_equal(c.control_path, "/home/u/.ssh/cm-274dc7f2272d36dc8522d81c30fb636c5200ec20");
    assert_int_equal(c.control_persist, 1);
    assert_int_equal(c.control_persist_seconds, 600);
    strata_ssh_config_free(&c);

    /* ClearAllForwardings drops every forward at finish. */
    strata_ssh_config_init(&c);
    assert_ok(
        apply(&c, "ClearAllForwardings yes\nLocalForward 1 h:2\nDynamicForward 3\n", "h", &err));
    assert_ok(strata_ssh_config_finish(&c, "h", "me", "/home/u", NULL, &err));
    assert_int_equal(c.n_forwards + c.n_dynamic_forwards, 0);
    strata_ssh_config_free(&c);

    expect_error("SetEnv NOEQUALS\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: SetEnv needs NAME=VALUE, not \"NOEQUALS\"");
    expect_error("RequestTTY sometimes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: RequestTTY must be yes, no, force or auto, not \"sometimes\"");
    expect_error("EscapeChar ab\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad EscapeChar \"ab\" (a character, ^X or none)");
    expect_error("ControlMaster maybe\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: ControlMaster must be yes, no, ask, auto or autoask, not \"maybe\"");
    expect_error("ServerAliveCountMax -1\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad number \"-1\" for ServerAliveCountMax");
    expect_error("DynamicForward x\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: bad DynamicForward \"x\" ([bind:]port)");
    expect_error("UpdateHostKeys often\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: UpdateHostKeys must be yes, no or ask, not \"often\"");
    expect_error("AddKeysToAgent sometimes\n", "h", STRATA_E_SSH_CONFIG,
                 "cfg line 1: AddKeysToAgent must be yes, no, ask, confirm or a time, not "
                 "\"sometimes\"");
    /* Tokens a keyword does not take are errors. */
    strata_ssh_config_init(&c);
    assert_ok(apply(&c, "ProxyCommand nc %h %C\n", "h", &err));
    strata_error_clear(&err);
    assert_status(strata_ssh_config_finish(&c, "h", "me", "/home/u", NULL, &err),
                  STRATA_E_SSH_CONFIG);
    assert_string_equal(strata_error_message(&err), "ProxyCommand \"%C\": unknown token %C");
    strata_ssh_config_free(&c);
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
        cmocka_unit_test(test_every_openssh_keyword),
        cmocka_unit_test(test_security_refusals),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_new_keywords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
