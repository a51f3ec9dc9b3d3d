/* Helpers shared by the TLS benchmark programs. */
#ifndef STRATA_BENCH_COMMON_H
#define STRATA_BENCH_COMMON_H

#include <stddef.h>

/* Monotonic seconds. */
double bench_now(void);
/* Process CPU seconds (user + system). */
double bench_cpu(void);
/* A connected TCP socket to 127.0.0.1:port (exits on failure). */
int bench_connect(int port);
/* The value of --name in argv, or def. */
const char *bench_arg(int argc, char **argv, const char *name, const char *def);
/* Exits with a message (and OpenSSL's errors). */
void bench_die(const char *what);

#endif
