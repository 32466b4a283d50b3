/*
 * log.c - leveled logging to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static const char *log_procname = "stafeta";

static void log_vwrite(const char *, const char *, int, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

void
log_init(enum log_level level, const char *procname)
{
	log_level = level;
	if (procname != NULL)
		log_procname = procname;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_set_procname(const char *procname)
{
	log_procname = procname;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
log_vwrite(const char *tag, const char *suffix, int with_errno,
    const char *fmt, va_list ap)
{
	char line[1024];
	int saved = errno;
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* Under systemd journald timestamps; in a terminal we add our own. */
	if (getenv("JOURNAL_STREAM") == NULL) {
		char ts[32];
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld ", ts, now.tv_nsec / 1000000);
	}
	if (with_errno)
		fprintf(stderr, "%s[%d]: %s%s: %s%s\n", log_procname,
		    (int)getpid(), tag, line, strerror(saved), suffix);
	else
		fprintf(stderr, "%s[%d]: %s%s%s\n", log_procname, (int)getpid(),
		    tag, line, suffix);
	errno = saved;
}

#define LOG_BODY(lvl, tag, with_errno)                                        \
	do {                                                                  \
		va_list ap;                                                   \
		if (log_level < (lvl))                                        \
			return;                                               \
		va_start(ap, fmt);                                            \
		log_vwrite((tag), "", (with_errno), fmt, ap);                 \
		va_end(ap);                                                   \
	} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warning: ", 1);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, "warning: ", 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, "", 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, "debug: ", 0);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("fatal: ", "", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("fatal: ", "", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_redact_number(const char *number, char *buf, size_t len)
{
	size_t n = number != NULL ? strlen(number) : 0;

	if (len == 0)
		return "";
	if (n <= 6) {
		snprintf(buf, len, "***");
		return buf;
	}
	snprintf(buf, len, "%.*s****%s", (int)(n - 7), number, number + n - 3);
	return buf;
}
