/* The progress meter of strata sftp / strata scp, as OpenSSH's: file name,
 * percent, bytes, rate and ETA on one line, redrawn at most once a second
 * and only on a terminal. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sftp_client.h"

uint64_t meter_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void meter_start(struct sftp_meter *m, const char *name, uint64_t total, uint64_t off, int on)
{
    memset(m, 0, sizeof(*m));
    m->name = name;
    m->total = total;
    m->start_off = off;
    m->t0_ms = m->last_ms = meter_now_ms();
    m->on = on && isatty(STDOUT_FILENO);
}

static void human(char *buf, size_t cap, double v)
{
    const char *u = "KMGTP";
    if (v < 1024) {
        snprintf(buf, cap, "%4.0fB", v);
        return;
    }
    int i = -1;
    while (v >= 1024 && i < 4)
        v /= 1024, i++;
    snprintf(buf, cap, "%5.1f%cB", v, u[i]);
}

void meter_update(struct sftp_meter *m, uint64_t done, int final)
{
    if (!m->on)
        return;
    uint64_t now = meter_now_ms();
    if (!final && now - m->last_ms < 1000)
        return;
    m->last_ms = now;
    uint64_t have = m->start_off + done;
    double secs = (double)(now - m->t0_ms) / 1000.0;
    double rate = secs > 0 ? (double)done / secs : 0;
    int pct = m->total ? (int)(have * 100 / m->total) : 100;
    if (pct > 100)
        pct = 100;
    char b1[16], b2[16], eta[32];
    human(b1, sizeof(b1), (double)have);
    human(b2, sizeof(b2), rate);
    if (final) {
        unsigned s = (unsigned)secs;
        snprintf(eta, sizeof(eta), "%02u:%02u    ", s / 60, s % 60);
    } else if (rate > 0 && m->total > have) {
        unsigned s = (unsigned)((double)(m->total - have) / rate);
        snprintf(eta, sizeof(eta), "%02u:%02u ETA", s / 60, s % 60);
    } else {
        snprintf(eta, sizeof(eta), "--:-- ETA");
    }
    struct winsize ws;
    int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
    int namew = cols - 40 > 8 ? cols - 40 : 8;
    printf("\r%-*.*s %3d%% %s %s/s %s", namew, namew, m->name, pct, b1, b2, eta);
    if (final)
        printf("\n");
    fflush(stdout);
}
