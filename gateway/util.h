/*
 * util.h - memory, strings, time and growable buffers shared by every
 * module.
 *
 * xmalloc and friends call fatal() on exhaustion: a gateway that is out of
 * memory should be restarted by systemd, not limp on (conventions.md 8).
 * A struct buf owns its bytes; buf_take() hands them to the caller.
 */
#ifndef STAFETA_UTIL_H
#define STAFETA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UNUSED(x) ((void)(x))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct buf {
	char *data; /* always NUL-terminated when len > 0 */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit, 0 = none; appends beyond fail */
};

/* util.c */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* asprintf that fatal()s; caller frees. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Copies at most dstsize-1 bytes and NUL-terminates; returns strlen(src). */
size_t strlcpy_s(char *dst, const char *src, size_t dstsize);
/* Parses a whole decimal integer in [min,max]; 0 on success, -1 otherwise. */
int parse_int64(const char *, int64_t min, int64_t max, int64_t *out)
    __attribute__((warn_unused_result));
int64_t now_ms(void);	   /* CLOCK_REALTIME in milliseconds */
int64_t now_mono_ms(void); /* CLOCK_MONOTONIC in milliseconds */
/* "2026-11-22 16:10:05" (UTC) for a unix time in seconds. */
const char *fmt_time(int64_t secs, char *buf, size_t len);
/* Creates a directory and its parents; 0 if it exists. */
int mkdir_p(const char *path, unsigned mode) __attribute__((warn_unused_result));

/*
 * Normalises a phone number to E.164 ("+40722123456").  Accepts "+CC...",
 * "00CC..." and national "0..." numbers (country code cc_default, e.g.
 * "40"), ignoring spaces, dots, dashes and parentheses.  0 or -1.
 */
int phone_normalize(const char *in, const char *cc_default, char *out,
    size_t outlen) __attribute__((warn_unused_result));

void buf_init(struct buf *, size_t max);
int buf_add(struct buf *, const void *, size_t)
    __attribute__((warn_unused_result));
int buf_addstr(struct buf *, const char *) __attribute__((warn_unused_result));
int buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));
char *buf_take(struct buf *); /* caller frees; buf is reset */
void buf_reset(struct buf *);
void buf_free(struct buf *);

/* Writes one CSV field quoted per RFC 4180, then "," or "\r\n" if last. */
void csv_field(FILE *, const char *, int last);

#endif /* STAFETA_UTIL_H */
