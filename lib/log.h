/*
 * log.h - the one logging API (modelled on OpenSMTPD's log.c).
 *
 * Lines go to stderr (journald adds the timestamp under systemd) or to
 * syslog-less foreground output with a timestamp.  Every line should carry
 * its subject: "modem m1: ...", "msg 42: ...".  Message bodies, phone
 * numbers, PINs and HTTP credentials are never logged at info level or
 * above; log_debug may show a redacted number (log_redact_number).
 */
#ifndef STAFETA_LOG_H
#define STAFETA_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* log.c */
void log_init(enum log_level level, const char *procname);
void log_set_level(enum log_level);
void log_set_procname(const char *); /* borrowed; must outlive logging */
int log_level_parse(const char *, enum log_level *);
enum log_level log_get_level(void);
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* Writes "+4072****456" style redaction of a number into buf. */
const char *log_redact_number(const char *number, char *buf, size_t len);

#endif /* STAFETA_LOG_H */
