/* strata bench: strata against OpenSSL driven directly, in this process,
 * reported as ratios. The measurements live in bench_tls.c (handshakes),
 * bench_onion.c (nested TLS layers) and bench_ssh.c (SSH packet
 * protection); this file parses the command line and prints the table.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "bench.h"
#include "cli.h"

#define SECONDS_DEFAULT_MS 1000
#define SECONDS_QUICK_MS 50
#define SECONDS_MAX 600
#define MAX_ROWS 64

enum { W_HANDSHAKES = 1, W_ONION = 2, W_SSH = 4, W_KEX = 8, W_ALL = 15 };

static const struct {
    const char *name;
    int bit;
    const char *what;
} whats[] = {
    {"handshakes", W_HANDSHAKES, "full TLS 1.3 handshakes per second in memory"},
    {"onion", W_ONION, "bulk MB/s through 1 to 4 nested TLS layers in memory"},
    {"ssh-cipher", W_SSH, "SSH packet protection MB/s per cipher vs the raw primitive"},
    {"kex", W_KEX, "SSH key exchanges/s and ML-KEM-768 / sntrup761 ops/s vs X25519"},
};
#define N_WHATS (sizeof(whats) / sizeof(whats[0]))

static int progress_on;

void bench_progress(const char *fmt, ...)
{
    if (!progress_on)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("strata bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("...\n", stderr);
    va_end(ap);
}

static void help(FILE *f)
{
    fprintf(f, "usage: strata bench [--quick] [--seconds S] [--json] [WHAT...]\n\n"
               "Measures strata against OpenSSL driven directly, in this process, and\n"
               "prints one row per measurement: strata's figure, OpenSSL's, and the ratio\n"
               "(above 1: strata is faster). Times are CPU time of this thread; strata and\n"
               "OpenSSL alternate, so a busy machine slows both alike.\n\n"
               "WHAT (default: all):\n");
    for (size_t i = 0; i < N_WHATS; i++)
        fprintf(f, "  %-22s %s\n", whats[i].name, whats[i].what);
    fprintf(f,
            "\noptions:\n"
            "  --seconds S            CPU seconds per measurement and side (default 1)\n"
            "  --quick                very short measurements (%.2f s; for tests)\n"
            "  --json                 one JSON object per row on stdout, nothing else: bench,\n"
            "                         what, unit, strata, openssl, ratio, layers (onion rows),\n"
            "                         strata_version, openssl_version, date, seconds\n"
            "  -v, --verbose          strata's log messages on stderr (-vv: more)\n"
            "  -h, --help             show this help\n\n"
            "exit status: 0 every measurement ran, 1 one failed, 2 usage error\n",
            SECONDS_QUICK_MS / 1000.0);
}

static void print_rows(const struct bench_out *o)
{
    printf("%-42s %14s %14s %7s\n", "measurement", "strata", "OpenSSL", "ratio");
    for (size_t i = 0; i < o->n; i++) {
        const struct bench_row *r = &o->rows[i];
        double ratio = r->openssl > 0 ? r->strata / r->openssl : 0;
        char s[32], x[32];
        snprintf(s, sizeof(s), "%.1f %s", r->strata, r->unit);
        snprintf(x, sizeof(x), "%.1f %s", r->openssl, r->unit);
        /* Two decimals; three for ratios under 0.1 (a post-quantum keygen
         * against X25519), so none reads as 0. */
        printf(ratio < 0.1 ? "%-42s %14s %14s %7.3f\n" : "%-42s %14s %14s %7.2f\n", r->what, s, x,
               ratio);
    }
}

/* s as a JSON string (quotes included) on f: ", \\ and control characters
 * escaped; the rest is copied (the row names are ASCII). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* --json: one object per row, one row per line (JSON Lines). Figures as
 * %.6g: JSON numbers, never NaN or infinite (a figure that is not finite
 * is written as 0, as the table's ratio is). */
static void print_json(const struct bench_out *o, const char *date, double seconds)
{
    for (size_t i = 0; i < o->n; i++) {
        const struct bench_row *r = &o->rows[i];
        double st = isfinite(r->strata) ? r->strata : 0;
        double os = isfinite(r->openssl) ? r->openssl : 0;
        double ratio = os > 0 ? st / os : 0;
        fputs("{\"bench\":", stdout);
        json_str(stdout, r->bench ? r->bench : "");
        fputs(",\"what\":", stdout);
        json_str(stdout, r->what);
        fputs(",\"unit\":", stdout);
        json_str(stdout, r->unit);
        printf(",\"strata\":%.6g,\"openssl\":%.6g,\"ratio\":%.6g", st, os,
               isfinite(ratio) ? ratio : 0);
        if (r->layers > 0)
            printf(",\"layers\":%d", r->layers);
        fputs(",\"strata_version\":", stdout);
        json_str(stdout, STRATA_VERSION);
        fputs(",\"openssl_version\":", stdout);
        json_str(stdout, OpenSSL_version(OPENSSL_VERSION));
        fputs(",\"date\":", stdout);
        json_str(stdout, date);
        printf(",\"seconds\":%.6g}\n", seconds);
    }
}

int cmd_bench(int argc, char **argv)
{
    uint64_t ms = SECONDS_DEFAULT_MS;
    int bad = 0, verbose = 0, quick = 0, seconds_given = 0, want = 0, json = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        int k = cli_std_opt(argv[i], &verbose);
        if (k == CLI_STD_HELP) {
            help(stdout);
            return CLI_OK;
        } else if (k == CLI_STD_TAKEN) {
            continue;
        } else if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--seconds", &bad)) != NULL) {
            if (bad || cli_parse_seconds("--seconds", v, SECONDS_MAX, &ms) != 0)
                return CLI_USAGE;
            seconds_given = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_bad_option("bench", argv[i]);
        } else {
            size_t w = 0;
            while (w < N_WHATS && strcmp(argv[i], whats[w].name) != 0)
                w++;
            if (w == N_WHATS) {
                cli_err("bench: unknown benchmark '%s' (one of handshakes, onion, ssh-cipher, kex)",
                        argv[i]);
                return CLI_USAGE;
            }
            want |= whats[w].bit;
        }
    }
    cli_verbose(verbose);
    if (!want)
        want = W_ALL;
    if (quick && !seconds_given)
        ms = SECONDS_QUICK_MS;
    double seconds = (double)ms / 1000.0;
    progress_on = seconds >= 0.5;

    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    if (json)
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    else
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
    if (!json) {
        printf("strata bench: strata %s vs %s, %s, %.3g s per side and measurement\n",
               STRATA_VERSION, OpenSSL_version(OPENSSL_VERSION), date, seconds);
        fflush(stdout);
    }

    struct bench_row rows[MAX_ROWS];
    struct bench_out out = {rows, 0, MAX_ROWS, NULL};
    struct bench_creds creds = {0};
    int rc = CLI_FAIL;
    if ((want & (W_HANDSHAKES | W_ONION)) && bench_creds_make(&creds) != 0)
        goto out;
    if (want & W_HANDSHAKES) {
        bench_progress("handshakes");
        out.bench = "handshakes";
        if (bench_handshakes(&creds, seconds, &out) != 0)
            goto out;
    }
    out.bench = "onion";
    if ((want & W_ONION) && bench_onion(&creds, seconds, &out) != 0)
        goto out;
    out.bench = "ssh-cipher";
    if ((want & W_SSH) && bench_ssh_cipher(seconds, &out) != 0)
        goto out;
    out.bench = "kex";
    if ((want & W_KEX) && bench_kex(seconds, &out) != 0)
        goto out;
    rc = CLI_OK;
out:
    if (json)
        print_json(&out, date, seconds);
    else
        print_rows(&out);
    bench_creds_free(&creds);
    return rc;
}
