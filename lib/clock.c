/*
 * clock.c - the one source of "now"; see clock.h for the test seam.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

static int64_t clock_frozen = -1;  /* clock_test_set, -1 = not frozen */
static int clock_env_checked;	   /* STAFETA_TEST_CLOCK looked up */
static const char *clock_file;	   /* its value, NULL = real clock */
static int64_t clock_offset;	   /* last offset read from clock_file */
static struct timespec clock_mtime; /* clock_file's mtime when read */
static off_t clock_size;	   /* and its size */
static ino_t clock_ino;		   /* and its inode */

static int64_t clock_real_ms(void);
static void clock_file_refresh(void);

static int64_t
clock_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Re-reads the offset only when the file changed: one stat() per call,
 * and only in test runs.  The inode is compared too: timestamps are only
 * as fine as the kernel tick, so two quick writes of same-length offsets
 * can share an mtime, and tests replace the file by rename(). */
static void
clock_file_refresh(void)
{
	struct stat sb;
	FILE *f;
	char line[64];

	if (stat(clock_file, &sb) != 0) {
		clock_offset = 0;
		return;
	}
	if (sb.st_mtim.tv_sec == clock_mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == clock_mtime.tv_nsec &&
	    sb.st_size == clock_size && sb.st_ino == clock_ino)
		return;
	f = fopen(clock_file, "r");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(line, &end, 10);
		if (errno == 0 && end != line)
			clock_offset = v;
	} else
		clock_offset = 0;
	fclose(f);
	clock_mtime = sb.st_mtim;
	clock_size = sb.st_size;
	clock_ino = sb.st_ino;
}

int64_t
clock_now_ms(void)
{
	if (clock_frozen >= 0)
		return clock_frozen;
	if (!clock_env_checked) {
		const char *v = getenv(CLOCK_TEST_ENV);

		clock_file = v != NULL && v[0] != '\0' ? v : NULL;
		clock_env_checked = 1;
	}
	if (clock_file == NULL)
		return clock_real_ms();
	clock_file_refresh();
	return clock_real_ms() + clock_offset;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
clock_is_test(void)
{
	if (clock_frozen >= 0)
		return 1;
	(void)clock_now_ms();
	return clock_file != NULL;
}

void
clock_test_set(int64_t ms)
{
	clock_frozen = ms;
}

void
clock_test_advance(int64_t delta)
{
	if (clock_frozen >= 0)
		clock_frozen += delta;
}

const char *
clock_fmt_utc(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}
