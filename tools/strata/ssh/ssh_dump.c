/* strata ssh -G and -Q (see ssh_dump.h). -G prints the options strata knows
 * in OpenSSH's order (readconf.c's dump_client_config), lowercase keyword
 * and value, with OpenSSH's defaults where strata has the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ssh_dump.h"
#include "strata/ssh.h"
#include "strata/ssh_config.h"

#define SSH_EXIT_FAIL 255

static const char *flag(int v, int def)
{
    return (v < 0 ? def : v) ? "yes" : "no";
}

static char *cat2(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", a, b);
    return s;
}

static void str(const char *k, const char *v)
{
    if (v)
        printf("%s %s\n", k, v);
}

static int algs(const char *k, const char *name, const char *spec)
{
    char *list = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_ssh_algorithms_resolve(name, spec, &list, &err) != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        return -1;
    }
    printf("%s %s\n", k, list);
    free(list);
    return 0;
}

static void forwards(const char *k, const strata_ssh_config_forward *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%s", k);
        if (f[i].bind)
            printf(" [%s]:%d", f[i].bind, f[i].port);
        else
            printf(" %d", f[i].port);
        if (f[i].host)
            printf(" [%s]:%d", f[i].host, f[i].host_port);
        printf("\n");
    }
}

static void strarray(const char *k, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s %s\n", k, v[i]);
}

static void print_config(const strata_ssh_config *c, const char *host)
{
    static const char *const strict[] = {"true", "false", "accept-new", "ask"};
    static const char *const master[] = {"false", "true", "auto", "ask", "autoask"};
    static const char *const tty[] = {"false", "true", "force", "auto"};
    static const char *const upd[] = {"false", "true", "ask"};
    printf("host %s\n", host);
    str("user", c->user);
    str("hostname", c->hostname);
    printf("port %d\n", c->port);
    printf("batchmode %s\n", flag(c->batch_mode, 0));
    printf("compression %s\n", flag(c->compression, 0));
    printf("controlmaster %s\n", master[c->control_master < 0 ? 0 : c->control_master]);
    printf("clearallforwardings %s\n", flag(c->clear_all_forwardings, 0));
    printf("exitonforwardfailure %s\n", flag(c->exit_on_forward_failure, 0));
    printf("hashknownhosts %s\n", flag(c->hash_known_hosts, 0));
    printf("identitiesonly %s\n", flag(c->identities_only, 0));
    printf("kbdinteractiveauthentication %s\n", flag(c->kbd_interactive_authentication, 1));
    printf("passwordauthentication %s\n", flag(c->password_authentication, 1));
    printf("pubkeyauthentication %s\n", c->pubkey_authentication == 0 ? "false" : "true");
    printf("requesttty %s\n", tty[c->request_tty < 0 ? STRATA_SSHC_TTY_AUTO : c->request_tty]);
    printf("stricthostkeychecking %s\n",
           strict[c->strict_host_key_checking < 0 ? STRATA_SSHC_STRICT_ASK
                                                  : c->strict_host_key_checking]);
    /* strata does not update known_hosts from the server's keys: false
     * unless asked (OpenSSH's default is true). */
    int uh = c->update_host_keys < 0 ? 0 : c->update_host_keys;
    /* ask is dropped where it cannot ask, as OpenSSH's ssh.c tidies it */
    if (uh == 2 && ((c->control_persist == 1 && c->control_path) || c->remote_command ||
                    c->request_tty == STRATA_SSHC_TTY_NO ||
                    (c->log_level >= 0 && c->log_level < STRATA_SSHC_LOG_INFO)))
        uh = 0;
    printf("updatehostkeys %s\n", upd[uh]);
    printf("warnweakcrypto %s\n", flag(c->warn_weak_crypto, 1));
    printf("numberofpasswordprompts %d\n",
           c->number_of_password_prompts < 0 ? 3 : c->number_of_password_prompts);
    printf("serveralivecountmax %d\n",
           c->server_alive_count_max < 0 ? 3 : c->server_alive_count_max);
    printf("serveraliveinterval %d\n", c->server_alive_interval < 0 ? 0 : c->server_alive_interval);
    printf("requiredrsasize %d\n", c->required_rsa_size < 0 ? 1024 : c->required_rsa_size);
}

static int print_lists(const strata_ssh_config *c, const char *home)
{
    static const char *const addk[] = {"false", "true", "ask", "confirm"};
    static const char *const levels[] = {"QUIET",   "FATAL",  "ERROR",  "INFO",
                                         "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
    if (algs("ciphers", "Ciphers", c->ciphers) != 0)
        return -1;
    str("controlpath", c->control_path);
    if (algs("hostkeyalgorithms", "HostKeyAlgorithms", c->host_key_algorithms) != 0)
        return -1;
    str("identityagent", c->identity_agent);
    str("ignoreunknown", c->ignore_unknown);
    if (algs("kexalgorithms", "KexAlgorithms", c->kex_algorithms) != 0)
        return -1;
    str("remotecommand", c->remote_command);
    printf("loglevel %s\n", levels[c->log_level < 0 ? STRATA_SSHC_LOG_INFO : c->log_level]);
    if (algs("macs", "MACs", c->macs) != 0)
        return -1;
    str("preferredauthentications", c->preferred_authentications);
    if (algs("pubkeyacceptedalgorithms", "PubkeyAcceptedAlgorithms",
             c->pubkey_accepted_algorithms) != 0)
        return -1;
    str("tag", c->tag);
    forwards("dynamicforward", c->dynamic_forwards, c->n_dynamic_forwards);
    forwards("localforward", c->forwards, c->n_forwards);
    forwards("remoteforward", c->remote_forwards, c->n_remote_forwards);
    if (c->n_identity_files) {
        strarray("identityfile", c->identity_files, c->n_identity_files);
    } else {
        /* the keys strata tries when none is configured */
        printf("identityfile ~/.ssh/id_ed25519\nidentityfile ~/.ssh/id_ecdsa\n"
               "identityfile ~/.ssh/id_rsa\n");
    }
    strarray("certificatefile", c->certificate_files, c->n_certificate_files);
    printf("globalknownhostsfile %s\n",
           c->global_known_hosts_file ? c->global_known_hosts_file : "/etc/ssh/ssh_known_hosts");
    if (c->user_known_hosts_file)
        printf("userknownhostsfile %s\n", c->user_known_hosts_file);
    else
        printf("userknownhostsfile %s/.ssh/known_hosts\n", home ? home : "~");
    strarray("sendenv", c->send_env, c->n_send_env);
    strarray("setenv", c->set_env, c->n_set_env);
    if (c->add_keys_lifetime > 0)
        printf("addkeystoagent%s %d\n",
               c->add_keys_to_agent == STRATA_SSHC_ADDKEYS_CONFIRM ? " confirm" : "",
               c->add_keys_lifetime);
    else
        printf("addkeystoagent %s\n", addk[c->add_keys_to_agent < 0 ? 0 : c->add_keys_to_agent]);
    if (c->forward_agent_path)
        printf("forwardagent %s\n", c->forward_agent_path);
    else
        printf("forwardagent %s\n", flag(c->forward_agent, 0));
    if (c->connect_timeout <= 0)
        printf("connecttimeout none\n");
    else
        printf("connecttimeout %d\n", c->connect_timeout);
    if (c->control_persist == 1 && c->control_persist_seconds > 0)
        printf("controlpersist %d\n", c->control_persist_seconds);
    else
        printf("controlpersist %s\n", flag(c->control_persist, 0));
    if (c->escape_char == STRATA_SSHC_ESCAPE_NONE)
        printf("escapechar none\n");
    else if (c->escape_char >= 0 && c->escape_char < 32)
        printf("escapechar \\^%c\n", c->escape_char + 64); /* as vis(3) */
    else
        printf("escapechar %c\n", c->escape_char < 0 ? '~' : c->escape_char);
    printf("rekeylimit %llu %lld\n", (unsigned long long)c->rekey_bytes,
           (long long)c->rekey_seconds);
    if (c->proxy_jump && strcmp(c->proxy_jump, "none") != 0)
        printf("proxyjump %s\n", c->proxy_jump);
    else
        str("proxycommand", c->proxy_command);
    return 0;
}

int ssh_dump_config(const char *dest, const strata_ssh_session_args *a)
{
    char *user = NULL, *host = NULL;
    int port = 0, rc = SSH_EXIT_FAIL;
    char *opts[9 + STRATA_SSH_SESSION_KEYS_MAX + STRATA_SSH_SESSION_OPTS_MAX];
    size_t n = 0;
    strata_ssh_config c;
    strata_error err;
    strata_error_clear(&err);
    strata_ssh_config_init(&c);
    if (strata_ssh_parse_destination(dest, &user, &host, &port) != STRATA_OK) {
        cli_err("bad destination '%s'", dest);
        goto out;
    }
    /* The first value wins: destination, options, -o, files (as a connection). */
    char portbuf[16];
    const char *u = user ? user : a->user;
    if (u)
        opts[n++] = cat2("User=", u);
    if (port || a->port) {
        snprintf(portbuf, sizeof portbuf, "%d", port ? port : a->port);
        opts[n++] = cat2("Port=", portbuf);
    }
    for (size_t i = 0; i < a->n_identity; i++)
        opts[n++] = cat2("IdentityFile=", a->identity[i]);
    if (a->ciphers)
        opts[n++] = cat2("Ciphers=", a->ciphers);
    if (a->macs)
        opts[n++] = cat2("MACs=", a->macs);
    if (a->compression)
        opts[n++] = cat2("Compression=", "yes");
    if (a->jump)
        opts[n++] = cat2("ProxyJump=", a->jump);
    for (size_t i = 0; i < a->n_opts; i++)
        opts[n++] = cat2("", a->opts[i]);
    for (size_t i = 0; i < n; i++)
        if (!opts[i]) {
            cli_err("out of memory");
            goto out;
        }
    if (strata_ssh_config_resolve(&c, host, opts, n, a->config_file, &err) != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        goto out;
    }
    const char *home = getenv("HOME");
    print_config(&c, host);
    if (print_lists(&c, home) != 0)
        goto out;
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        free(opts[i]);
    strata_ssh_config_free(&c);
    free(user);
    free(host);
    return rc;
}

int ssh_query(const char *what)
{
    static const char *const queries[] = {"cipher",
                                          "cipher-auth",
                                          "compression",
                                          "kex",
                                          "key",
                                          "key-cert",
                                          "key-plain",
                                          "key-sig",
                                          "mac",
                                          "sig",
                                          "Ciphers",
                                          "MACs",
                                          "KexAlgorithms",
                                          "HostKeyAlgorithms",
                                          "PubkeyAcceptedAlgorithms",
                                          "HostbasedAcceptedAlgorithms",
                                          "CASignatureAlgorithms"};
    char buf[8192];
    if (!strcmp(what, "help")) {
        for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
            printf("%s\n", queries[i]);
        return 0;
    }
    if (strata_ssh_algorithms(what, buf, sizeof buf) == 0) {
        cli_err("Unsupported query \"%s\"", what);
        return SSH_EXIT_FAIL;
    }
    for (char *p = buf; *p;) {
        size_t len = strcspn(p, ",");
        printf("%.*s\n", (int)len, p);
        p += len + (p[len] == ',');
    }
    return 0;
}
