/* ssh_config(5) keywords: every one OpenSSH 10.5 knows (readconf.c's
 * table), what strata does with each, and the value parsers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssh/config_internal.h"
#include "strata/buf.h"

#define LINE_ARGS_MAX_KW 64

enum kind {
    K_STR,  /* first value wins */
    K_ALGS, /* algorithm list, may start + - ^ */
    K_CMD,  /* the rest of the line */
    K_PORT,
    K_YESNO,
    K_STRICT,
    K_SECONDS,
    K_REKEY,
    K_LFWD, /* LocalForward */
    K_RFWD, /* RemoteForward */
    K_DFWD, /* DynamicForward */
    K_LOG,
    K_PATHS, /* IdentityFile, CertificateFile: accumulate */
    K_WARNWEAK,
    K_SENDENV,
    K_SETENV,
    K_TTY,
    K_COUNT, /* a non-negative integer */
    K_FWDAGENT,
    K_UPDHK,
    K_ADDKEYS,
    K_ESCAPE,
    K_CMASTER,
    K_CPERSIST,
    K_RSASIZE,
    K_FILES,  /* GlobalKnownHostsFile: one or more names, kept as one string */
    K_REFUSE, /* RefuseConnection */
};

struct option_row {
    const char *name;
    enum strata_ssh_config_opt opt;
    enum kind kind;
    size_t off;   /* the field: char *, int, or the first array entry */
    size_t n_off; /* for lists: the size_t count */
};

#define F(f) offsetof(strata_ssh_config, f), 0
#define L(f, n) offsetof(strata_ssh_config, f), offsetof(strata_ssh_config, n)

/* What strata implements (aliases as OpenSSH's table has them). */
static const struct option_row options[] = {
    {"HostName", STRATA_SSHC_HOSTNAME, K_STR, F(hostname)},
    {"User", STRATA_SSHC_USER, K_STR, F(user)},
    {"Port", STRATA_SSHC_PORT, K_PORT, F(port)},
    {"IdentityFile", STRATA_SSHC_IDENTITYFILE, K_PATHS, L(identity_files, n_identity_files)},
    {"IdentityFile2", STRATA_SSHC_IDENTITYFILE, K_PATHS, L(identity_files, n_identity_files)},
    {"ProxyJump", STRATA_SSHC_PROXYJUMP, K_STR, F(proxy_jump)},
    {"UserKnownHostsFile", STRATA_SSHC_USERKNOWNHOSTSFILE, K_STR, F(user_known_hosts_file)},
    {"StrictHostKeyChecking", STRATA_SSHC_STRICTHOSTKEYCHECKING, K_STRICT,
     F(strict_host_key_checking)},
    {"BatchMode", STRATA_SSHC_BATCHMODE, K_YESNO, F(batch_mode)},
    {"Compression", STRATA_SSHC_COMPRESSION, K_YESNO, F(compression)},
    {"ConnectTimeout", STRATA_SSHC_CONNECTTIMEOUT, K_SECONDS, F(connect_timeout)},
    {"ServerAliveInterval", STRATA_SSHC_SERVERALIVEINTERVAL, K_SECONDS, F(server_alive_interval)},
    {"KexAlgorithms", STRATA_SSHC_KEXALGORITHMS, K_ALGS, F(kex_algorithms)},
    {"Ciphers", STRATA_SSHC_CIPHERS, K_ALGS, F(ciphers)},
    {"MACs", STRATA_SSHC_MACS, K_ALGS, F(macs)},
    {"HostKeyAlgorithms", STRATA_SSHC_HOSTKEYALGORITHMS, K_ALGS, F(host_key_algorithms)},
    {"RekeyLimit", STRATA_SSHC_REKEYLIMIT, K_REKEY, 0, 0},
    {"LocalForward", STRATA_SSHC_LOCALFORWARD, K_LFWD, L(forwards, n_forwards)},
    {"IdentitiesOnly", STRATA_SSHC_IDENTITIESONLY, K_YESNO, F(identities_only)},
    {"IdentityAgent", STRATA_SSHC_IDENTITYAGENT, K_STR, F(identity_agent)},
    {"LogLevel", STRATA_SSHC_LOGLEVEL, K_LOG, F(log_level)},
    {"IgnoreUnknown", STRATA_SSHC_IGNOREUNKNOWN, K_STR, F(ignore_unknown)},
    {"PreferredAuthentications", STRATA_SSHC_PREFERREDAUTHENTICATIONS, K_STR,
     F(preferred_authentications)},
    {"PubkeyAuthentication", STRATA_SSHC_PUBKEYAUTHENTICATION, K_YESNO, F(pubkey_authentication)},
    {"DSAAuthentication", STRATA_SSHC_PUBKEYAUTHENTICATION, K_YESNO, F(pubkey_authentication)},
    {"PasswordAuthentication", STRATA_SSHC_PASSWORDAUTHENTICATION, K_YESNO,
     F(password_authentication)},
    {"KbdInteractiveAuthentication", STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION, K_YESNO,
     F(kbd_interactive_authentication)},
    {"ChallengeResponseAuthentication", STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION, K_YESNO,
     F(kbd_interactive_authentication)},
    {"SKeyAuthentication", STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION, K_YESNO,
     F(kbd_interactive_authentication)},
    {"TISAuthentication", STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION, K_YESNO,
     F(kbd_interactive_authentication)},
    {"WarnWeakCrypto", STRATA_SSHC_WARNWEAKCRYPTO, K_WARNWEAK, F(warn_weak_crypto)},
    {"CertificateFile", STRATA_SSHC_CERTIFICATEFILE, K_PATHS,
     L(certificate_files, n_certificate_files)},
    {"SendEnv", STRATA_SSHC_SENDENV, K_SENDENV, L(send_env, n_send_env)},
    {"SetEnv", STRATA_SSHC_SETENV, K_SETENV, L(set_env, n_set_env)},
    {"RemoteCommand", STRATA_SSHC_REMOTECOMMAND, K_CMD, F(remote_command)},
    {"RequestTTY", STRATA_SSHC_REQUESTTTY, K_TTY, F(request_tty)},
    {"ServerAliveCountMax", STRATA_SSHC_SERVERALIVECOUNTMAX, K_COUNT, F(server_alive_count_max)},
    {"PubkeyAcceptedAlgorithms", STRATA_SSHC_PUBKEYACCEPTEDALGORITHMS, K_ALGS,
     F(pubkey_accepted_algorithms)},
    {"PubkeyAcceptedKeyTypes", STRATA_SSHC_PUBKEYACCEPTEDALGORITHMS, K_ALGS,
     F(pubkey_accepted_algorithms)},
    {"ProxyCommand", STRATA_SSHC_PROXYCOMMAND, K_CMD, F(proxy_command)},
    {"ForwardAgent", STRATA_SSHC_FORWARDAGENT, K_FWDAGENT, F(forward_agent)},
    {"ExitOnForwardFailure", STRATA_SSHC_EXITONFORWARDFAILURE, K_YESNO, F(exit_on_forward_failure)},
    {"DynamicForward", STRATA_SSHC_DYNAMICFORWARD, K_DFWD, L(dynamic_forwards, n_dynamic_forwards)},
    {"RemoteForward", STRATA_SSHC_REMOTEFORWARD, K_RFWD, L(remote_forwards, n_remote_forwards)},
    {"HashKnownHosts", STRATA_SSHC_HASHKNOWNHOSTS, K_YESNO, F(hash_known_hosts)},
    {"UpdateHostKeys", STRATA_SSHC_UPDATEHOSTKEYS, K_UPDHK, F(update_host_keys)},
    {"AddKeysToAgent", STRATA_SSHC_ADDKEYSTOAGENT, K_ADDKEYS, F(add_keys_to_agent)},
    {"NumberOfPasswordPrompts", STRATA_SSHC_NUMBEROFPASSWORDPROMPTS, K_COUNT,
     F(number_of_password_prompts)},
    {"EscapeChar", STRATA_SSHC_ESCAPECHAR, K_ESCAPE, F(escape_char)},
    {"ControlMaster", STRATA_SSHC_CONTROLMASTER, K_CMASTER, F(control_master)},
    {"ControlPath", STRATA_SSHC_CONTROLPATH, K_STR, F(control_path)},
    {"ControlPersist", STRATA_SSHC_CONTROLPERSIST, K_CPERSIST, F(control_persist)},
    {"ClearAllForwardings", STRATA_SSHC_CLEARALLFORWARDINGS, K_YESNO, F(clear_all_forwardings)},
    {"GlobalKnownHostsFile", STRATA_SSHC_GLOBALKNOWNHOSTSFILE, K_FILES, F(global_known_hosts_file)},
    {"RequiredRSASize", STRATA_SSHC_REQUIREDRSASIZE, K_RSASIZE, F(required_rsa_size)},
    {"Tag", STRATA_SSHC_TAG, K_STR, F(tag)},
    {"RefuseConnection", STRATA_SSHC_COUNT, K_REFUSE, 0, 0},
};

/* The rest of OpenSSH's keywords. A guard returns why the value asks for
 * something strata does not do that ignoring would weaken (NULL: the value
 * may be ignored). */
typedef const char *(*guard_fn)(int argc, char **argv);

static int yesno(const char *s);

static const char *g_checkhostip(int argc, char **argv)
{
    (void)argc;
    return yesno(argv[1]) == 0 ? NULL
                               : "strata does not check the server's address against known_hosts";
}
static const char *g_dns(int argc, char **argv)
{
    (void)argc;
    return yesno(argv[1]) == 0 ? NULL
                               : "strata does not check host keys against SSHFP records in DNS";
}
static const char *g_alias(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return "strata looks host keys up under the host name, not an alias, so the key this "
           "alias pins would not be the one checked";
}
static const char *g_revoked(int argc, char **argv)
{
    (void)argc;
    return strcasecmp(argv[1], "none") == 0 ? NULL : "strata does not read a revoked host key list";
}
static const char *g_obscure(int argc, char **argv)
{
    (void)argc;
    return yesno(argv[1]) == 0 ? NULL : "strata does not obscure keystroke timing";
}

enum other_class { O_IGNORE, O_DEPRECATED, O_CANON };

static const struct other_row {
    const char *name;
    enum other_class cls;
    guard_fn guard;
} others[] = {
    {"Protocol", O_DEPRECATED, NULL},
    {"Cipher", O_DEPRECATED, NULL},
    {"FallBackToRsh", O_DEPRECATED, NULL},
    {"GlobalKnownHostsFile2", O_DEPRECATED, NULL},
    {"RhostsAuthentication", O_DEPRECATED, NULL},
    {"UserKnownHostsFile2", O_DEPRECATED, NULL},
    {"UseRoaming", O_DEPRECATED, NULL},
    {"UseRsh", O_DEPRECATED, NULL},
    {"UsePrivilegedPort", O_DEPRECATED, NULL},
    {"AFSTokenPassing", O_DEPRECATED, NULL},
    {"KerberosAuthentication", O_DEPRECATED, NULL},
    {"KerberosTGTPassing", O_DEPRECATED, NULL},
    {"RSAAuthentication", O_DEPRECATED, NULL},
    {"RhostsRSAAuthentication", O_DEPRECATED, NULL},
    {"CompressionLevel", O_DEPRECATED, NULL},
    {"GSSAPIAuthentication", O_IGNORE, NULL},
    {"GSSAPIDelegateCredentials", O_IGNORE, NULL},
    {"PKCS11Provider", O_IGNORE, NULL},
    {"SmartcardDevice", O_IGNORE, NULL},
    {"ForwardX11", O_IGNORE, NULL},
    {"ForwardX11Trusted", O_IGNORE, NULL},
    {"ForwardX11Timeout", O_IGNORE, NULL},
    {"XAuthLocation", O_IGNORE, NULL},
    {"GatewayPorts", O_IGNORE, NULL},
    {"KbdInteractiveDevices", O_IGNORE, NULL},
    {"HostbasedAuthentication", O_IGNORE, NULL},
    {"HostKeyAlias", O_IGNORE, g_alias},
    {"PermitRemoteOpen", O_IGNORE, NULL},
    {"ConnectionAttempts", O_IGNORE, NULL},
    {"CheckHostIP", O_IGNORE, g_checkhostip},
    {"TCPKeepAlive", O_IGNORE, NULL},
    {"KeepAlive", O_IGNORE, NULL},
    {"SyslogFacility", O_IGNORE, NULL},
    {"LogVerbose", O_IGNORE, NULL},
    {"CASignatureAlgorithms", O_IGNORE, NULL},
    {"BindAddress", O_IGNORE, NULL},
    {"BindInterface", O_IGNORE, NULL},
    {"EnableSSHKeysign", O_IGNORE, NULL},
    {"VerifyHostKeyDNS", O_IGNORE, g_dns},
    {"NoHostAuthenticationForLocalhost", O_IGNORE, NULL},
    {"AddressFamily", O_IGNORE, NULL},
    {"Tunnel", O_IGNORE, NULL},
    {"TunnelDevice", O_IGNORE, NULL},
    {"LocalCommand", O_IGNORE, NULL},
    {"PermitLocalCommand", O_IGNORE, NULL},
    {"VisualHostKey", O_IGNORE, NULL},
    {"IPQoS", O_IGNORE, NULL},
    {"SessionType", O_IGNORE, NULL},
    {"StdinNull", O_IGNORE, NULL},
    {"ForkAfterAuthentication", O_IGNORE, NULL},
    {"ProxyUseFdpass", O_IGNORE, NULL},
    {"CanonicalDomains", O_IGNORE, NULL},
    {"CanonicalizeFallbackLocal", O_IGNORE, NULL},
    {"CanonicalizeHostname", O_CANON, NULL},
    {"CanonicalizeMaxDots", O_IGNORE, NULL},
    {"CanonicalizePermittedCNAMEs", O_IGNORE, NULL},
    {"StreamLocalBindMask", O_IGNORE, NULL},
    {"StreamLocalBindUnlink", O_IGNORE, NULL},
    {"RevokedHostKeys", O_IGNORE, g_revoked},
    {"FingerprintHash", O_IGNORE, NULL},
    {"HostbasedAcceptedAlgorithms", O_IGNORE, NULL},
    {"HostbasedKeyTypes", O_IGNORE, NULL},
    {"SecurityKeyProvider", O_IGNORE, NULL},
    {"KnownHostsCommand", O_IGNORE, NULL},
    {"EnableEscapeCommandline", O_IGNORE, NULL},
    {"ObscureKeystrokeTiming", O_IGNORE, g_obscure},
    {"ChannelTimeout", O_IGNORE, NULL},
    {"VersionAddendum", O_IGNORE, NULL},
};

strata_status strata__sshc_bad(strata_error *err, const char *loc, const char *fmt, ...)
{
    char msg[STRATA_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: %s", loc, msg);
}
#define bad strata__sshc_bad

static int yesno(const char *s)
{
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
        return 1;
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
        return 0;
    return -1;
}

/* A non-negative decimal integer of at most max; -1 if not one. */
static long long parse_uint(const char *s, long long max)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

/* sshd_config(5) TIME FORMATS: 90, 90s, 10m, 1h30m, 2d, 1w; or "none" (0). */
static long long parse_time(const char *s)
{
    if (strcasecmp(s, "none") == 0)
        return 0;
    long long total = 0, v = -1;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            v = (v < 0 ? 0 : v) * 10 + (*s - '0');
            if (v > 100000000)
                return -1;
            continue;
        }
        long long mul;
        switch (tolower((unsigned char)*s)) {
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        case 'w':
            mul = 604800;
            break;
        default:
            return -1;
        }
        if (v < 0)
            return -1;
        total += v * mul;
        v = -1;
        if (total > 0x7fffffff)
            return -1;
    }
    if (v >= 0)
        total += v;
    return total > 0x7fffffff ? -1 : total;
}

/* RekeyLimit bytes: a number with an optional K, M or G suffix; "default" is 0. */
static int parse_size(const char *s, uint64_t *out)
{
    if (strcasecmp(s, "default") == 0) {
        *out = 0;
        return 1;
    }
    uint64_t v = 0, mul = 1;
    size_t n = strlen(s);
    if (n > 1) {
        switch (toupper((unsigned char)s[n - 1])) {
        case 'K':
            mul = 1ull << 10;
            n--;
            break;
        case 'M':
            mul = 1ull << 20;
            n--;
            break;
        case 'G':
            mul = 1ull << 30;
            n--;
            break;
        default:
            break;
        }
    }
    if (n == 0 || n > 12)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    /* OpenSSH refuses limits under 16 bytes (other than 0). */
    if (v * mul != 0 && v * mul < 16)
        return 0;
    *out = v * mul;
    return 1;
}

static int parse_loglevel(const char *s)
{
    static const char *const names[] = {"QUIET",   "FATAL",  "ERROR",  "INFO",
                                        "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
    if (strcasecmp(s, "DEBUG") == 0)
        return STRATA_SSHC_LOG_DEBUG1;
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* "[bind:]port" into f->bind / f->port; "host:port" (or "[v6]:port") into host. */
static int parse_forward(const char *listen, const char *dest, strata_ssh_config_forward *f)
{
    const char *colon = strrchr(listen, ':');
    const char *port = colon ? colon + 1 : listen;
    long long lp = parse_uint(port, 65535), dp;
    if (lp < 0)
        return 0;
    const char *dcolon = strrchr(dest, ':');
    if (!dcolon || dcolon == dest || (dp = parse_uint(dcolon + 1, 65535)) <= 0)
        return 0;
    const char *h = dest;
    size_t hn = (size_t)(dcolon - dest);
    if (h[0] == '[' && hn >= 2 && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (colon && colon != listen && !(f->bind = strndup(listen, (size_t)(colon - listen))))
        return 0;
    if (!(f->host = strndup(h, hn))) {
        free(f->bind);
        f->bind = NULL;
        return 0;
    }
    f->port = (int)lp;
    f->host_port = (int)dp;
    return 1;
}

/* DynamicForward "[bind:]port" (f->host stays NULL). */
static int parse_listen(const char *listen, strata_ssh_config_forward *f)
{
    const char *colon = strrchr(listen, ':');
    long long lp = parse_uint(colon ? colon + 1 : listen, 65535);
    if (lp < 0)
        return 0;
    if (colon && colon != listen && !(f->bind = strndup(listen, (size_t)(colon - listen))))
        return 0;
    f->port = (int)lp;
    return 1;
}

static int parse_enum(const char *s, const char *const *names, const int *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, names[i]) == 0)
            return values[i];
    return -1;
}
#define ENUM(s, names, values) parse_enum(s, names, values, sizeof(values) / sizeof(values[0]))

void strata__sshc_free_forwards(strata_ssh_config_forward *f, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free(f[i].bind);
        free(f[i].host);
    }
    *n = 0;
}

void strata__sshc_free_values(strata_ssh_config *c)
{
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        const struct option_row *o = &options[i];
        char *base = (char *)c;
        switch (o->kind) {
        case K_STR:
        case K_ALGS:
        case K_CMD:
        case K_FILES: {
            char **sp = (char **)(base + o->off);
            free(*sp);
            *sp = NULL;
            break;
        }
        case K_PATHS:
        case K_SENDENV:
        case K_SETENV: {
            char **a = (char **)(base + o->off);
            size_t *n = (size_t *)(base + o->n_off);
            for (size_t k = 0; k < *n; k++)
                free(a[k]);
            *n = 0;
            break;
        }
        case K_LFWD:
        case K_RFWD:
        case K_DFWD:
            strata__sshc_free_forwards((strata_ssh_config_forward *)(base + o->off),
                                       (size_t *)(base + o->n_off));
            break;
        default:
            break;
        }
    }
    free(c->forward_agent_path);
    c->forward_agent_path = NULL;
}

strata_status strata__sshc_note(strata_ssh_config *c, const char *loc, const char *text,
                                const char *keyword, strata_error *err)
{
    char buf[512];
    if (c->n_notes >= STRATA_SSH_CONFIG_NOTES_MAX) {
        c->n_notes_dropped++;
        return STRATA_OK;
    }
    snprintf(buf, sizeof buf, "%s: ignoring %s (%s)", loc, keyword, text);
    for (size_t i = 0; c->final_pass && i < c->n_notes; i++)
        if (strcmp(c->notes[i], buf) == 0)
            return STRATA_OK; /* the final pass reads the same lines again */
    if (!(c->notes[c->n_notes] = strdup(buf)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    c->n_notes++;
    return STRATA_OK;
}

static strata_status push(char **list, size_t *n, const char *loc, const char *name, const char *v,
                          strata_error *err)
{
    if (*n >= STRATA_SSH_CONFIG_LIST_MAX)
        return bad(err, loc, "more than %d %s entries", STRATA_SSH_CONFIG_LIST_MAX, name);
    if (!(list[*n] = strdup(v)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    (*n)++;
    return STRATA_OK;
}

/* SendEnv: names are appended; "-pattern" removes the earlier ones it matches. */
static strata_status send_env(strata_ssh_config *c, const char *loc, int argc, char **argv,
                              int active, strata_error *err)
{
    for (int a = 1; a < argc; a++) {
        const char *v = argv[a];
        if (!*v || strchr(v, '='))
            return bad(err, loc, "bad SendEnv name \"%s\"", v);
        if (!active)
            continue;
        if (v[0] == '-') {
            size_t k = 0;
            for (size_t i = 0; i < c->n_send_env; i++) {
                if (strata_ssh_config_host_match(c->send_env[i], v + 1))
                    free(c->send_env[i]);
                else
                    c->send_env[k++] = c->send_env[i];
            }
            c->n_send_env = k;
            continue;
        }
        int dup = 0;
        for (size_t i = 0; c->final_pass && i < c->n_send_env; i++)
            dup |= strcmp(c->send_env[i], v) == 0;
        strata_status r =
            dup ? STRATA_OK : push(c->send_env, &c->n_send_env, loc, "SendEnv", v, err);
        if (r != STRATA_OK)
            return r;
    }
    return STRATA_OK;
}

/* SetEnv: the first line that sets anything wins whole; in it, the first
 * value of a name wins. */
static strata_status set_env(strata_ssh_config *c, const char *loc, int argc, char **argv,
                             int active, strata_error *err)
{
    int take = active && !c->set[STRATA_SSHC_SETENV];
    for (int a = 1; a < argc; a++) {
        const char *eq = strchr(argv[a], '=');
        if (!eq || eq == argv[a])
            return bad(err, loc, "SetEnv needs NAME=VALUE, not \"%s\"", argv[a]);
        int dup = 0;
        for (size_t i = 0; take && i < c->n_set_env; i++)
            dup |= strncmp(c->set_env[i], argv[a], (size_t)(eq - argv[a]) + 1) == 0;
        strata_status r;
        if (take && !dup &&
            (r = push(c->set_env, &c->n_set_env, loc, "SetEnv", argv[a], err)) != STRATA_OK)
            return r;
    }
    if (take)
        c->set[STRATA_SSHC_SETENV] = 1;
    return STRATA_OK;
}

/* The value of an implemented keyword: checked always, stored when active
 * and not set before (lists: appended when active). */
static strata_status apply_row(strata_ssh_config *c, const struct option_row *row, const char *loc,
                               int argc, char **argv, const char *raw, int active,
                               strata_error *err)
{
    char *base = (char *)c;
    const char *v = argv[1];
    int *ip = (int *)(base + row->off);
    int take = active && (row->opt == STRATA_SSHC_COUNT || !c->set[row->opt]);
    long long n;
    int x = 0, y = 0;
    strata_status r;
    int max_args = 1;
    switch (row->kind) {
    case K_REKEY:
    case K_LFWD:
    case K_RFWD:
    case K_ADDKEYS:
        max_args = 2;
        break;
    case K_SENDENV:
    case K_SETENV:
    case K_CMD:
    case K_FILES:
    case K_REFUSE:
        max_args = LINE_ARGS_MAX_KW;
        break;
    default:
        break;
    }
    if (argc < 2)
        return bad(err, loc, "%s needs a value", row->name);
    if (argc - 1 > max_args)
        return bad(err, loc, "too many values for %s (\"%s\")", row->name, argv[max_args + 1]);

    switch (row->kind) {
    case K_PATHS: {
        char **a = (char **)(base + row->off);
        size_t *cnt = (size_t *)(base + row->n_off);
        if (!active)
            return STRATA_OK;
        /* The final pass reads the files again: an entry already there is
         * not added twice. */
        for (size_t i = 0; c->final_pass && i < *cnt; i++)
            if (strcmp(a[i], v) == 0)
                return STRATA_OK;
        if ((r = push(a, cnt, loc, row->name, v, err)) != STRATA_OK)
            return r;
        c->set[row->opt] = 1;
        return STRATA_OK;
    }
    case K_LFWD:
    case K_RFWD:
    case K_DFWD: {
        strata_ssh_config_forward f = {0};
        strata_ssh_config_forward *a = (strata_ssh_config_forward *)(base + row->off);
        size_t *cnt = (size_t *)(base + row->n_off);
        int ok = row->kind == K_DFWD || (row->kind == K_RFWD && argc == 2)
                     ? parse_listen(argv[1], &f)
                     : argc == 3 && parse_forward(argv[1], argv[2], &f);
        if (!ok)
            return bad(err, loc, "bad %s \"%s%s%s\" (%s)", row->name, argv[1], argc > 2 ? " " : "",
                       argc > 2 ? argv[2] : "",
                       row->kind == K_DFWD ? "[bind:]port" : "[bind:]port host:hostport");
        if (!active || *cnt >= STRATA_SSH_CONFIG_LIST_MAX) {
            free(f.bind);
            free(f.host);
            if (active)
                return bad(err, loc, "more than %d %s entries", STRATA_SSH_CONFIG_LIST_MAX,
                           row->name);
            return STRATA_OK;
        }
        for (size_t i = 0; c->final_pass && i < *cnt; i++)
            if (a[i].port == f.port && a[i].host_port == f.host_port) {
                free(f.bind);
                free(f.host);
                return STRATA_OK;
            }
        a[(*cnt)++] = f;
        c->set[row->opt] = 1;
        return STRATA_OK;
    }
    case K_SENDENV:
        if ((r = send_env(c, loc, argc, argv, active, err)) == STRATA_OK && active)
            c->set[row->opt] = 1;
        return r;
    case K_SETENV:
        return set_env(c, loc, argc, argv, active, err);
    case K_REFUSE:
        if (active)
            return bad(err, loc, "RefuseConnection: %s", raw);
        return STRATA_OK;
    case K_STR:
    case K_ALGS:
    case K_CMD:
    case K_FILES: {
        if (row->kind == K_ALGS) {
            const char *list = (v[0] == '+' || v[0] == '-' || v[0] == '^') ? v + 1 : v;
            if (strata_namelist_check(list, strlen(list), 4096) != STRATA_OK || !*list)
                return bad(err, loc, "bad algorithm list \"%s\" for %s", v, row->name);
        }
        if (row->kind == K_FILES && strcmp(raw, "none") != 0)
            for (int a = 1; a < argc; a++)
                if (argv[a][0] != '/' && argv[a][0] != '~')
                    return bad(err, loc, "%s \"%s\" is not an absolute path", row->name, argv[a]);
        const char *val = row->kind == K_CMD || row->kind == K_FILES ? raw : v;
        if (!take)
            return STRATA_OK;
        char **sp = (char **)(base + row->off);
        if (!(*sp = strdup(val)))
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        break;
    }
    case K_PORT:
        if ((n = parse_uint(v, 65535)) <= 0)
            return bad(err, loc, "bad port \"%s\"", v);
        x = (int)n;
        break;
    case K_COUNT:
        if ((n = parse_uint(v, 0x7fffffff)) < 0)
            return bad(err, loc, "bad number \"%s\" for %s", v, row->name);
        x = (int)n;
        break;
    case K_RSASIZE:
        if ((n = parse_uint(v, 16384)) < 0)
            return bad(err, loc, "bad RequiredRSASize \"%s\"", v);
        /* strata refuses RSA keys under 1024 bits; a larger floor it does
         * not enforce, and ignoring it would accept weaker keys. */
        if (n > 1024)
            return bad(err, loc,
                       "RequiredRSASize %lld: strata enforces 1024 bits only, and ignoring a "
                       "larger floor would accept weaker keys",
                       n);
        x = (int)n;
        break;
    case K_YESNO:
        if ((x = yesno(v)) < 0)
            return bad(err, loc, "%s must be yes or no, not \"%s\"", row->name, v);
        break;
    case K_STRICT: {
        static const char *const nm[] = {"yes", "true", "no", "false", "off", "accept-new", "ask"};
        static const int vl[] = {STRATA_SSHC_STRICT_YES, STRATA_SSHC_STRICT_YES,
                                 STRATA_SSHC_STRICT_NO,  STRATA_SSHC_STRICT_NO,
                                 STRATA_SSHC_STRICT_NO,  STRATA_SSHC_STRICT_ACCEPT_NEW,
                                 STRATA_SSHC_STRICT_ASK};
        if ((x = ENUM(v, nm, vl)) < 0)
            return bad(err, loc, "%s must be yes, no, accept-new or ask, not \"%s\"", row->name, v);
        break;
    }
    case K_TTY: {
        static const char *const nm[] = {"no", "false", "yes", "true", "force", "auto"};
        static const int vl[] = {STRATA_SSHC_TTY_NO,  STRATA_SSHC_TTY_NO,    STRATA_SSHC_TTY_YES,
                                 STRATA_SSHC_TTY_YES, STRATA_SSHC_TTY_FORCE, STRATA_SSHC_TTY_AUTO};
        if ((x = ENUM(v, nm, vl)) < 0)
            return bad(err, loc, "RequestTTY must be yes, no, force or auto, not \"%s\"", v);
        break;
    }
    case K_UPDHK: {
        static const char *const nm[] = {"no", "false", "yes", "true", "ask"};
        static const int vl[] = {0, 0, 1, 1, 2};
        if ((x = ENUM(v, nm, vl)) < 0)
            return bad(err, loc, "UpdateHostKeys must be yes, no or ask, not \"%s\"", v);
        break;
    }
    case K_CMASTER: {
        static const char *const nm[] = {"no", "false", "yes", "true", "auto", "ask", "autoask"};
        static const int vl[] = {STRATA_SSHC_MASTER_NO,      STRATA_SSHC_MASTER_NO,
                                 STRATA_SSHC_MASTER_YES,     STRATA_SSHC_MASTER_YES,
                                 STRATA_SSHC_MASTER_AUTO,    STRATA_SSHC_MASTER_ASK,
                                 STRATA_SSHC_MASTER_AUTO_ASK};
        if ((x = ENUM(v, nm, vl)) < 0)
            return bad(err, loc, "ControlMaster must be yes, no, ask, auto or autoask, not \"%s\"",
                       v);
        break;
    }
    case K_CPERSIST:
        if ((x = yesno(v)) < 0) {
            if ((n = parse_time(v)) < 0)
                return bad(err, loc, "ControlPersist must be yes, no or a time, not \"%s\"", v);
            x = n > 0;
            y = (int)n;
        }
        if (take)
            c->control_persist_seconds = y;
        break;
    case K_ADDKEYS: {
        static const char *const nm[] = {"no", "false", "yes", "true", "ask", "confirm"};
        static const int vl[] = {STRATA_SSHC_ADDKEYS_NO,  STRATA_SSHC_ADDKEYS_NO,
                                 STRATA_SSHC_ADDKEYS_YES, STRATA_SSHC_ADDKEYS_YES,
                                 STRATA_SSHC_ADDKEYS_ASK, STRATA_SSHC_ADDKEYS_CONFIRM};
        if ((x = ENUM(v, nm, vl)) < 0) {
            if (argc > 2 || (n = parse_time(v)) <= 0)
                return bad(err, loc,
                           "AddKeysToAgent must be yes, no, ask, confirm or a time, not \"%s\"", v);
            x = STRATA_SSHC_ADDKEYS_YES;
            y = (int)n;
        } else if (argc > 2 && (x == STRATA_SSHC_ADDKEYS_NO || (n = parse_time(argv[2])) <= 0)) {
            return bad(err, loc, "bad AddKeysToAgent time \"%s\"", argv[2]);
        } else if (argc > 2) {
            y = (int)n;
        }
        if (take)
            c->add_keys_lifetime = y;
        break;
    }
    case K_ESCAPE:
        if (strcasecmp(v, "none") == 0)
            x = STRATA_SSHC_ESCAPE_NONE;
        else if (v[0] == '^' && v[1] && !v[2])
            x = (unsigned char)v[1] & 31;
        else if (v[0] && !v[1])
            x = (unsigned char)v[0];
        else
            return bad(err, loc, "bad EscapeChar \"%s\" (a character, ^X or none)", v);
        break;
    case K_FWDAGENT:
        if ((x = yesno(v)) < 0) {
            if (v[0] != '$' && v[0] != '/' && v[0] != '~')
                return bad(err, loc,
                           "ForwardAgent must be yes, no, a socket path or $VAR, not "
                           "\"%s\"",
                           v);
            x = 1;
            if (take && !(c->forward_agent_path = strdup(v)))
                return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        }
        break;
    case K_SECONDS:
        if ((n = parse_time(v)) < 0)
            return bad(err, loc, "bad time \"%s\" for %s", v, row->name);
        x = (int)n;
        break;
    case K_WARNWEAK: /* OpenSSH 10.1: yes, no, or the one warning turned off */
        x = !strcasecmp(v, "no-pq-kex") ? 0 : yesno(v);
        if (x < 0)
            return bad(err, loc, "%s must be yes, no or no-pq-kex, not \"%s\"", row->name, v);
        break;
    case K_LOG:
        if ((x = parse_loglevel(v)) < 0)
            return bad(err, loc, "unknown LogLevel \"%s\"", v);
        break;
    case K_REKEY: {
        uint64_t bytes;
        long long secs = 0;
        if (!parse_size(v, &bytes))
            return bad(err, loc, "bad RekeyLimit size \"%s\"", v);
        if (argc > 2 && (secs = parse_time(argv[2])) < 0)
            return bad(err, loc, "bad RekeyLimit time \"%s\"", argv[2]);
        if (take) {
            c->rekey_bytes = bytes;
            c->rekey_seconds = secs;
        }
        break;
    }
    }
    if (!take)
        return STRATA_OK;
    switch (row->kind) {
    case K_STR:
    case K_ALGS:
    case K_CMD:
    case K_FILES:
    case K_REKEY:
        break;
    default:
        *ip = x;
    }
    c->set[row->opt] = 1;
    return STRATA_OK;
}

strata_status strata__sshc_keyword(strata_ssh_config *c, const char *loc, int argc, char **argv,
                                   const char *raw, int active, strata_error *err)
{
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (strcasecmp(argv[0], options[i].name) == 0)
            return apply_row(c, &options[i], loc, argc, argv, raw, active, err);
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        const struct other_row *o = &others[i];
        if (strcasecmp(argv[0], o->name) != 0)
            continue;
        if (argc < 2)
            return bad(err, loc, "%s needs a value", o->name);
        const char *why = o->guard && active ? o->guard(argc, argv) : NULL;
        if (why)
            return bad(err, loc, "%s %s: %s; remove it or use OpenSSH's ssh", o->name, argv[1],
                       why);
        if (!active)
            return STRATA_OK;
        if (o->cls == O_CANON && strcasecmp(argv[1], "no") != 0 && strcasecmp(argv[1], "false"))
            c->want_final = 1; /* OpenSSH reads the files again after canonicalising */
        return strata__sshc_note(
            c, loc, o->cls == O_DEPRECATED ? "deprecated" : "not implemented by strata", o->name,
            err);
    }
    if (c->ignore_unknown && strata_ssh_config_host_match(argv[0], c->ignore_unknown))
        return active ? strata__sshc_note(c, loc, "unknown option, IgnoreUnknown", argv[0], err)
                      : STRATA_OK;
    return bad(err, loc, "unknown option \"%s\"", argv[0]);
}

size_t strata_ssh_config_keywords(const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++, n++)
        if (n < max)
            names[n] = options[i].name;
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++, n++)
        if (n < max)
            names[n] = others[i].name;
    return n;
}
