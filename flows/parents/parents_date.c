/*
 * parents_date.c - days as parents type them, and days in a zone.
 *
 * A parent writes 15.3.2027, 15/03/2027 or 15-03-2027; SPAS staff write
 * 2027-03-15.  Days are counted as days since 1970-01-01 (proleptic
 * Gregorian, no time zone), local times through lib/zone.h so that
 * summer time comes from the zone database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parents.h"
#include "zone.h"

static int64_t days_from_civil(int64_t y, int m, int d);

/* Howard Hinnant's days_from_civil. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
parents_date_from_days(int64_t z, char out[11])
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)(y % 10000),
	    (int)(m % 100), (int)(d % 100));
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

static int
read_num(const char **p, int maxdigits, long *out)
{
	char *end;
	int n = 0;

	while ((*p)[n] >= '0' && (*p)[n] <= '9')
		n++;
	if (n == 0 || n > maxdigits)
		return -1;
	*out = strtol(*p, &end, 10);
	*p = end;
	return 0;
}

int
parents_date_parse(const char *in, char out[11])
{
	const char *p = in;
	long a, b, c, y, m, d;
	char sep, chk[11];

	while (*p == ' ')
		p++;
	if (read_num(&p, 4, &a) != 0)
		return -1;
	sep = *p;
	if (sep != '.' && sep != '/' && sep != '-')
		return -1;
	p++;
	if (read_num(&p, 2, &b) != 0 || *p != sep)
		return -1;
	p++;
	if (read_num(&p, 4, &c) != 0)
		return -1;
	while (*p == ' ' || *p == '.')
		p++;
	if (*p != '\0')
		return -1;
	if (a > 31) {		/* 2027-03-15 */
		y = a;
		m = b;
		d = c;
	} else {		/* 15.3.2027, 15/03/27 */
		d = a;
		m = b;
		y = c < 100 ? 2000 + c : c;
	}
	if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	parents_date_from_days(days_from_civil(y, (int)m, (int)d), chk);
	{
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "%04ld-%02ld-%02ld", y, m, d);
		memcpy(out, tmp, 10);
		out[10] = '\0';
	}
	return strcmp(chk, out) == 0 ? 0 : -1; /* 31.02 rolls over */
}

int64_t
parents_date_days(const char *ymd)
{
	char tmp[11];

	if (ymd == NULL || strlen(ymd) != 10 || parents_date_parse(ymd, tmp))
		return -1;
	return days_from_civil(strtol(ymd, NULL, 10),
	    (int)strtol(ymd + 5, NULL, 10), (int)strtol(ymd + 8, NULL, 10));
}

int64_t
parents_day_in_zone(int64_t ms, const char *zone)
{
	struct tm tm;

	if (zone_local(ms, zone, &tm) != 0)
		return ms / PARENTS_DAY_MS;
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t
parents_day_at(int64_t day, int hour, const char *zone)
{
	struct tm tm;
	char ymd[11];
	int64_t ms;

	parents_date_from_days(day, ymd);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)strtol(ymd, NULL, 10) - 1900;
	tm.tm_mon = (int)strtol(ymd + 5, NULL, 10) - 1;
	tm.tm_mday = (int)strtol(ymd + 8, NULL, 10);
	tm.tm_hour = hour;
	ms = zone_mktime(zone, &tm);
	return ms >= 0 ? ms : day * PARENTS_DAY_MS + hour * 3600000LL;
}

void
parents_date_show(const char *ymd, char *out, size_t outlen)
{
	if (ymd == NULL || strlen(ymd) != 10) {
		snprintf(out, outlen, "?");
		return;
	}
	snprintf(out, outlen, "%.2s.%.2s.%.4s", ymd + 8, ymd + 5, ymd);
}

int64_t
parents_add_working_days(int64_t ms, int n)
{
	int64_t day = ms / PARENTS_DAY_MS;

	while (n > 0) {
		ms += PARENTS_DAY_MS;
		day++;
		/* 1970-01-01 was a Thursday: (day + 4) % 7 == 0 is Sunday */
		if ((day + 4) % 7 != 0 && (day + 4) % 7 != 6)
			n--;
	}
	return ms;
}
