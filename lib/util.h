/*
 * util.h - memory that never returns NULL, bounded string copies, integer
 * parsing and directories: the smallest helpers every module uses.
 *
 * xmalloc and friends call fatal() on exhaustion: a gateway that is out of
 * memory should be restarted by systemd, not limp on (conventions.md 8).
 */
#ifndef STAFETA_UTIL_H
#define STAFETA_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UNUSED(x) ((void)(x))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))


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
/* Creates a directory and its parents; 0 if it exists. */
int mkdir_p(const char *path, unsigned mode) __attribute__((warn_unused_result));


#endif /* STAFETA_UTIL_H */
