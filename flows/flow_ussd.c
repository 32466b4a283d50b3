/*
 * flow_ussd.c - the USSD aggregator convention on top of the engine.
 *
 * An aggregator calls us once per screen with the form fields sessionId,
 * serviceCode, phoneNumber and text, where text is every answer of this
 * USSD session joined by '*' ("" when the user has just dialled).  We
 * answer "CON screen" to go on or "END screen" to finish.  Three things
 * happen here and not in the engine: the newest answer is cut out of the
 * joined text, a request seen before (the last one, or a late retry of
 * an earlier step) is answered from the stored reply (aggregators retry
 * on timeouts), and a screen over 182 characters is
 * shown in pages with a "99 Inainte" line.
 *
 * flow_ussd_parse() is pure (no store, no engine) so the fuzzer can run
 * it on any bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define USSD_MORE_ANSWER "99"
#define USSD_FIELDS_MAX	 32 /* form fields accepted in one body */
#define USSD_SEEN_MAX	 32 /* step keys kept per session (late retries) */

/*
 * One aggregator session (sessionId).  Stored as the row's ended flag and
 * pending text; ussd_enter_state() is the only place that changes them.
 */
enum ussd_state {
	USSD_STATE_NEW = 0, /* first request of this sessionId */
	USSD_STATE_OPEN,    /* a screen ending in CON was shown */
	USSD_STATE_PAGING,  /* a long screen: more pages to show */
	USSD_STATE_ENDED,   /* END was sent; repeats get it again */
};

enum ussd_field {
	USSD_F_SESSION = 0,
	USSD_F_SERVICE,
	USSD_F_PHONE,
	USSD_F_TEXT,
	USSD_F_N,
};

static int hexval(int);
static void paginate(const char *, const char *, char **, char **);
static enum ussd_state ussd_state_of(const struct store_ussd *, int);
static const char *ussd_strstate(enum ussd_state);
static void ussd_enter_state(struct store_ussd *, enum ussd_state,
    enum ussd_state, char *, int);
static void ussd_key(const char *, size_t, char *, size_t);
static char *ussd_seen(const char *, size_t);
static const char *ussd_seen_last(const char *);
static int ussd_seen_earlier(const char *, const char *);
static int ussd_key_len(const char *, int64_t *);
static const struct flow_def *ussd_resolve(struct flow_engine *,
    const char *, char **);
static int ussd_dial(struct flow_engine *, struct store *,
    const struct flow_ussd_request *, const char *, int64_t,
    struct flow_reply *, char **);

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
flow_form_decode(const char *s, size_t n, char *out, size_t cap,
    size_t *outlen, int allow_nul)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if ((c == '\0' && !allow_nul) || o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

int
flow_ussd_session_id_valid(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.:", *s) != NULL))
			return 0;
	}
	return n > 0 && n <= 64;
}

int
flow_ussd_parse(const char *body, size_t len, struct flow_ussd_request *out,
    char *err, size_t errlen)
{
	static const char *const names[USSD_F_N] = { "sessionId",
		"serviceCode", "phoneNumber", "text" };
	char key[40], *val;
	const char *p = body, *end = body + len, *amp, *eq;
	size_t klen, vlen, nfields = 0;
	int seen[USSD_F_N] = { 0 }, f;

	memset(out, 0, sizeof(*out));
	if (len > FLOW_USSD_BODY_MAX) {
		snprintf(err, errlen, "body larger than %d bytes",
		    FLOW_USSD_BODY_MAX);
		return -1;
	}
	val = xmalloc(FLOW_USSD_BODY_MAX + 1);
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue; /* "a=1&&b=2" */
		}
		if (++nfields > USSD_FIELDS_MAX) {
			snprintf(err, errlen, "more than %d form fields",
			    USSD_FIELDS_MAX);
			goto fail;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		if (flow_form_decode(p, (size_t)(eq - p), key, sizeof(key),
		    &klen, 0) != 0) {
			snprintf(err, errlen, "malformed field name");
			goto fail;
		}
		if (flow_form_decode(eq < amp ? eq + 1 : amp, eq < amp ?
		    (size_t)(amp - eq - 1) : 0, val, FLOW_USSD_BODY_MAX + 1,
		    &vlen, 0) != 0) {
			snprintf(err, errlen, "malformed value of %s", key);
			goto fail;
		}
		p = amp < end ? amp + 1 : end;
		for (f = 0; f < USSD_F_N; f++) {
			if (strcmp(key, names[f]) == 0)
				break;
		}
		if (f == USSD_F_N)
			continue; /* networkCode and the like */
		if (seen[f]++) {
			snprintf(err, errlen, "%s given twice", names[f]);
			goto fail;
		}
		switch ((enum ussd_field)f) {
		case USSD_F_SESSION:
			if (!flow_ussd_session_id_valid(val)) {
				snprintf(err, errlen, "bad sessionId");
				goto fail;
			}
			strlcpy_s(out->session_id, val,
			    sizeof(out->session_id));
			break;
		case USSD_F_SERVICE:
			if (vlen >= sizeof(out->service_code) ||
			    strspn(val, "*#0123456789") != vlen) {
				snprintf(err, errlen, "bad serviceCode");
				goto fail;
			}
			strlcpy_s(out->service_code, val,
			    sizeof(out->service_code));
			break;
		case USSD_F_PHONE:
			if (phone_normalize(val, "40", out->phone,
			    sizeof(out->phone)) != 0) {
				snprintf(err, errlen, "bad phoneNumber");
				goto fail;
			}
			break;
		case USSD_F_TEXT:
			if (vlen >= sizeof(out->text) ||
			    !flow_text_valid_utf8(val, vlen)) {
				snprintf(err, errlen, "text is not UTF-8 or "
				    "too long");
				goto fail;
			}
			memcpy(out->text, val, vlen + 1);
			break;
		case USSD_F_N:
			break;
		}
	}
	free(val);
	if (!seen[USSD_F_SESSION] || !seen[USSD_F_PHONE]) {
		snprintf(err, errlen, "missing %s", !seen[USSD_F_SESSION] ?
		    "sessionId" : "phoneNumber");
		return -1;
	}
	return 0;
fail:
	free(val);
	return -1;
}

/*
 * Splits screen into the first page (*page, with the "more" line when
 * cut) and the rest (*rest, NULL when all fits).  Cuts at a line break
 * when one is in the second half of the page, else at a space.
 */
static void
paginate(const char *screen, const char *more, char **page, char **rest)
{
	size_t budget, cut, i, nl = 0, sp = 0;

	if (flow_text_chars(screen) <= FLOW_USSD_SCREEN) {
		*page = xstrdup(screen);
		*rest = NULL;
		return;
	}
	budget = FLOW_USSD_SCREEN - flow_text_chars(more) - 1;
	cut = flow_text_prefix_bytes(screen, budget);
	for (i = cut / 2; i < cut; i++) {
		if (screen[i] == '\n')
			nl = i;
		else if (screen[i] == ' ')
			sp = i;
	}
	if (nl > 0)
		cut = nl;
	else if (sp > 0)
		cut = sp;
	*page = xasprintf("%.*s\n%s", (int)cut, screen, more);
	while (screen[cut] == '\n' || screen[cut] == ' ')
		cut++;
	*rest = xstrdup(screen + cut);
}

static enum ussd_state
ussd_state_of(const struct store_ussd *u, int known)
{
	if (!known)
		return USSD_STATE_NEW;
	if (u->ended)
		return USSD_STATE_ENDED;
	return u->pending != NULL ? USSD_STATE_PAGING : USSD_STATE_OPEN;
}

static const char *
ussd_strstate(enum ussd_state st)
{
	static const char *const names[] = {
		[USSD_STATE_NEW] = "new",
		[USSD_STATE_OPEN] = "open",
		[USSD_STATE_PAGING] = "paging",
		[USSD_STATE_ENDED] = "ended",
	};

	return (size_t)st < NELEM(names) ? names[st] : "?";
}

/*
 * Moves u from cur to next.  pending (owned, taken) is the text of the
 * pages still to show in PAGING, and pending_end says whether the last of
 * them ends the session.
 */
static void
ussd_enter_state(struct store_ussd *u, enum ussd_state cur,
    enum ussd_state next, char *pending, int pending_end)
{
	if (cur != next)
		log_debug("ussd %s: %s -> %s", u->session_id,
		    ussd_strstate(cur), ussd_strstate(next));
	free(u->pending);
	u->pending = next == USSD_STATE_PAGING ? pending : NULL;
	if (next != USSD_STATE_PAGING)
		free(pending);
	u->pending_end = next == USSD_STATE_PAGING && pending_end;
	u->ended = next == USSD_STATE_ENDED;
}

/*
 * What the retry record keeps of the answers seen: their length and a
 * hash, "LEN:HASH", never the answers themselves (a PIN or a child's
 * name can pass through USSD).  Enough to recognise a retry and to find
 * where the newest answer starts.
 */
static void
ussd_key(const char *text, size_t len, char *out, size_t outlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, outlen, "%zu:%016llx", len, (unsigned long long)h);
}

/*
 * The retry record of text: the key of every step of it, that is of
 * each prefix that ends before a '*' ("" first) and of the whole text
 * last, space-separated; the USSD_SEEN_MAX newest are kept.  The answers
 * are cumulative, so the text of an earlier step of this session is one
 * of these prefixes.  A record written before it kept the steps has one
 * key, the whole text's.  Caller frees.
 */
static char *
ussd_seen(const char *text, size_t len)
{
	size_t i, n = 0, skip, nends = 0, *ends;
	char key[48];
	struct buf b;

	for (i = 0; i < len; i++)
		nends += text[i] == '*';
	ends = xcalloc(nends + 2, sizeof(*ends));
	ends[n++] = 0;
	for (i = 0; i < len; i++) {
		if (text[i] == '*')
			ends[n++] = i;
	}
	if (len > 0)
		ends[n++] = len;
	skip = n > USSD_SEEN_MAX ? n - USSD_SEEN_MAX : 0;
	buf_init(&b, 0);
	for (i = skip; i < n; i++) {
		ussd_key(text, ends[i], key, sizeof(key));
		if ((i > skip && buf_addstr(&b, " ") != 0) ||
		    buf_addstr(&b, key) != 0)
			fatalx("ussd: out of memory");
	}
	free(ends);
	return buf_take(&b);
}

/* The key of the whole text last answered: the last one of seen. */
static const char *
ussd_seen_last(const char *seen)
{
	const char *sp = strrchr(seen, ' ');

	return sp != NULL ? sp + 1 : seen;
}

/* 1 if key is one of the earlier steps of seen (not its last key). */
static int
ussd_seen_earlier(const char *seen, const char *key)
{
	const char *p = seen, *sp;
	size_t klen = strlen(key);

	while ((sp = strchr(p, ' ')) != NULL) {
		if ((size_t)(sp - p) == klen && memcmp(p, key, klen) == 0)
			return 1;
		p = sp + 1;
	}
	return 0;
}

/* The LEN of a "LEN:HASH" key; 0 or -1. */
static int
ussd_key_len(const char *key, int64_t *len)
{
	char num[24];
	const char *colon = strchr(key, ':');

	if (colon == NULL || (size_t)(colon - key) >= sizeof(num))
		return -1;
	memcpy(num, key, (size_t)(colon - key));
	num[colon - key] = '\0';
	return parse_int64(num, 0, FLOW_USSD_BODY_MAX, len);
}

/*
 * The flow of a dialled code, and the answers typed into the code after
 * it (docs/flows.md): "*123*4*1234#" is "*123*4#" followed by the answer
 * "1234" when a flow claims "*123*4#"; with no flow claiming a prefix,
 * the "any" flow (the main menu, dialled as "*123#") gets every part
 * after the first as answers ("*123*5*1#": 5, then 1).  *typed is a new
 * string of answers joined by '*', or NULL.
 */
static const struct flow_def *
ussd_resolve(struct flow_engine *e, const char *code, char **typed)
{
	const struct flow_def *d = NULL, *any = NULL;
	size_t i, k, best = 0, blen, clen;
	const char *star;

	*typed = NULL;
	blen = strcspn(code, "#");
	for (i = 0; i < e->ncur; i++) {
		if (!(e->cur[i]->channels & (1 << FLOW_CHANNEL_USSD)))
			continue;
		for (k = 0; k < e->cur[i]->nussd_codes; k++) {
			const char *c = e->cur[i]->ussd_codes[k];

			if (strcmp(c, code) == 0)
				return e->cur[i];
			if (strcmp(c, "any") == 0) {
				if (any == NULL)
					any = e->cur[i];
				continue;
			}
			clen = strcspn(c, "#");
			if (clen > best && clen < blen && code[clen] == '*' &&
			    strncmp(c, code, clen) == 0) {
				d = e->cur[i];
				best = clen;
			}
		}
	}
	if (d != NULL) {
		*typed = xstrndup(code + best + 1, blen - best - 1);
		return d;
	}
	star = blen > 1 ? memchr(code + 1, '*', blen - 1) : NULL;
	if (any != NULL && star != NULL && (size_t)(star - code) + 1 < blen)
		*typed = xstrndup(star + 1, blen - (size_t)(star - code) - 1);
	return any;
}

/* A new USSD session: the flow of the dialled code starts afresh; the
 * answers typed into the code go to *typed (see ussd_resolve). */
static int
ussd_dial(struct flow_engine *e, struct store *st,
    const struct flow_ussd_request *req, const char *lang, int64_t now,
    struct flow_reply *out, char **typed)
{
	const struct flow_def *d;
	struct flow_run r;
	int rc = -1;

	d = ussd_resolve(e, req->service_code, typed);
	flow_run_init(&r, e, st, req->phone, FLOW_CHANNEL_USSD, lang, "", now);
	if (flow_engine_open(e, &r) < 0)
		goto done;
	if (d == NULL) {
		flow_run_say(&r, FLOW_MSG_HELP);
		flow_run_end(&r);
	} else if (flow_run_start(&r, d) != 0)
		goto done;
	if (flow_run_save(&r) != 0)
		goto done;
	out->text = flow_run_take(&r);
	out->end = r.s->state != FLOW_SESSION_WAITING;
	out->forget_input = r.forget_input;
	out->forget_sender = r.forget_sender;
	rc = 0;
done:
	flow_session_free(r.s);
	flow_run_done(&r);
	return rc;
}

int
flow_engine_ussd(struct flow_engine *e, struct store *st,
    const struct flow_ussd_request *req, int64_t now, struct flow_reply *out)
{
	struct store_ussd u;
	struct store_contact c;
	struct flow_reply step;
	struct flow_run lr;
	const char *newest, *p, *last = "";
	char *screen = NULL, *page = NULL, *rest = NULL, *more = NULL;
	char *part, *typed = NULL, *answers = NULL;
	int known, late = 0, end = 0, rc = -1;
	size_t seen, tl, tlen = strlen(req->text);
	char key[48], prefix_key[48];
	int64_t seen_len = -1;

	memset(out, 0, sizeof(*out));
	memset(&step, 0, sizeof(step));
	known = store_ussd_get(st, req->session_id, &u);
	if (known < 0)
		return -1;
	if (known && strcmp(u.phone, req->phone) != 0) {
		log_warnx("ussd %s: the session id came from another number",
		    req->session_id);
		out->text = xstrdup("END");
		out->end = 1;
		store_ussd_clear(&u);
		return 0;
	}
	ussd_key(req->text, tlen, key, sizeof(key));
	if (known) {
		last = ussd_seen_last(u.seen_text);
		late = ussd_seen_earlier(u.seen_text, key);
	}
	/* An input-only convention repeats an answer legitimately ("1"
	 * twice on two screens): only a repeated dial or a request after
	 * END is a retry there. */
	if (known && (req->input_only ? req->is_new || u.ended :
	    strcmp(last, key) == 0 || late || u.ended)) {
		/* A retry: the same answer again, nothing advances.  A late
		 * retry of an earlier step gets the current screen (its own
		 * answer is not kept), so the aggregator shows where the
		 * dialogue really is. */
		log_debug("ussd %s: %s answered with the current screen",
		    req->session_id, late ? "late retry of an earlier step" :
		    "repeated request");
		out->text = xstrdup(u.response);
		out->end = strncmp(u.response, "END", 3) == 0;
		store_ussd_clear(&u);
		return 0;
	}
	if (store_contact_get(st, req->phone, e->default_lang, &c) != 0) {
		store_ussd_clear(&u);
		return -1;
	}
	flow_run_init(&lr, e, st, req->phone, FLOW_CHANNEL_USSD, c.language,
	    "", now);
	flow_run_say(&lr, FLOW_MSG_MORE);
	more = flow_run_take(&lr);
	flow_run_done(&lr);
	if (!known) {
		memset(&u, 0, sizeof(u));
		u.session_id = xstrdup(req->session_id);
		u.phone = xstrdup(req->phone);
		u.service_code = xstrdup(req->service_code);
		if (ussd_dial(e, st, req, c.language, now, &step,
		    &typed) != 0)
			goto done;
		/* Answers typed into the code (*123*4*1234#), then those
		 * an aggregator already joined in text: each one is fed in
		 * turn. */
		tl = typed != NULL ? strlen(typed) : 0;
		if (typed != NULL && strncmp(req->text, typed, tl) == 0 &&
		    (req->text[tl] == '\0' || req->text[tl] == '*')) {
			/* An aggregator that also put them in text. */
			answers = xstrdup(req->text);
			free(typed);
		} else if (typed != NULL && req->text[0] != '\0') {
			answers = xasprintf("%s*%s", typed, req->text);
			free(typed);
		} else
			answers = typed != NULL ? typed : xstrdup(req->text);
		typed = NULL;
		for (p = answers; *p != '\0' && !step.end;) {
			seen = strcspn(p, "*");
			part = xstrndup(p, seen);
			flow_reply_clear(&step);
			if (flow_engine_inbound(e, st, FLOW_CHANNEL_USSD,
			    req->phone, part, now, &step) != 0) {
				free(part);
				goto done;
			}
			free(part);
			p += seen;
			if (*p == '*')
				p++;
		}
		screen = step.text != NULL ? xstrdup(step.text) : xstrdup("");
		end = step.end;
	} else {
		/* The joined answers seen so far, then '*', then the new
		 * one; anything else is an aggregator that sends only the
		 * newest answer. */
		newest = req->text;
		if (!req->input_only && ussd_key_len(last, &seen_len) == 0 &&
		    (size_t)seen_len < tlen &&
		    (seen_len == 0 || req->text[seen_len] == '*')) {
			ussd_key(req->text, (size_t)seen_len, prefix_key,
			    sizeof(prefix_key));
			if (strcmp(prefix_key, last) == 0)
				newest = req->text + seen_len +
				    (seen_len > 0);
		}
		if (u.pending != NULL && (u.pending_end ||
		    strcmp(newest, USSD_MORE_ANSWER) == 0)) {
			screen = xstrdup(u.pending);
			end = u.pending_end;
		} else {
			if (flow_engine_inbound(e, st, FLOW_CHANNEL_USSD,
			    req->phone, newest, now, &step) != 0)
				goto done;
			screen = step.text != NULL ? xstrdup(step.text) :
			    xstrdup("");
			end = step.end;
		}
	}
	out->forget_input = step.forget_input;
	out->forget_sender = step.forget_sender;
	paginate(screen, more, &page, &rest);
	out->end = end && rest == NULL;
	ussd_enter_state(&u, ussd_state_of(&u, known), rest != NULL ?
	    USSD_STATE_PAGING : out->end ? USSD_STATE_ENDED : USSD_STATE_OPEN,
	    rest, end);
	rest = NULL;
	out->text = xasprintf("%s %s", out->end ? "END" : "CON", page);
	free(u.seen_text);
	u.seen_text = ussd_seen(req->text, tlen);
	free(u.response);
	u.response = xstrdup(out->text);
	u.updated_at = now;
	if (store_ussd_put(st, &u) != 0) {
		flow_reply_clear(out);
		goto done;
	}
	rc = 0;
done:
	free(typed);
	free(answers);
	flow_reply_clear(&step);
	free(screen);
	free(page);
	free(rest);
	free(more);
	store_ussd_clear(&u);
	store_contact_clear(&c);
	return rc;
}
