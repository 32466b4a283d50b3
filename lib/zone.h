/*
 * zone.h - local time in a named time zone (IANA, from the system's
 * time zone database), for quiet hours and dates "in the recipient's
 * local time": a parent in Rome, a caretaker in Romania.
 *
 * Summer time comes from the zone database, never from fixed offsets.
 * Zones are IANA names ("Europe/Rome"); an unknown name is an error, not
 * silently UTC.  Not thread-safe: it switches TZ for the call, which is
 * safe because the daemon and the CLI are single-threaded (modem workers
 * are processes) and every call restores the previous value.
 */
#ifndef STAFETA_ZONE_H
#define STAFETA_ZONE_H

#include <stdint.h>
#include <time.h>

#define ZONE_HOME "Europe/Bucharest" /* Romania: the default recipient */

/* 1 if the zone database knows name, else 0. */
int zone_valid(const char *name);
/* The zone of a country: by ISO 3166 alpha-2 code ("IT", case-blind)
 * or NULL if no single zone is known for it. */
const char *zone_for_country(const char *iso2);
/* The zone of an E.164 number ("+39...") by its country calling code,
 * or fallback when the code is unknown or spans several zones (+1, +7). */
const char *zone_for_phone(const char *e164, const char *fallback);
/* ms (Unix time) as local time in zone; 0, or -1 if the zone is unknown. */
int zone_local(int64_t ms, const char *zone, struct tm *out);
/* Local time tm (tm_isdst ignored) in zone as Unix ms; a time inside a
 * spring-forward gap moves past it.  -1 if the zone is unknown. */
int64_t zone_mktime(const char *zone, const struct tm *tm);
/* The first moment >= ms at which the local hour in zone is within
 * [from_h, to_h) (0 <= from_h < to_h <= 24): ms itself when it already
 * is, else the next from_h:00 local.  -1 if the zone is unknown. */
int64_t zone_next_window(int64_t ms, const char *zone, int from_h, int to_h);

#endif /* STAFETA_ZONE_H */
