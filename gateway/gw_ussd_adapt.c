/*
 * gw_ussd_adapt.c - the USSD aggregator conventions (see gw_ussd_adapt.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "gw_httpd.h"
#include "gw_ussd_adapt.h"
#include "log.h"
#include "phone.h"
#include "util.h"

#define ADAPT_FIELD_MAX	 64	/* bytes of a short field (id, number) */
#define JSON_FIELDS_MAX	 32	/* members of one JSON object */

static int set_session(struct gw_ussd_call *, const char *, char *, size_t);
static int set_phone(struct gw_ussd_call *, const char *, char *, size_t);
static int set_code(struct gw_ussd_call *, const char *, char *, size_t);
static int set_text(struct gw_ussd_call *, const char *, char *, size_t);
static int set_dial(struct gw_ussd_call *, const char *, char *, size_t);
static const char *screen_text(const char *);
static int form_parse(const struct gw_ussd_http *, struct gw_ussd_call *,
    char *, size_t);
static void form_render(const struct gw_ussd_call *, const char *, int,
    struct gw_ussd_answer *);
static int get_parse(const struct gw_ussd_http *, struct gw_ussd_call *,
    char *, size_t);
static void get_render(const struct gw_ussd_call *, const char *, int,
    struct gw_ussd_answer *);
static int json_parse(const struct gw_ussd_http *, struct gw_ussd_call *,
    char *, size_t);
static void json_render(const struct gw_ussd_call *, const char *, int,
    struct gw_ussd_answer *);

static const struct gw_ussd_adapter gw_ussd_adapters[] = {
	{ "form", GW_HTTPD_POST, "POST", form_parse, form_render },
	{ "json", GW_HTTPD_POST, "POST", json_parse, json_render },
	{ "get", GW_HTTPD_GET, "GET", get_parse, get_render },
};

const struct gw_ussd_adapter *
gw_ussd_adapter_find(const char *name)
{
	for (size_t i = 0; i < NELEM(gw_ussd_adapters); i++)
		if (strcmp(gw_ussd_adapters[i].name, name) == 0)
			return &gw_ussd_adapters[i];
	return NULL;
}

void
gw_ussd_answer_clear(struct gw_ussd_answer *a)
{
	free(a->body);
	memset(a, 0, sizeof(*a));
}

/* A hex digit's value, or -1 (the JSON reader's \u escapes). */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gw_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, need;
	unsigned int cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] == 0)
				return 0;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int
gw_form_field_bin(const char *s, size_t n, const char *name, char *out,
    size_t cap, size_t *outlen)
{
	const char *p = s, *end = s + n, *amp, *eq, *v;
	size_t nl = strlen(name), o;
	int found = 0;

	if (s == NULL)
		return 0;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		/* Names are compared raw: ours are plain ASCII. */
		if ((size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
			if (found++)
				return -1;
			v = eq < amp ? eq + 1 : amp;
			if (flow_form_decode(v, (size_t)(amp - v), out, cap, &o,
			    outlen != NULL) != 0)
				return -1;
			if (outlen != NULL)
				*outlen = o;
		}
		p = amp < end ? amp + 1 : end;
	}
	return found;
}

int
gw_form_field(const char *s, size_t n, const char *name, char *out,
    size_t cap)
{
	return gw_form_field_bin(s, n, name, out, cap, NULL);
}

static int
set_session(struct gw_ussd_call *c, const char *v, char *err, size_t errlen)
{
	if (!flow_ussd_session_id_valid(v)) {
		snprintf(err, errlen, "bad session id");
		return 400;
	}
	strlcpy_s(c->req.session_id, v, sizeof(c->req.session_id));
	return 0;
}

static int
set_phone(struct gw_ussd_call *c, const char *v, char *err, size_t errlen)
{
	char plus[ADAPT_FIELD_MAX];
	size_t n = strlen(v);

	if (phone_normalize(v, "40", c->req.phone, sizeof(c->req.phone)) == 0)
		return 0;
	/* Many aggregators send the international number without its '+'
	 * ("40722000001", often as a JSON number). */
	if (n > 0 && n + 2 <= sizeof(plus) && strspn(v, "0123456789") == n &&
	    v[0] != '0') {
		snprintf(plus, sizeof(plus), "+%s", v);
		if (phone_normalize(plus, "40", c->req.phone,
		    sizeof(c->req.phone)) == 0)
			return 0;
	}
	snprintf(err, errlen, "bad msisdn");
	return 400;
}

static int
set_code(struct gw_ussd_call *c, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= sizeof(c->req.service_code) ||
	    strspn(v, "*#0123456789") != n) {
		snprintf(err, errlen, "bad serviceCode");
		return 400;
	}
	strlcpy_s(c->req.service_code, v, sizeof(c->req.service_code));
	return 0;
}

static int
set_text(struct gw_ussd_call *c, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= sizeof(c->req.text) || !gw_utf8_valid(v, n)) {
		snprintf(err, errlen, "input is not UTF-8 or too long");
		return 400;
	}
	memcpy(c->req.text, v, n + 1);
	return 0;
}

/*
 * The dialling request of an input-only convention: input is the string
 * dialled ("*123*5#") or empty.  Unless the request named the code, the
 * whole string is the code, as the form convention's serviceCode (a flow
 * claims "*123*5#" itself; which part of a longer string would be
 * answers only the flows know).
 */
static int
set_dial(struct gw_ussd_call *c, const char *input, char *err, size_t errlen)
{
	size_t n = strlen(input);

	c->req.is_new = 1;
	c->req.text[0] = '\0';
	if (c->req.service_code[0] == '\0' && n > 0)
		return set_code(c, input, err, errlen);
	return 0;
}

/* The screen without its "CON " / "END " prefix. */
static const char *
screen_text(const char *screen)
{
	if (strncmp(screen, "CON", 3) == 0 || strncmp(screen, "END", 3) == 0)
		screen += 3;
	if (*screen == ' ')
		screen++;
	return screen;
}

/* form: the original convention, parsed by flows/flow_ussd.c. */
static int
form_parse(const struct gw_ussd_http *h, struct gw_ussd_call *c, char *err,
    size_t errlen)
{
	char status[ADAPT_FIELD_MAX];

	memset(c, 0, sizeof(*c));
	if (h->content_type != NULL && strncmp(h->content_type,
	    "application/x-www-form-urlencoded", 33) != 0) {
		snprintf(err, errlen,
		    "expected application/x-www-form-urlencoded");
		return 415;
	}
	if (flow_ussd_parse(h->body != NULL ? h->body : "", h->len, &c->req,
	    err, errlen) != 0)
		return 400;
	/* The end-of-session notification (Africa's Talking "events"
	 * callback) carries a status and no screen to answer. */
	switch (gw_form_field(h->body, h->len, "status", status,
	    sizeof(status))) {
	case 1:
		c->is_end = 1;
		break;
	case 0:
		break;
	default:
		snprintf(err, errlen, "bad status");
		return 400;
	}
	return 0;
}

static void
form_render(const struct gw_ussd_call *c, const char *screen, int end,
    struct gw_ussd_answer *a)
{
	UNUSED(c);
	UNUSED(end);
	a->body = xstrdup(screen != NULL ? screen : "OK");
	a->content_type = "text/plain; charset=utf-8";
}

/* get: begin/continue/end operations in the query string. */
static int
get_parse(const struct gw_ussd_http *h, struct gw_ussd_call *c, char *err,
    size_t errlen)
{
	static const char *const f_sid[] = { "sessionId", "sessionid",
		"session", NULL };
	static const char *const f_num[] = { "msisdn", "phoneNumber", NULL };
	static const char *const f_code[] = { "serviceCode", "code", NULL };
	static const char *const f_in[] = { "input", "text", "ussdString",
		NULL };
	const char *const *fields[] = { f_sid, f_num, f_code, f_in };
	char *v[4], op[16];
	const char *q = h->query != NULL ? h->query : "";
	size_t qn = strlen(q), k, i;
	int rc = 0, got;

	memset(c, 0, sizeof(*c));
	c->req.input_only = 1;
	if (qn > FLOW_USSD_BODY_MAX) {
		snprintf(err, errlen, "query too long");
		return 400;
	}
	for (k = 0; k < 4; k++)
		v[k] = NULL;
	for (k = 0; k < 4 && rc == 0; k++) {
		for (i = 0; fields[k][i] != NULL; i++) {
			char *buf = xmalloc(FLOW_USSD_BODY_MAX + 1);

			got = gw_form_field(q, qn, fields[k][i], buf,
			    FLOW_USSD_BODY_MAX + 1);
			if (got < 0 || (got == 1 && v[k] != NULL)) {
				snprintf(err, errlen, "malformed or repeated "
				    "%s", fields[k][i]);
				free(buf);
				rc = 400;
				break;
			}
			if (got == 1)
				v[k] = buf;
			else
				free(buf);
		}
	}
	if (rc == 0 && gw_form_field(q, qn, "op", op, sizeof(op)) != 1) {
		snprintf(err, errlen, "missing or bad op");
		rc = 400;
	}
	if (rc == 0 && (v[0] == NULL || v[1] == NULL)) {
		snprintf(err, errlen, "missing %s", v[0] == NULL ?
		    "sessionId" : "msisdn");
		rc = 400;
	}
	if (rc == 0)
		rc = set_session(c, v[0], err, errlen);
	if (rc == 0)
		rc = set_phone(c, v[1], err, errlen);
	if (rc == 0 && v[2] != NULL)
		rc = set_code(c, v[2], err, errlen);
	if (rc == 0 && v[3] != NULL)
		rc = set_text(c, v[3], err, errlen);
	if (rc == 0) {
		if (strcmp(op, "begin") == 0)
			rc = set_dial(c, v[3] != NULL ? v[3] : "", err,
			    errlen);
		else if (strcmp(op, "end") == 0 || strcmp(op, "abort") == 0)
			c->is_end = 1;
		else if (strcmp(op, "continue") != 0) {
			snprintf(err, errlen, "unknown op");
			rc = 400;
		}
	}
	for (k = 0; k < 4; k++)
		free(v[k]);
	return rc;
}

static void
get_render(const struct gw_ussd_call *c, const char *screen, int end,
    struct gw_ussd_answer *a)
{
	UNUSED(c);
	a->body = xstrdup(screen != NULL ? screen_text(screen) : "OK");
	a->content_type = "text/plain; charset=utf-8";
	a->header = "Freeflow";
	a->header_value = end || screen == NULL ? "FB" : "FC";
}

/*
 * json: one flat object.  A small parser of our own (strings with every
 * escape, true/false/null, numbers kept as their text); nested values,
 * repeated members and trailing bytes are refused.
 */
enum json_kind { JSON_STR, JSON_TRUE, JSON_FALSE, JSON_NULL, JSON_NUM };

struct json_in {
	const char *p, *end;
};

static void
json_ws(struct json_in *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
json_hex4(struct json_in *j, unsigned int *out)
{
	int d;

	*out = 0;
	if (j->end - j->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		d = hexval((unsigned char)j->p[i]);
		if (d < 0)
			return -1;
		*out = *out * 16 + (unsigned int)d;
	}
	j->p += 4;
	return 0;
}

/* A string after its opening quote, decoded into b (UTF-8). */
static int
json_string(struct json_in *j, struct buf *b)
{
	unsigned int cp, lo;
	char u[4];
	size_t n;
	unsigned char ch;

	while (j->p < j->end) {
		ch = (unsigned char)*j->p++;
		if (ch == '"')
			return buf_add(b, "", 1) == 0 ? 0 : -1;
		if (ch < 0x20)
			return -1;
		if (ch != '\\') {
			if (buf_add(b, &ch, 1) != 0)
				return -1;
			continue;
		}
		if (j->p >= j->end)
			return -1;
		ch = (unsigned char)*j->p++;
		switch (ch) {
		case '"': case '\\': case '/':
			break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u':
			if (json_hex4(j, &cp) != 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 6 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return -1;
				j->p += 2;
				if (json_hex4(j, &lo) != 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp == 0)
				return -1;
			if (cp < 0x80) {
				u[0] = (char)cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | (cp >> 6));
				u[1] = (char)(0x80 | (cp & 0x3f));
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				n = 3;
			} else {
				u[0] = (char)(0xf0 | (cp >> 18));
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				n = 4;
			}
			if (buf_add(b, u, n) != 0)
				return -1;
			continue;
		default:
			return -1;
		}
		if (buf_add(b, &ch, 1) != 0)
			return -1;
	}
	return -1;
}

/* One scalar value into b (its text, NUL-terminated) and *kind. */
static int
json_value(struct json_in *j, struct buf *b, enum json_kind *kind)
{
	static const struct {
		const char *word;
		enum json_kind kind;
	} words[] = { { "true", JSON_TRUE }, { "false", JSON_FALSE },
		{ "null", JSON_NULL } };
	const char *s;

	if (j->p >= j->end)
		return -1;
	if (*j->p == '"') {
		j->p++;
		*kind = JSON_STR;
		return json_string(j, b);
	}
	for (size_t i = 0; i < NELEM(words); i++) {
		size_t n = strlen(words[i].word);

		if ((size_t)(j->end - j->p) >= n &&
		    memcmp(j->p, words[i].word, n) == 0) {
			j->p += n;
			*kind = words[i].kind;
			return buf_add(b, words[i].word, n + 1);
		}
	}
	s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && strchr("0123456789.eE+-", *j->p) != NULL)
		j->p++;
	if (j->p == s || (j->p - s == 1 && *s == '-'))
		return -1;
	*kind = JSON_NUM;
	if (buf_add(b, s, (size_t)(j->p - s)) != 0)
		return -1;
	return buf_add(b, "", 1);
}

static int
json_is(const char *key, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(key, names[i]) == 0)
			return 1;
	return 0;
}

static int
json_parse(const struct gw_ussd_http *h, struct gw_ussd_call *c, char *err,
    size_t errlen)
{
	static const char *const f_sid[] = { "sessionId", "SESSIONID",
		"session_id", NULL };
	static const char *const f_num[] = { "msisdn", "MSISDN",
		"phoneNumber", NULL };
	static const char *const f_code[] = { "serviceCode", "SERVICECODE",
		NULL };
	static const char *const f_in[] = { "input", "USERDATA", "text",
		NULL };
	static const char *const f_new[] = { "newRequest", "MSGTYPE", NULL };
	static const char *const f_end[] = { "end", "ended", NULL };
	const char *const *fields[] = { f_sid, f_num, f_code, f_in, f_new,
		f_end };
	char *v[6] = { NULL, NULL, NULL, NULL, NULL, NULL }, *key = NULL;
	enum json_kind kinds[6], kind;
	struct json_in j;
	struct buf kb, vb;
	size_t nmembers = 0, k;
	int rc = 400, known;

	memset(c, 0, sizeof(*c));
	c->req.input_only = 1;
	snprintf(err, errlen, "malformed JSON");
	if (h->content_type != NULL && strncmp(h->content_type,
	    "application/json", 16) != 0) {
		snprintf(err, errlen, "expected application/json");
		return 415;
	}
	if (h->len > FLOW_USSD_BODY_MAX || h->body == NULL) {
		snprintf(err, errlen, "no body or body too large");
		return 400;
	}
	j.p = h->body;
	j.end = h->body + h->len;
	buf_init(&kb, FLOW_USSD_BODY_MAX);
	buf_init(&vb, FLOW_USSD_BODY_MAX);
	json_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto out;
	json_ws(&j);
	if (j.p < j.end && *j.p == '}')
		j.p++;
	else {
		for (;;) {
			json_ws(&j);
			if (j.p >= j.end || *j.p++ != '"')
				goto out;
			buf_reset(&kb);
			buf_reset(&vb);
			if (json_string(&j, &kb) != 0)
				goto out;
			json_ws(&j);
			if (j.p >= j.end || *j.p++ != ':')
				goto out;
			json_ws(&j);
			if (json_value(&j, &vb, &kind) != 0)
				goto out;
			if (++nmembers > JSON_FIELDS_MAX) {
				snprintf(err, errlen, "too many members");
				goto out;
			}
			key = buf_take(&kb);
			known = 0;
			for (k = 0; k < NELEM(fields); k++) {
				if (!json_is(key, fields[k]))
					continue;
				known = 1;
				if (v[k] != NULL) {
					snprintf(err, errlen, "%s given twice",
					    key);
					goto out;
				}
				v[k] = buf_take(&vb);
				kinds[k] = kind;
			}
			UNUSED(known);
			free(key);
			key = NULL;
			json_ws(&j);
			if (j.p >= j.end)
				goto out;
			if (*j.p == ',') {
				j.p++;
				continue;
			}
			if (*j.p++ != '}')
				goto out;
			break;
		}
	}
	json_ws(&j);
	if (j.p != j.end)
		goto out;
	if (v[0] == NULL || v[1] == NULL) {
		snprintf(err, errlen, "missing %s", v[0] == NULL ? "sessionId" :
		    "msisdn");
		goto out;
	}
	/* Numbers are accepted for the ids (some send the MSISDN so). */
	if ((kinds[0] != JSON_STR && kinds[0] != JSON_NUM) ||
	    (kinds[1] != JSON_STR && kinds[1] != JSON_NUM) ||
	    (v[2] != NULL && kinds[2] != JSON_STR && kinds[2] != JSON_NULL) ||
	    (v[3] != NULL && kinds[3] != JSON_STR && kinds[3] != JSON_NULL) ||
	    (v[4] != NULL && kinds[4] != JSON_TRUE && kinds[4] != JSON_FALSE) ||
	    (v[5] != NULL && kinds[5] != JSON_TRUE && kinds[5] != JSON_FALSE)) {
		snprintf(err, errlen, "member of the wrong type");
		goto out;
	}
	if ((rc = set_session(c, v[0], err, errlen)) != 0 ||
	    (rc = set_phone(c, v[1], err, errlen)) != 0)
		goto out;
	if (v[2] != NULL && kinds[2] == JSON_STR &&
	    (rc = set_code(c, v[2], err, errlen)) != 0)
		goto out;
	if (v[3] != NULL && kinds[3] == JSON_STR &&
	    (rc = set_text(c, v[3], err, errlen)) != 0)
		goto out;
	rc = 0;
	if (v[5] != NULL && kinds[5] == JSON_TRUE)
		c->is_end = 1;
	else if (v[4] != NULL && kinds[4] == JSON_TRUE)
		rc = set_dial(c, v[3] != NULL && kinds[3] == JSON_STR ? v[3] :
		    "", err, errlen);
out:
	free(key);
	for (k = 0; k < NELEM(v); k++)
		free(v[k]);
	buf_free(&kb);
	buf_free(&vb);
	return rc;
}

static void
json_escape(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			rc = buf_printf(b, "\\%c", ch);
		else if (ch == '\n')
			rc = buf_addstr(b, "\\n");
		else if (ch < 0x20)
			rc = buf_printf(b, "\\u%04x", ch);
		else
			rc = buf_add(b, &ch, 1);
	}
	if (rc != 0)
		fatalx("ussd: out of memory");
}

static void
json_render(const struct gw_ussd_call *c, const char *screen, int end,
    struct gw_ussd_answer *a)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_addstr(&b, "{\"sessionId\":\"") != 0)
		fatalx("ussd: out of memory");
	json_escape(&b, c->req.session_id);
	if (screen != NULL) {
		if (buf_addstr(&b, "\",\"message\":\"") != 0)
			fatalx("ussd: out of memory");
		json_escape(&b, screen_text(screen));
	}
	if (buf_printf(&b, "\",\"continueSession\":%s}\n",
	    screen != NULL && !end ? "true" : "false") != 0)
		fatalx("ussd: out of memory");
	a->body = buf_take(&b);
	a->content_type = "application/json";
}
