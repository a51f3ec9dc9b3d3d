/* A small libssh2 client for the SSH benchmark (bench/ssh_bench.sh):
 *   ssh_libssh2 PORT USER PUBKEY PRIVKEY CIPHER MAC push|pull BYTES [FILE]
 * push: writes BYTES zero bytes into `cat > /dev/null`; pull: reads FILE
 * through `cat FILE` and counts the bytes. Exits non-zero on any failure or
 * a short transfer. Not part of the library or its tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh2.h>

int main(int argc, char **argv)
{
    if (argc < 9) {
        fprintf(stderr, "usage: %s PORT USER PUB PRIV CIPHER MAC push|pull BYTES [FILE]\n",
                argv[0]);
        return 2;
    }
    long long want = atoll(argv[8]);
    int push = strcmp(argv[7], "push") == 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return perror("connect"), 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    libssh2_init(0);
    LIBSSH2_SESSION *s = libssh2_session_init();
    libssh2_session_method_pref(s, LIBSSH2_METHOD_CRYPT_CS, argv[5]);
    libssh2_session_method_pref(s, LIBSSH2_METHOD_CRYPT_SC, argv[5]);
    if (*argv[6]) {
        libssh2_session_method_pref(s, LIBSSH2_METHOD_MAC_CS, argv[6]);
        libssh2_session_method_pref(s, LIBSSH2_METHOD_MAC_SC, argv[6]);
    }
    if (libssh2_session_handshake(s, fd) != 0)
        return fprintf(stderr, "handshake failed\n"), 1;
    if (libssh2_userauth_publickey_fromfile(s, argv[2], argv[3], argv[4], NULL) != 0)
        return fprintf(stderr, "auth failed\n"), 1;
    LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(s);
    char cmd[512];
    snprintf(cmd, sizeof cmd, push ? "cat > /dev/null" : "cat %s", argc > 9 ? argv[9] : "");
    if (!ch || libssh2_channel_exec(ch, cmd) != 0)
        return fprintf(stderr, "exec failed\n"), 1;
    static char buf[256 * 1024];
    long long done = 0;
    if (push) {
        memset(buf, 0, sizeof buf);
        while (done < want) {
            size_t k = want - done < (long long)sizeof buf ? (size_t)(want - done) : sizeof buf;
            ssize_t w = libssh2_channel_write(ch, buf, k);
            if (w < 0)
                return fprintf(stderr, "write failed\n"), 1;
            done += w;
        }
        libssh2_channel_send_eof(ch);
        libssh2_channel_wait_eof(ch);
    } else {
        ssize_t r;
        while ((r = libssh2_channel_read(ch, buf, sizeof buf)) > 0)
            done += r;
    }
    libssh2_channel_close(ch);
    libssh2_channel_free(ch);
    libssh2_session_disconnect(s, "bye");
    libssh2_session_free(s);
    close(fd);
    return done == want ? 0 : (fprintf(stderr, "moved %lld of %lld\n", done, want), 1);
}
