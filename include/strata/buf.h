/* strata/buf.h - the one bounds-checked byte buffer.
 *
 * A strata_buf holds bytes [off, len) of a region of cap bytes. Writers append
 * at len, readers consume from off. Every buffer has a hard cap (max): a put
 * that would pass it fails with STRATA_E_LIMIT and leaves the buffer unchanged.
 * Every get checks the remaining length first, written so it cannot overflow,
 * and on failure leaves the buffer unchanged (the read offset does not move).
 *
 * Wire types are those of RFC 4251 §5: byte, boolean, uint32, uint64, string,
 * mpint, name-list.
 *
 * Ownership: a buffer made by strata_buf_init owns its storage and frees it in
 * strata_buf_free (wiping it first if marked secret). A view made by
 * strata_buf_view or strata_buf_get_sub borrows the bytes it reads: it is
 * read-only, owns nothing, and is valid only while those bytes are. Pointers
 * returned by strata_buf_ptr, strata_buf_get_string and friends point into the
 * buffer and are valid until the buffer is next written, compacted or freed.
 *
 * The struct is public so buffers can be embedded; use only the functions.
 */
#ifndef STRATA_BUF_H
#define STRATA_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"

typedef struct strata_buf {
    uint8_t *data;
    size_t off; /* read position */
    size_t len; /* end of valid bytes */
    size_t cap; /* allocated bytes */
    size_t max; /* hard cap on cap */
    unsigned flags;
} strata_buf;

#define STRATA_BUF_MAX_DEFAULT (16u * 1024u * 1024u)
/* RFC 4251 §6: names are at most 64 characters. */
#define STRATA_NAME_MAX 64

/* An owning, empty buffer that may grow to max bytes (0: default cap). */
STRATA_API void strata_buf_init(strata_buf *b, size_t max);
/* An owning buffer with no bytes in it gives back its storage (wiped first
 * when secret); its cap and flags stay. Does nothing otherwise. */
STRATA_API void strata_buf_release(strata_buf *b);
/* A read-only view of n bytes at p (borrowed). */
STRATA_API void strata_buf_view(strata_buf *b, const void *p, size_t n);
/* Frees owned storage (wiping it if secret) and resets *b to an empty view. */
STRATA_API void strata_buf_free(strata_buf *b);
/* Marks the buffer as holding secrets: storage is wiped on free, on growth
 * and on reset, and bytes dropped by consume_end or left behind by compaction
 * are wiped at once. */
STRATA_API void strata_buf_set_secret(strata_buf *b);
/* Drops all bytes (wiping if secret); keeps the storage. */
STRATA_API void strata_buf_reset(strata_buf *b);

/* Unread bytes. */
STRATA_API size_t strata_buf_len(const strata_buf *b);
/* Pointer to the unread bytes (borrowed; see above). */
STRATA_API const uint8_t *strata_buf_ptr(const strata_buf *b);
/* Bytes that can still be appended before the hard cap. */
STRATA_API size_t strata_buf_avail(const strata_buf *b);
STRATA_API int strata_buf_is_readonly(const strata_buf *b);

/* Consumes n unread bytes: E_TRUNCATED if fewer remain. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_consume(strata_buf *b, size_t n);
/* Drops n bytes from the end of the unread region: E_TRUNCATED if fewer. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_consume_end(strata_buf *b, size_t n);
/* E_TRAILING unless every byte has been read. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_end(const strata_buf *b);

/* Appends n uninitialised bytes and returns where they start in *out. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_reserve(strata_buf *b, size_t n,
                                                              uint8_t **out);
/* Appends n bytes from p. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put(strata_buf *b, const void *p, size_t n);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_u8(strata_buf *b, uint8_t v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_bool(strata_buf *b, int v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_u32(strata_buf *b, uint32_t v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_u64(strata_buf *b, uint64_t v);
/* string: uint32 length then the bytes. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_string(strata_buf *b, const void *p,
                                                                 size_t n);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_cstring(strata_buf *b, const char *s);
/* The unread bytes of src as one string. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_stringb(strata_buf *b,
                                                                  const strata_buf *src);
/* mpint from a big-endian magnitude (leading zeros allowed in the input; the
 * encoding is minimal, with a 0x00 prefix when the top bit is set). negative
 * selects two's-complement encoding of -magnitude. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_mpint(strata_buf *b, const uint8_t *mag,
                                                                size_t n, int negative);
/* name-list from a C string ("a,b,c"), validated as strata_buf_get_namelist does. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_put_namelist(strata_buf *b, const char *list);

STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_u8(strata_buf *b, uint8_t *v);
/* Any non-zero byte is true (RFC 4251 §5); *v is 0 or 1. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_bool(strata_buf *b, int *v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_u32(strata_buf *b, uint32_t *v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_u64(strata_buf *b, uint64_t *v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_peek_u8(const strata_buf *b, uint8_t *v);
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_peek_u32(const strata_buf *b, uint32_t *v);
/* Copies n raw bytes out. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_bytes(strata_buf *b, void *out, size_t n);
/* string: *p points into b (borrowed), *n its length. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_string(strata_buf *b, const uint8_t **p,
                                                                 size_t *n);
/* string as a NUL-terminated heap copy (free() it); E_FORMAT if it holds a NUL. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_cstring(strata_buf *b, char **out);
/* string as a read-only child view for parsing a sub-message. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_sub(strata_buf *b, strata_buf *child);
/* mpint (RFC 4251 §5), strictly canonical: E_FORMAT for a needless leading
 * 0x00 or 0xff byte. *mag and *n: the big-endian magnitude without leading zeros,
 * pointing into b when positive. Negative values are refused with E_FORMAT by
 * this call (SSH never sends them where strata reads mpints); use
 * strata_buf_get_mpint_signed for the general case. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_mpint(strata_buf *b, const uint8_t **mag,
                                                                size_t *n);
/* Signed mpint: *raw and *n are the two's-complement bytes as sent (borrowed),
 * *negative the sign. Zero is the empty string. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_mpint_signed(strata_buf *b,
                                                                       const uint8_t **raw,
                                                                       size_t *n, int *negative);
/* name-list (RFC 4251 §5): a NUL-terminated heap copy (free() it). Refuses
 * empty names (",,", leading or trailing comma), non-printable or non-ASCII
 * bytes, names longer than STRATA_NAME_MAX, and lists longer than max bytes.
 * An empty list is "". */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_namelist(strata_buf *b, size_t max,
                                                                   char **out);
/* Checks a name-list held in a C string, as above. */
STRATA_API STRATA_MUST_CHECK strata_status strata_namelist_check(const char *s, size_t n,
                                                                 size_t max);
/* name-list from a peer, read as OpenSSH reads it: empty names (",,", a
 * leading or trailing comma) are accepted and left out of the heap copy
 * ("a,,b," gives "a,b"; "," gives ""); everything else is refused as
 * strata_buf_get_namelist refuses it, max bounding the bytes as sent. */
STRATA_API STRATA_MUST_CHECK strata_status strata_buf_get_namelist_lenient(strata_buf *b,
                                                                           size_t max, char **out);
/* The same for n bytes at s (not NUL-terminated): *out a heap copy without
 * the empty names (free() it), NULL on error. */
STRATA_API STRATA_MUST_CHECK strata_status strata_namelist_copy_lenient(const char *s, size_t n,
                                                                        size_t max, char **out);

/* Moves unread bytes to the start of the storage (owning buffers only). */
STRATA_API void strata_buf_compact(strata_buf *b);

#endif
