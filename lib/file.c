/*
 * file.c - reading a whole small file with a size limit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "util.h"

int
file_read(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen)
{
	FILE *f;
	struct stat sb;
	char *data;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		fclose(f);
		return -1;
	}
	/* One byte more than allowed tells "too large" from "exactly max". */
	data = xmalloc(max + 2);
	n = fread(data, 1, max + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		free(data);
		return -1;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}
