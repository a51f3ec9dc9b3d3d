/* libssh_server: a real libssh (0.10, Debian's libssh-dev) SSH server for the
 * interop script tests/interop/test_ssh_libssh.sh.
 *
 *   libssh_server HOSTKEY [options]
 *
 * Listens on 127.0.0.1 (any port unless --port; printed as "PORT n"), serves
 * --count connections (default 1) one after the other: key exchange, then
 * every user authentication request succeeds, whatever its method (nothing
 * is checked: it is a throw-away test peer), then a "session" channel's
 * "exec" answers "hello from libssh" on stdout, exit status 0, EOF and
 * CLOSE; the connection ends when the client closes it. Prints "kex done"
 * and "exec COMMAND" on stdout as they happen, libssh's errors on stderr.
 *
 * libssh 0.10.6's default server KEXINIT ends both cipher lists with a comma
 * (an empty name), which is what the interop test needs; a list set with
 * --ciphers is cleaned by libssh (a trailing comma does not reach the wire).
 * options:
 *   --port N      listen on N (default: any free port)
 *   --ciphers L   the cipher list of both directions (default: libssh's)
 *   --count N     connections to serve (default 1)
 *   --verbose N   libssh's log verbosity (SSH_LOG_*), on stderr
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

static const char reply[] = "hello from libssh\n";

/* Answers one channel request: an exec gets its line, exit status 0, EOF and
 * CLOSE, and the client closes the connection after that. */
static void channel_request(ssh_message m, ssh_channel ch)
{
    int sub = ssh_message_subtype(m);
    if (sub == SSH_CHANNEL_REQUEST_EXEC && ch) {
        printf("exec %s\n", ssh_message_channel_request_command(m));
        fflush(stdout);
        ssh_message_channel_request_reply_success(m);
        ssh_channel_write(ch, reply, (uint32_t)strlen(reply));
        ssh_channel_request_send_exit_status(ch, 0);
        ssh_channel_send_eof(ch);
        ssh_channel_close(ch);
    } else if (sub == SSH_CHANNEL_REQUEST_ENV || sub == SSH_CHANNEL_REQUEST_PTY) {
        ssh_message_channel_request_reply_success(m);
    } else {
        ssh_message_reply_default(m);
    }
}

/* Until the client goes away (or is silent for the session's timeout): we
 * do not disconnect first, a client reading our CLOSE would see the
 * DISCONNECT as an error, as OpenSSH's ssh does. */
static void serve(ssh_session s)
{
    ssh_channel ch = NULL;
    ssh_message m;
    while ((m = ssh_message_get(s)) != NULL) {
        switch (ssh_message_type(m)) {
        case SSH_REQUEST_AUTH:
            /* Whatever the method ("none" comes first), it succeeds. */
            ssh_message_auth_reply_success(m, 0);
            break;
        case SSH_REQUEST_CHANNEL_OPEN:
            if (ssh_message_subtype(m) == SSH_CHANNEL_SESSION && !ch)
                ch = ssh_message_channel_request_open_reply_accept(m);
            else
                ssh_message_reply_default(m);
            break;
        case SSH_REQUEST_CHANNEL:
            channel_request(m, ch);
            break;
        default:
            ssh_message_reply_default(m);
            break;
        }
        ssh_message_free(m);
    }
    if (ch)
        ssh_channel_free(ch);
}

int main(int argc, char **argv)
{
    const char *ciphers = NULL;
    int port = 0, count = 1, verbose = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: libssh_server HOSTKEY [--port N] [--ciphers L] [--count N] "
                        "[--verbose N]\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--ciphers") == 0)
            ciphers = argv[i + 1];
        else if (strcmp(argv[i], "--count") == 0)
            count = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "libssh_server: unknown option %s\n", argv[i]);
            return 2;
        }
    }

    ssh_init();
    ssh_bind b = ssh_bind_new();
    if (!b || ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY, argv[1]) != SSH_OK ||
        ssh_bind_options_set(b, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbose) != SSH_OK ||
        (ciphers && (ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, ciphers) != SSH_OK ||
                     ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, ciphers) != SSH_OK))) {
        fprintf(stderr, "libssh_server: options: %s\n", b ? ssh_get_error(b) : "no memory");
        return 1;
    }

    /* Our own socket, so that port 0 works and we can print the port. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
        perror("libssh_server: listen");
        return 1;
    }
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);

    int rc = 0;
    for (int n = 0; n < count; n++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            perror("libssh_server: accept");
            rc = 1;
            break;
        }
        ssh_session s = ssh_new();
        long timeout = 20; /* seconds, for every wait on the client */
        if (!s || ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK ||
            ssh_bind_accept_fd(b, s, fd) != SSH_OK) {
            fprintf(stderr, "libssh_server: accept: %s\n", s ? ssh_get_error(b) : "no memory");
            close(fd);
            ssh_free(s);
            rc = 1;
            continue;
        }
        if (ssh_handle_key_exchange(s) != SSH_OK) {
            fprintf(stderr, "libssh_server: key exchange: %s\n", ssh_get_error(s));
            rc = 1;
        } else {
            printf("kex done cipher=%s\n", ssh_get_cipher_out(s));
            fflush(stdout);
            serve(s);
        }
        ssh_disconnect(s);
        ssh_free(s);
    }
    close(lfd);
    ssh_bind_free(b);
    ssh_finalize();
    return rc;
}
