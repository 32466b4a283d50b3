/*
 * flow_validate.c - what counts as a valid answer to each kind of
 * question, and the canonical value saved for it.
 *
 * Answers come from basic phones and hurried thumbs, so validation is
 * lenient about form ("3.", " 3 ", "Da!", "25/12/2025") and strict about
 * meaning (a menu choice must be offered, a date must exist).  One table
 * maps each question kind to its checker (convention 12).  Patterns are
 * PCRE2 with match and depth limits, so a careless pattern in a flow file
 * cannot stall the gateway on a crafted answer.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "phone.h"
#include "util.h"

#define PATTERN_MATCH_LIMIT 100000 /* backtracking steps per answer */
#define PATTERN_DEPTH_LIMIT 1000

typedef int ask_check_fn(const struct flow_node *, const char *raw,
    const char *norm, int64_t now, char **value);

struct ask_checker {
	enum flow_ask_kind kind;
	ask_check_fn *check;
};

static ask_check_fn check_number;
static ask_check_fn check_date;
static ask_check_fn check_yesno;
static ask_check_fn check_pattern;
static ask_check_fn check_phone;
static ask_check_fn check_text;
static int parse_uint(const char *, size_t, int64_t *);
static int valid_date(int64_t, int64_t, int64_t);

static const struct ask_checker ask_checkers[] = {
	{ .kind = FLOW_ASK_MENU, .check = check_number },
	{ .kind = FLOW_ASK_NUMBER, .check = check_number },
	{ .kind = FLOW_ASK_DATE, .check = check_date },
	{ .kind = FLOW_ASK_YESNO, .check = check_yesno },
	{ .kind = FLOW_ASK_PATTERN, .check = check_pattern },
	{ .kind = FLOW_ASK_PHONE, .check = check_phone },
	{ .kind = FLOW_ASK_TEXT, .check = check_text },
};

/* Digits only, at most 12 of them; 0 or -1. */
static int
parse_uint(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
flow_validate_range(const char *s, int64_t min, int64_t max, int64_t *lo,
    int64_t *hi)
{
	const char *dash;
	size_t a, b;

	while (*s == ' ')
		s++;
	dash = strchr(s, '-');
	if (dash == NULL) {
		a = strlen(s);
		while (a > 0 && s[a - 1] == ' ')
			a--;
		if (parse_uint(s, a, lo) != 0)
			return -1;
		*hi = *lo;
	} else {
		a = (size_t)(dash - s);
		while (a > 0 && s[a - 1] == ' ')
			a--;
		if (parse_uint(s, a, lo) != 0)
			return -1;
		dash++;
		while (*dash == ' ')
			dash++;
		b = strlen(dash);
		while (b > 0 && dash[b - 1] == ' ')
			b--;
		if (parse_uint(dash, b, hi) != 0)
			return -1;
	}
	if (*lo > *hi || *lo < min || *hi > max)
		return -1;
	return 0;
}

const char *
flow_validate_yesno(const char *norm)
{
	static const char *const yes[] = { "1", "DA", "D", "YES", "Y",
		"IGEN", "I", "OK" };
	static const char *const no[] = { "2", "NU", "N", "NO", "NEM" };
	size_t i;

	for (i = 0; i < NELEM(yes); i++) {
		if (strcmp(norm, yes[i]) == 0)
			return "yes";
	}
	for (i = 0; i < NELEM(no); i++) {
		if (strcmp(norm, no[i]) == 0)
			return "no";
	}
	return NULL;
}

/* Menus and numbers: the whole answer is one number in range. */
static int
check_number(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	int64_t v;

	UNUSED(raw);
	UNUSED(now);
	if (parse_uint(norm, strlen(norm), &v) != 0 || v < n->lo ||
	    v > n->hi)
		return 0;
	*value = xasprintf("%lld", (long long)v);
	return 1;
}

static int
check_yesno(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	const char *yn = flow_validate_yesno(norm);

	UNUSED(n);
	UNUSED(raw);
	UNUSED(now);
	if (yn == NULL)
		return 0;
	*value = xstrdup(yn);
	return 1;
}

static int
valid_date(int64_t y, int64_t m, int64_t d)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > days[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return 0;
	return 1;
}

/*
 * Dates: "25.12.2025", "25/12/25", "25 12 2025", "25122025",
 * "2025.12.25" (Hungarian and ISO order, recognised by the 4-digit
 * first group), "25.12" (this year).  Punctuation is already spaces.
 */
static int
check_date(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	int64_t part[3], y, m, d;
	const char *p = norm, *sp;
	size_t np = 0, len[3];
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	UNUSED(n);
	UNUSED(raw);
	while (*p != '\0' && np < 3) {
		sp = strchr(p, ' ');
		len[np] = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (parse_uint(p, len[np], &part[np]) != 0)
			return 0;
		np++;
		p = sp != NULL ? sp + 1 : p + strlen(p);
	}
	if (*p != '\0')
		return 0;
	gmtime_r(&t, &tm);
	if (np == 1 && len[0] == 8) {
		d = part[0] / 1000000;
		m = part[0] / 10000 % 100;
		y = part[0] % 10000;
	} else if (np == 3 && len[0] == 4) {
		y = part[0];
		m = part[1];
		d = part[2];
	} else if (np == 3 && len[2] <= 4 && len[0] <= 2 && len[1] <= 2) {
		d = part[0];
		m = part[1];
		y = part[2];
		if (len[2] == 2)
			y += 2000;
		else if (len[2] != 4)
			return 0;
	} else if (np == 2 && len[0] <= 2 && len[1] <= 2) {
		d = part[0];
		m = part[1];
		y = tm.tm_year + 1900;
	} else
		return 0;
	if (!valid_date(y, m, d))
		return 0;
	*value = xasprintf("%04lld-%02lld-%02lld", (long long)y, (long long)m,
	    (long long)d);
	return 1;
}

static int
check_pattern(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	pcre2_match_data *md;
	pcre2_match_context *mc;
	PCRE2_SIZE *ov;
	const char *s = raw;
	size_t len;
	int rc;

	UNUSED(norm);
	UNUSED(now);
	if (n->re == NULL)
		return 0;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	md = pcre2_match_data_create_from_pattern(n->re, NULL);
	mc = pcre2_match_context_create(NULL);
	if (md == NULL || mc == NULL)
		fatalx("pcre2: out of memory");
	pcre2_set_match_limit(mc, PATTERN_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, PATTERN_DEPTH_LIMIT);
	rc = pcre2_match(n->re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
	if (rc > 0) {
		ov = pcre2_get_ovector_pointer(md);
		/* With a capture group, the group is the value. */
		if (rc > 1 && ov[2] != PCRE2_UNSET)
			*value = xstrndup(s + ov[2], ov[3] - ov[2]);
		else
			*value = xstrndup(s, len);
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	return rc > 0;
}

static int
check_phone(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	char e164[32];

	UNUSED(n);
	UNUSED(norm);
	UNUSED(now);
	while (*raw == ' ')
		raw++;
	if (phone_normalize(raw, "40", e164, sizeof(e164)) != 0)
		return 0;
	*value = xstrdup(e164);
	return 1;
}

static int
check_text(const struct flow_node *n, const char *raw, const char *norm,
    int64_t now, char **value)
{
	const char *s = raw;
	size_t len;

	UNUSED(now);
	if (norm[0] == '\0')
		return 0; /* nothing but punctuation */
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	*value = xstrndup(s, len);
	if ((int64_t)flow_text_chars(*value) > n->hi) {
		free(*value);
		*value = NULL;
		return 0;
	}
	return 1;
}

int
flow_validate_answer(const struct flow_node *n, const char *raw,
    const char *norm, int64_t now, char **value)
{
	size_t i;

	*value = NULL;
	for (i = 0; i < NELEM(ask_checkers); i++) {
		if (ask_checkers[i].kind == n->ask)
			return ask_checkers[i].check(n, raw, norm, now, value);
	}
	return 0;
}

int
flow_validate_compile(struct flow_node *n, char *err, size_t errlen)
{
	pcre2_code *re;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;

	re = pcre2_compile((PCRE2_SPTR)n->pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "bad pattern at character %zu: %s",
		    (size_t)off + 1, (const char *)msg);
		return -1;
	}
	n->re = re;
	return 0;
}

void
flow_validate_free(struct flow_node *n)
{
	if (n->re != NULL)
		pcre2_code_free(n->re);
	n->re = NULL;
}

int
flow_case_matches(const struct flow_case *c, const char *value)
{
	char *norm;
	int64_t v;
	int rc;

	if (value == NULL)
		return 0;
	norm = flow_text_normalize(value);
	if (c->value == NULL)
		rc = parse_uint(norm, strlen(norm), &v) == 0 && v >= c->lo &&
		    v <= c->hi;
	else
		rc = strcmp(norm, c->value) == 0;
	free(norm);
	return rc;
}
