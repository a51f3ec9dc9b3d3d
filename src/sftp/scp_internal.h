/* Internals of the SCP engine (src/sftp/scp*.c): its state, and what the
 * sink and source halves share with the common part. */
#ifndef STRATA_SFTP_SCP_INTERNAL_H
#define STRATA_SFTP_SCP_INTERNAL_H

#include "strata/buf.h"
#include "strata/scp.h"

#define OUT_MAX (2u * STRATA_SCP_DATA_CHUNK + 8u * STRATA_SCP_LINE_MAX)
#define OWED_MAX (STRATA_SCP_DEPTH_MAX + 8u)
#define MSG_MAX (STRATA_SCP_LINE_MAX - 8u)

enum in_state {
    IN_LINE,   /* gathering a line up to '\n' */
    IN_DATA,   /* sink: file data */
    IN_STATUS, /* sink: the byte after a file's data */
    IN_ANSWER, /* source: the first byte of an answer */
};

/* What a line in IN_LINE is. */
enum line_kind {
    LINE_RECORD,    /* sink: a record or a \1 / \2 message */
    LINE_FILE_MSG,  /* sink: the \1 / \2 message after a file's data */
    LINE_ANSWER,    /* source: the message of a \1 / \2 answer */
    LINE_BAD_REPLY, /* source: an answer that is neither: its text */
};

struct strata_scp {
    strata_scp_config cfg;
    char *expect;
    int check_expect, expect_glob;
    unsigned max_depth;
    strata_error err;
    strata_buf out;
    size_t staged; /* source: bytes reserved by data_buf, not yet acked */

    enum in_state in;
    enum line_kind line_kind;
    char line[STRATA_SCP_LINE_MAX + 1];
    size_t line_len;
    unsigned depth;

    /* sink: the current file, the pending T record, the callback's verdict */
    int has_times;
    int64_t mtime, atime;
    char name[STRATA_SCP_NAME_MAX + 1];
    uint64_t size, got;
    strata_scp_event_type in_event; /* 0 outside a callback */
    int refused;
    char refuse_msg[MSG_MAX + 1];

    /* source */
    char owed[OWED_MAX]; /* 'S' start, 'T', 'C', 'D', 'E', 'F' file end */
    size_t owed_head, owed_n;
    int blocked;    /* a C or D is unanswered */
    int file_phase; /* a C was accepted: data, then send_file_end */
    uint64_t data_left;
    unsigned src_depth;
};

/* scp.c */
/* Escapes: printable ASCII stays, the rest as \ooo (controls_only: only C0,
 * DEL and C1, for text that goes on to a terminal or the peer). */
void strata__scp_vis_some(char *dst, size_t cap, const char *src, size_t n, int controls_only);
void strata__scp_vis(char *dst, size_t cap, const char *src, size_t n);
strata_status strata__scp_put_line(strata_scp *s, char lead, const char *msg);
/* Records a refusal (sticky) and tells the peer it is fatal. */
strata_status strata__scp_fail(strata_scp *s, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
strata_status strata__scp_put_ack(strata_scp *s);
void strata__scp_emit(strata_scp *s, strata_scp_event *ev);
void strata__scp_peer_message(const strata_scp *s, char *buf, size_t cap);
/* scp_sink.c: a whole line from the peer; a file's end (its status byte
 * or message in) */
strata_status strata__scp_sink_line(strata_scp *s);
strata_status strata__scp_end_file(strata_scp *s, const char *message);
/* scp_source.c: a whole answer line; the answer to the oldest record */
strata_status strata__scp_source_line(strata_scp *s);
strata_status strata__scp_answered(strata_scp *s, const char *refusal);

#endif
