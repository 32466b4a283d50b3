/*
 * buf.h - growable byte buffers with a hard maximum, and CSV fields.
 *
 * A struct buf owns its bytes; buf_take() hands them to the caller.
 * Appends beyond b->max fail (-1) and leave the buffer as it was, so a
 * caller can never grow one without bound from outside input.
 */
#ifndef STAFETA_BUF_H
#define STAFETA_BUF_H

#include <stddef.h>
#include <stdio.h>

struct buf {
	char *data; /* always NUL-terminated when len > 0 */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit, 0 = none; appends beyond fail */
};

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

#endif /* STAFETA_BUF_H */
