/* strata/scp.h - the legacy SCP/RCP protocol (what `scp -O` speaks), as a
 * sans-I/O engine: bytes in, bytes out, no file, socket or clock.
 *
 * The protocol (OpenSSH's scp.c; rcp before it) runs over the stdin and
 * stdout of a remote `scp -t target` (we are the SOURCE: we send files) or
 * `scp -f path` (we are the SINK: we receive). Records are text lines:
 *   C<mode> <size> <name>\n   a file (mode 4 octal digits), then size bytes
 *                             of data and one status byte from the sender
 *   D<mode> 0 <name>\n        enter a directory (with -r)
 *   E\n                       leave it
 *   T<mtime> 0 <atime> 0\n    times for the next C or D (with -p)
 * The receiver answers each record, and each file's trailing status byte,
 * with one status: \0 (fine), \1message\n (a warning: this item failed, the
 * transfer goes on), \2message\n (fatal). The sink speaks first: one \0.
 *
 * Hostile peers (CVE-2019-6111, CVE-2018-20685, CVE-2020-12062 class): the
 * sink engine refuses names holding '/', ".", "..", the empty name, names
 * over STRATA_SCP_NAME_MAX bytes; directories unless recursive; nesting
 * deeper than max_depth; a file name that does not match the name asked
 * for (config.expect) when not recursive; lines over STRATA_SCP_LINE_MAX;
 * sizes that are not decimal digits or exceed 2^63-1; modes that are not
 * exactly 4 octal digits; times that are not digits, out of range, or
 * microseconds over 999999; an E outside any directory. Each refusal is a
 * sticky E_PROTOCOL (E_LIMIT for the size, line and depth bounds) whose
 * message names the problem as OpenSSH does ("protocol error: bad mode")
 * or more precisely, with the offending name shown with non-printable
 * bytes escaped. The
 * engine then sends the peer "\2scp: <message>\n" and accepts nothing more:
 * no event for the refused record reaches the caller, so nothing is
 * written for it.
 *
 * Flow for both roles: the caller feeds the peer's bytes
 * (strata_scp_feed), sends what strata_scp_out gives (strata_scp_out_ack),
 * and hears events through config.on_event, called from within feed (and
 * from the source calls for pipelined acks) with pointers borrowed for the
 * call only.
 */
#ifndef STRATA_SCP_H
#define STRATA_SCP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "status.h"

/* A name longer than this is refused (NAME_MAX of common file systems). */
#define STRATA_SCP_NAME_MAX 255
/* Bound on every line from the peer, records and \1 / \2 messages alike. */
#define STRATA_SCP_LINE_MAX 1280
/* Default and largest nesting of D records. */
#define STRATA_SCP_DEPTH_DEFAULT 64
#define STRATA_SCP_DEPTH_MAX 256
/* Bytes strata_scp_data_buf offers at most (file data is staged there). */
#define STRATA_SCP_DATA_CHUNK (256u * 1024u)

typedef struct strata_scp strata_scp;

typedef enum strata_scp_role {
    STRATA_SCP_SINK = 1, /* we receive (the remote runs scp -f) */
    STRATA_SCP_SOURCE,   /* we send (the remote runs scp -t) */
} strata_scp_role;

typedef enum strata_scp_event_type {
    /* sink */
    STRATA_SCP_EV_FILE = 1, /* a C record: name, mode, size, times */
    STRATA_SCP_EV_DATA,     /* data, len at offset of the current file */
    STRATA_SCP_EV_FILE_END, /* all data in; message non-empty when the
                               sender reported a failure for this file */
    STRATA_SCP_EV_DIR,      /* a D record (recursive only): name, mode, times */
    STRATA_SCP_EV_DIR_END,  /* an E record */
    /* both roles */
    STRATA_SCP_EV_WARNING, /* a \1 line: message (the peer's words). For a
                              source, refused says the record it answers
                              (a C or D) was refused: skip that item. */
} strata_scp_event_type;

typedef struct strata_scp_event {
    strata_scp_event_type type;
    const char *name; /* FILE, DIR: one path component, checked */
    uint32_t mode;    /* FILE, DIR: <= 07777 as sent */
    uint64_t size;    /* FILE */
    int has_times;    /* FILE, DIR: a T record came first */
    int64_t mtime, atime;
    const uint8_t *data; /* DATA */
    size_t len;
    uint64_t offset;
    const char *message; /* WARNING, FILE_END ("" when fine) */
    int refused;         /* WARNING (source) */
    unsigned depth;      /* directories entered so far */
} strata_scp_event;

typedef struct strata_scp_config {
    strata_scp_role role;
    /* sink: accept D / E records (-r). */
    int recursive;
    /* sink, not recursive: the last path component asked for; a C record's
     * name must equal it, or match it as an fnmatch(3) pattern when it holds
     * '*', '?' or '['. NULL, "", ".", ".." or a "~..." component: no check
     * (the remote shell decides what those name). Copied. */
    const char *expect;
    /* sink: deepest D nesting (0: STRATA_SCP_DEPTH_DEFAULT; at most
     * STRATA_SCP_DEPTH_MAX). */
    unsigned max_depth;
    /* Events, called with ev (and all its pointers) borrowed for the call.
     * The callback may call strata_scp_refuse; it must not free s. */
    void (*on_event)(void *user, strata_scp *s, const strata_scp_event *ev);
    void *user; /* passed back, never freed */
} strata_scp_config;

/* Makes an engine (*out is the caller's: strata_scp_free). cfg is read
 * during the call. A sink queues its opening \0 at once. E_USAGE for a
 * config without a role or callback, or max_depth above the bound. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_new(const strata_scp_config *cfg,
                                                          strata_scp **out);
/* NULL is allowed. */
STRATA_API void strata_scp_free(strata_scp *s);

/* Peer bytes. Takes every byte (events run from here) unless it fails:
 * then the sticky error (strata_scp_error) and its status. A \2 line from
 * the peer fails the engine with E_IO and the peer's message. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_feed(strata_scp *s, const uint8_t *p,
                                                           size_t n);
/* The peer's stream ended. STRATA_OK when that is an orderly end (sink:
 * between records at the top level; source: nothing unanswered), else
 * E_IO with a message saying what was cut short ("lost connection:
 * 12 of 4096 bytes of \"big\" received"). */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_eof(strata_scp *s);

/* Bytes for the peer (borrowed until the next call on s); *n 0 when none. */
STRATA_API const uint8_t *strata_scp_out(const strata_scp *s, size_t *n);
STRATA_API void strata_scp_out_ack(strata_scp *s, size_t n);

/* The first error (status STRATA_OK while none). Borrowed, lives with s. */
STRATA_API const strata_error *strata_scp_error(const strata_scp *s);

/* ---- sink ------------------------------------------------------------------------ */

/* From within a FILE, DIR, DATA or FILE_END event: this item failed here
 * (a local file could not be created or written). The engine answers the
 * peer with "\1scp: <message>\n" in place of the \0 it owes: at once for
 * FILE / DIR (the peer then skips the file or directory: no DATA, no
 * FILE_END, no DIR_END for it), at the file's end for DATA / FILE_END (the
 * rest of the data still arrives, for staying in step, and DATA events for
 * it are not called). message is copied (truncated to
 * STRATA_SCP_LINE_MAX - 8). E_STATE at any other time. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_refuse(strata_scp *s, const char *message);

/* ---- source ---------------------------------------------------------------------- */

/* What the source may do next:
 * - STRATA_OK: send a record (send_file, send_dir, send_dir_end, warn) or,
 *   when strata_scp_pending is 0, stop;
 * - STRATA_WANT_READ: waiting for the answer to a C or D record (feed);
 * - STRATA_WANT_WRITE: file data is due (data_buf / data_ack), then
 *   send_file_end;
 * - the sticky error. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_source_state(const strata_scp *s);
/* Directories the peer accepted and not yet ended (a D record that was
 * refused leaves it unchanged: skip that directory's contents). */
STRATA_API unsigned strata_scp_source_depth(const strata_scp *s);
/* Answers still owed by the peer (records pipelined behind each other). */
STRATA_API size_t strata_scp_pending(const strata_scp *s);

/* Queues "T..." (when has_times) and "C<mode> <size> <name>\n": mode is
 * masked to 07777, name one path component (no '/' or newline, not "." or
 * "..", at most STRATA_SCP_NAME_MAX bytes: E_USAGE otherwise). Only in
 * state OK. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_send_file(strata_scp *s, const char *name,
                                                                uint32_t mode, uint64_t size,
                                                                int has_times, int64_t mtime,
                                                                int64_t atime);
/* Queues "T..." and "D<mode> 0 <name>\n", checked as send_file. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_send_dir(strata_scp *s, const char *name,
                                                               uint32_t mode, int has_times,
                                                               int64_t mtime, int64_t atime);
/* Queues "E\n" (E_STATE outside an accepted directory). */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_send_dir_end(strata_scp *s);
/* Space for file data (state WANT_WRITE): *cap bytes (at most what the
 * file still owes and STRATA_SCP_DATA_CHUNK; 0 while earlier output waits to
 * be sent). Fill some and acknowledge them with data_ack. The pointer is
 * valid until the next call on s. */
STRATA_API uint8_t *strata_scp_data_buf(strata_scp *s, size_t *cap);
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_data_ack(strata_scp *s, size_t n);
/* Once all data is given: the file's status byte, \0, or with message
 * (the local file failed mid-way; the caller sent filler to keep the peer
 * in step) "\1scp: <message>\n". */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_send_file_end(strata_scp *s,
                                                                    const char *message);
/* Queues "\1scp: <message>\n" (a local file that could not be sent, as
 * OpenSSH reports it to the peer); no answer is owed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_scp_warn(strata_scp *s, const char *message);

#endif
