/*
 * zone.c - local time in IANA zones by switching TZ around localtime_r
 * and mktime (glibc reads the zone's TZif file, footer rule included, so
 * dates past the last listed transition are right too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "zone.h"

struct zone_country {
	const char *iso2;
	const char *calling; /* without "+" */
	const char *zone;
};

/* Romania, its neighbours, and where Romanian and Hungarian-speaking
 * parents mostly go to work.  Countries spanning several zones (US,
 * Russia, ...) are left out: they need the zone named in configuration. */
static const struct zone_country zone_countries[] = {
	{ "RO", "40", "Europe/Bucharest" }, { "MD", "373", "Europe/Chisinau" },
	{ "HU", "36", "Europe/Budapest" }, { "IT", "39", "Europe/Rome" },
	{ "ES", "34", "Europe/Madrid" }, { "DE", "49", "Europe/Berlin" },
	{ "AT", "43", "Europe/Vienna" }, { "FR", "33", "Europe/Paris" },
	{ "GB", "44", "Europe/London" }, { "IE", "353", "Europe/Dublin" },
	{ "BE", "32", "Europe/Brussels" }, { "NL", "31", "Europe/Amsterdam" },
	{ "LU", "352", "Europe/Luxembourg" }, { "CH", "41", "Europe/Zurich" },
	{ "DK", "45", "Europe/Copenhagen" }, { "SE", "46", "Europe/Stockholm" },
	{ "NO", "47", "Europe/Oslo" }, { "FI", "358", "Europe/Helsinki" },
	{ "PL", "48", "Europe/Warsaw" }, { "CZ", "420", "Europe/Prague" },
	{ "SK", "421", "Europe/Bratislava" }, { "GR", "30", "Europe/Athens" },
	{ "PT", "351", "Europe/Lisbon" }, { "CY", "357", "Asia/Nicosia" },
	{ "MT", "356", "Europe/Malta" }, { "SI", "386", "Europe/Ljubljana" },
	{ "HR", "385", "Europe/Zagreb" }, { "RS", "381", "Europe/Belgrade" },
	{ "BG", "359", "Europe/Sofia" }, { "UA", "380", "Europe/Kyiv" },
	{ "IL", "972", "Asia/Jerusalem" }, { "TR", "90", "Europe/Istanbul" },
	{ "IS", "354", "Atlantic/Reykjavik" },
};

/* Runs localtime_r or mktime with TZ=:zone, then puts TZ back. */
struct zone_saved {
	char *tz; /* owned copy of the previous TZ, or NULL if unset */
};

static void
zone_enter(struct zone_saved *s, const char *zone)
{
	const char *old = getenv("TZ");
	char buf[128];

	s->tz = old != NULL ? xstrdup(old) : NULL;
	snprintf(buf, sizeof(buf), ":%s", zone);
	setenv("TZ", buf, 1);
	tzset();
}

static void
zone_leave(struct zone_saved *s)
{
	if (s->tz != NULL)
		setenv("TZ", s->tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->tz);
	s->tz = NULL;
}

int
zone_valid(const char *name)
{
	char path[256];
	int n;

	/* A name glibc cannot open silently means UTC, so look for the file;
	 * ".." would escape the database. */
	if (name == NULL || name[0] == '\0' || name[0] == '/' ||
	    strstr(name, "..") != NULL)
		return 0;
	n = snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return access(path, R_OK) == 0;
}

const char *
zone_for_country(const char *iso2)
{
	if (iso2 == NULL)
		return NULL;
	for (size_t i = 0; i < NELEM(zone_countries); i++) {
		if (strcasecmp(iso2, zone_countries[i].iso2) == 0)
			return zone_countries[i].zone;
	}
	return NULL;
}

const char *
zone_for_phone(const char *e164, const char *fallback)
{
	const char *best = NULL;
	size_t bestlen = 0;

	if (e164 == NULL || e164[0] != '+')
		return fallback;
	/* Calling codes are a prefix code: the longest match wins. */
	for (size_t i = 0; i < NELEM(zone_countries); i++) {
		size_t l = strlen(zone_countries[i].calling);

		if (l > bestlen &&
		    strncmp(e164 + 1, zone_countries[i].calling, l) == 0) {
			best = zone_countries[i].zone;
			bestlen = l;
		}
	}
	return best != NULL ? best : fallback;
}

int
zone_local(int64_t ms, const char *zone, struct tm *out)
{
	struct zone_saved s;
	time_t t = (time_t)(ms / 1000);
	int rc;

	if (!zone_valid(zone))
		return -1;
	zone_enter(&s, zone);
	rc = localtime_r(&t, out) != NULL ? 0 : -1;
	zone_leave(&s);
	return rc;
}

int64_t
zone_mktime(const char *zone, const struct tm *tm)
{
	struct zone_saved s;
	struct tm t = *tm;
	time_t r;

	if (!zone_valid(zone))
		return -1;
	zone_enter(&s, zone);
	/* isdst = -1 lets the database decide; a time in the spring-forward
	 * gap is normalised forward by glibc. */
	t.tm_isdst = -1;
	r = mktime(&t);
	zone_leave(&s);
	return r == (time_t)-1 ? -1 : (int64_t)r * 1000;
}

int64_t
zone_next_window(int64_t ms, const char *zone, int from_h, int to_h)
{
	struct tm tm;

	if (from_h < 0 || to_h > 24 || from_h >= to_h)
		return -1;
	if (zone_local(ms, zone, &tm) != 0)
		return -1;
	if (tm.tm_hour >= from_h && tm.tm_hour < to_h)
		return ms;
	if (tm.tm_hour >= to_h)
		tm.tm_mday++; /* mktime normalises the month */
	tm.tm_hour = from_h;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	return zone_mktime(zone, &tm);
}
