/*
 * cases_rules.c - the pure rules of the case workflow: state names, the
 * transition table of spas-followup.md 5.2, the D7 cadence, calendar
 * months, and the benefit and service codes of 3.3.  No store, no
 * configuration: the unit tests call these directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases.h"
#include "util.h"

static const char *const state_names[CASES_STATE_N] = {
	[CASES_RECEIVED] = "received",
	[CASES_IN_OBSERVATORY] = "in_observatory",
	[CASES_INCOMPLETE] = "incomplete",
	[CASES_NO_SUSPICION] = "no_suspicion",
	[CASES_VISIT_PENDING] = "visit_pending",
	[CASES_RIS_ANALYSIS] = "ris_analysis",
	[CASES_NOT_CONFIRMED] = "not_confirmed",
	[CASES_CONFIRMED] = "confirmed",
	[CASES_PLAN_DUE] = "plan_due",
	[CASES_PLAN_DRAFTED] = "plan_drafted",
	[CASES_PLAN_APPROVED] = "plan_approved",
	[CASES_MONITORING] = "monitoring",
	[CASES_PLAN_REVISION] = "plan_revision",
	[CASES_REFRESH_DUE] = "refresh_due",
	[CASES_CLOSED] = "closed",
};

const char *
cases_strstate(int state)
{
	if (state < 0 || state >= CASES_STATE_N)
		return "?";
	return state_names[state];
}

int
cases_state_parse(const char *s)
{
	for (int i = 0; s != NULL && i < CASES_STATE_N; i++) {
		if (strcmp(s, state_names[i]) == 0)
			return i;
	}
	return -1;
}

const char *
cases_strstatus(enum cases_status st)
{
	switch (st) {
	case CASES_OK: return "ok";
	case CASES_ERR_STORE: return "database error";
	case CASES_ERR_NOT_FOUND: return "no such case";
	case CASES_ERR_STATE: return "not allowed in the case's state";
	case CASES_ERR_ARG: return "missing or malformed argument";
	case CASES_ERR_CODE: return "unknown code";
	case CASES_ERR_DATE: return "not a date YYYY-MM-DD (or in the future)";
	case CASES_ERR_REFERRAL: return "no open DGASPC referral, or one is "
	    "already open";
	case CASES_ERR_NO_TABLE: return "sheets not configured (no indicator "
	    "table)";
	}
	return "?";
}

static const char *const concl_names[] = { "none", "plan", "dgaspc" };

const char *
cases_strconclusion(int c)
{
	if (c < 0 || c >= (int)NELEM(concl_names))
		return "";
	return concl_names[c];
}

int
cases_conclusion_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < NELEM(concl_names); i++) {
		if (strcmp(s, concl_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

/* from -> to pairs of 5.2 (closing is allowed from any open state). */
static const unsigned char allowed[][2] = {
	{ CASES_RECEIVED, CASES_IN_OBSERVATORY },
	{ CASES_IN_OBSERVATORY, CASES_VISIT_PENDING },
	{ CASES_IN_OBSERVATORY, CASES_NO_SUSPICION },
	{ CASES_IN_OBSERVATORY, CASES_INCOMPLETE },
	/* A new sheet of the household re-evaluates (D8: a referral
	 * during the 12 months counts as an update). */
	{ CASES_INCOMPLETE, CASES_IN_OBSERVATORY },
	{ CASES_NO_SUSPICION, CASES_IN_OBSERVATORY },
	{ CASES_NOT_CONFIRMED, CASES_IN_OBSERVATORY },
	{ CASES_REFRESH_DUE, CASES_IN_OBSERVATORY },
	{ CASES_NO_SUSPICION, CASES_REFRESH_DUE },
	{ CASES_NOT_CONFIRMED, CASES_REFRESH_DUE },
	{ CASES_INCOMPLETE, CASES_REFRESH_DUE },
	{ CASES_VISIT_PENDING, CASES_RIS_ANALYSIS },
	{ CASES_RIS_ANALYSIS, CASES_NOT_CONFIRMED },
	{ CASES_RIS_ANALYSIS, CASES_CONFIRMED },
	{ CASES_CONFIRMED, CASES_PLAN_DUE },
	{ CASES_PLAN_DUE, CASES_PLAN_DRAFTED },
	{ CASES_PLAN_DRAFTED, CASES_PLAN_APPROVED },
	{ CASES_PLAN_APPROVED, CASES_MONITORING },
	{ CASES_MONITORING, CASES_PLAN_REVISION },
	/* Q3: a revised plan goes back to the mayor (a new order). */
	{ CASES_PLAN_REVISION, CASES_PLAN_DRAFTED },
	{ CASES_PLAN_REVISION, CASES_MONITORING },
};

int
cases_transition_allowed(int from, int to)
{
	if (from < 0 || from >= CASES_STATE_N || to < 0 ||
	    to >= CASES_STATE_N || from == CASES_CLOSED)
		return 0;
	if (from == to || to == CASES_CLOSED)
		return 1;
	for (size_t i = 0; i < NELEM(allowed); i++) {
		if (allowed[i][0] == from && allowed[i][1] == to)
			return 1;
	}
	return 0;
}

int
cases_cadence_months(int confirmed)
{
	if (confirmed <= 0)
		return 0;
	if (confirmed <= 5) /* Q2: exactly 5 is annual */
		return 12;
	if (confirmed <= 10)
		return 6;
	return 3;
}

int
cases_high_risk(int confirmed)
{
	return confirmed > 10;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
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

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

static int
month_days(int64_t y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

int64_t
cases_add_months(int64_t ms, int months)
{
	int64_t day = ms >= 0 ? ms / CASES_MS_DAY :
	    -((-ms + CASES_MS_DAY - 1) / CASES_MS_DAY);
	int64_t rest = ms - day * CASES_MS_DAY, y;
	int m, d, mi;

	civil_from_days(day, &y, &m, &d);
	mi = m - 1 + months;
	y += mi >= 0 ? mi / 12 : -((-mi + 11) / 12);
	mi = ((mi % 12) + 12) % 12;
	m = mi + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return days_from_civil(y, m, d) * CASES_MS_DAY + rest;
}

int
cases_parse_day(const char *s, int64_t *ms)
{
	int64_t y, mo, d;
	char buf[8];

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(buf, s, 4);
	buf[4] = '\0';
	if (parse_int64(buf, 2000, 2100, &y) != 0)
		return -1;
	memcpy(buf, s + 5, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 1, 12, &mo) != 0)
		return -1;
	memcpy(buf, s + 8, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 1, month_days(y, (int)mo), &d) != 0)
		return -1;
	*ms = days_from_civil(y, (int)mo, (int)d) * CASES_MS_DAY;
	return 0;
}

void
cases_format_day(int64_t ms, char *out, size_t outlen)
{
	int64_t y;
	int m, d;

	civil_from_days(ms >= 0 ? ms / CASES_MS_DAY :
	    -((-ms + CASES_MS_DAY - 1) / CASES_MS_DAY), &y, &m, &d);
	snprintf(out, outlen, "%04lld-%02d-%02d", (long long)y, m, d);
}

struct code_label {
	const char *code;
	const char *label;
};

/* spas-followup.md 3.3 A */
static const struct code_label benefits[] = {
	{ "1", "Alocație de stat pentru copii" },
	{ "2", "Alocație pentru susținerea familiei" },
	{ "3", "Alocație pentru familia monoparentală" },
	{ "4", "Indemnizație pentru nou-născut" },
	{ "5", "Alocație de hrană HIV/SIDA" },
	{ "6", "Ajutor pentru încălzirea locuinței" },
	{ "7", "Venit minim garantat" },
	{ "8", "Altă prestație" },
};

/* spas-followup.md 3.3 B */
static const struct code_label services[] = {
	{ "1", "Centru de zi" },
	{ "2", "Centru de zi și recuperare pentru copii cu dizabilități" },
	{ "3", "Centru de consiliere și sprijin pentru părinți" },
	{ "4", "Centru de reabilitare pentru copii cu probleme psihosociale" },
	{ "5", "Monitorizarea gravidelor cu risc de abandon" },
	{ "6", "Alt serviciu de prevenire" },
	{ "health", "Servicii de sănătate" },
	{ "education", "Servicii educaționale" },
	{ "rehabilitation", "Servicii de recuperare" },
	{ "other", "Alte servicii" },
};

static const char *
label_of(const struct code_label *l, size_t n, const char *code)
{
	for (size_t i = 0; code != NULL && i < n; i++) {
		if (strcasecmp(l[i].code, code) == 0)
			return l[i].label;
	}
	return NULL;
}

/* Normalises "1, 7" to "1,7" in table order; -1 on unknown/repeated. */
static int
codes_norm(const struct code_label *l, size_t n, const char *in, char *out,
    size_t outlen)
{
	int seen[16] = { 0 };
	char tok[32];
	const char *p = in;
	size_t len = 0;

	out[0] = '\0';
	if (in == NULL)
		return 0;
	while (*p != '\0') {
		size_t k = 0, i;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && *p != ',' && *p != ' ' &&
		    k + 1 < sizeof(tok))
			tok[k++] = *p++;
		tok[k] = '\0';
		for (i = 0; i < n; i++) {
			if (strcasecmp(l[i].code, tok) == 0)
				break;
		}
		if (i == n || seen[i])
			return -1;
		seen[i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!seen[i])
			continue;
		if (len + strlen(l[i].code) + 2 > outlen)
			return -1;
		len += (size_t)snprintf(out + len, outlen - len, "%s%s",
		    len > 0 ? "," : "", l[i].code);
	}
	return 0;
}

int
cases_benefits_norm(const char *in, char *out, size_t outlen)
{
	return codes_norm(benefits, NELEM(benefits), in, out, outlen);
}

int
cases_services_norm(const char *in, char *out, size_t outlen)
{
	return codes_norm(services, NELEM(services), in, out, outlen);
}

const char *
cases_benefit_label(const char *code)
{
	const char *l = label_of(benefits, NELEM(benefits), code);

	return l != NULL ? l : "?";
}

const char *
cases_service_label(const char *code)
{
	const char *l = label_of(services, NELEM(services), code);

	return l != NULL ? l : "?";
}
