/*
 * file.h - reading a whole small file (configuration, flow files, the
 * indicator table) with a size limit.
 */
#ifndef STAFETA_FILE_H
#define STAFETA_FILE_H

#include <stddef.h>

/*
 * Reads all of path (at most max bytes) into a new NUL-terminated buffer
 * *out (caller frees) of *len bytes.  0, or -1 with "path: reason" in err
 * (missing, unreadable, a directory, or larger than max).
 */
int file_read(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errlen) __attribute__((warn_unused_result));

#endif /* STAFETA_FILE_H */
