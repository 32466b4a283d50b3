/*
 * clock.h - the one source of "now" (conventions.md 22).
 *
 * Every wall-clock reading in Stafeta goes through clock_now_ms(), so that
 * tests own time: a unit test sets it with clock_test_set(); an end-to-end
 * test starts the daemon and the CLI with STAFETA_TEST_CLOCK=FILE, and the
 * wall clock is then the real clock plus the offset in milliseconds
 * written in FILE (re-read whenever the file changes; a missing or empty
 * file is offset 0).  Advancing FILE moves every deadline, expiry and
 * schedule forward without sleeping.  Production never sets either.
 *
 * Monotonic time (clock_mono_ms) measures intervals inside one process
 * (watchdogs, rate limits) and is not moved by tests.
 */
#ifndef STAFETA_CLOCK_H
#define STAFETA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_TEST_ENV "STAFETA_TEST_CLOCK" /* file holding the offset */

/* Unix time in milliseconds: real, test-offset, or test-set. */
int64_t clock_now_ms(void);
/* CLOCK_MONOTONIC in milliseconds. */
int64_t clock_mono_ms(void);
/* 1 if a test clock (variable or clock_test_set) is in force. */
int clock_is_test(void);
/* Freezes the wall clock at ms (unit tests); ms < 0 returns to the real
 * clock. */
void clock_test_set(int64_t ms);
/* Moves a frozen test clock forward by delta ms (unit tests). */
void clock_test_advance(int64_t delta);
/* "2026-11-22 16:10:05" (UTC) for a unix time in seconds, into buf. */
const char *clock_fmt_utc(int64_t secs, char *buf, size_t len);

#endif /* STAFETA_CLOCK_H */
