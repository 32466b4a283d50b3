/*
 * flow_session.c - one contact's dialogue on one channel: where it is,
 * what it has saved, and its persistence through store_sessions.c.
 *
 * The state field is written only by flow_session_enter_state(), which
 * logs every transition (convention 11).  Fields are a small ordered list
 * of key/value strings; they are persisted as "key=value" lines so that
 * an operator can read them with an SQL shell (sqlite3, psql).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

static struct flow_field *session_field(const struct flow_session *,
    const char *);
static int field_key_valid(const char *);

static const char *const session_states[] = {
	[FLOW_SESSION_NEW] = "new",
	[FLOW_SESSION_RUNNING] = "running",
	[FLOW_SESSION_WAITING] = "waiting",
	[FLOW_SESSION_SUSPENDED] = "suspended",
	[FLOW_SESSION_ENDED] = "ended",
};

struct flow_session *
flow_session_new(const char *phone, enum flow_channel channel)
{
	struct flow_session *s;

	s = xcalloc(1, sizeof(*s));
	s->phone = xstrdup(phone);
	s->channel = channel;
	s->state = FLOW_SESSION_NEW;
	return s;
}

void
flow_session_free(struct flow_session *s)
{
	if (s == NULL)
		return;
	flow_session_clear_fields(s);
	free(s->phone);
	free(s->flow);
	free(s->node);
	free(s);
}

const char *
flow_session_strstate(enum flow_session_state st)
{
	if ((size_t)st >= NELEM(session_states))
		return "?";
	return session_states[st];
}

void
flow_session_enter_state(struct flow_session *s,
    enum flow_session_state next)
{
	char red[32];

	log_debug("session %s/%s %s: %s -> %s",
	    log_redact_number(s->phone, red, sizeof(red)),
	    s->channel == FLOW_CHANNEL_USSD ? "ussd" : "sms",
	    s->flow != NULL ? s->flow : "-", flow_session_strstate(s->state),
	    flow_session_strstate(next));
	s->state = next;
}

void
flow_session_clear_fields(struct flow_session *s)
{
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		free(s->fields[i].key);
		free(s->fields[i].value);
	}
	s->nfields = 0;
}

static struct flow_field *
session_field(const struct flow_session *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		if (strcmp(s->fields[i].key, key) == 0)
			return (struct flow_field *)(uintptr_t)&s->fields[i];
	}
	return NULL;
}

const char *
flow_session_get(const struct flow_session *s, const char *key)
{
	const struct flow_field *f;

	if (s == NULL || key == NULL)
		return NULL;
	f = session_field(s, key);
	return f != NULL ? f->value : NULL;
}

/* Keys are flow names; anything else cannot be written in a flow file
 * and could not be persisted unambiguously. */
static int
field_key_valid(const char *key)
{
	return flow_name_valid(key);
}

void
flow_session_set(struct flow_session *s, const char *key, const char *value)
{
	struct flow_field *f;
	size_t len;

	if (s == NULL || key == NULL || !field_key_valid(key)) {
		log_warnx("session: field name \"%.40s\" refused",
		    key != NULL ? key : "(null)");
		return;
	}
	if (value == NULL)
		value = "";
	len = strlen(value);
	if (len > FLOW_VALUE_MAX)
		len = flow_text_prefix_bytes(value, FLOW_VALUE_MAX / 4);
	f = session_field(s, key);
	if (f != NULL) {
		free(f->value);
		f->value = xstrndup(value, len);
		return;
	}
	if (s->nfields == FLOW_FIELDS_MAX) {
		log_warnx("session %s: more than %d fields, %s dropped",
		    s->flow != NULL ? s->flow : "-", FLOW_FIELDS_MAX, key);
		return;
	}
	f = &s->fields[s->nfields++];
	f->key = xstrdup(key);
	f->value = xstrndup(value, len);
}

char *
flow_session_encode_fields(const struct flow_session *s)
{
	struct buf b;
	size_t i;
	const char *v;
	int rc = 0;

	buf_init(&b, 0);
	rc |= buf_addstr(&b, "");
	for (i = 0; i < s->nfields; i++) {
		rc |= buf_addstr(&b, s->fields[i].key);
		rc |= buf_add(&b, "=", 1);
		for (v = s->fields[i].value; *v != '\0'; v++) {
			if (*v == '\\')
				rc |= buf_add(&b, "\\\\", 2);
			else if (*v == '\n')
				rc |= buf_add(&b, "\\n", 2);
			else
				rc |= buf_add(&b, v, 1);
		}
		rc |= buf_add(&b, "\n", 1);
	}
	if (rc != 0)
		fatalx("session: encode fields");
	if (b.data == NULL)
		return xstrdup("");
	return buf_take(&b);
}

int
flow_session_decode_fields(struct flow_session *s, const char *enc)
{
	const char *p = enc, *eq, *nl;
	char key[FLOW_NAME_MAX + 1];
	struct buf v;
	int rc = 0;

	flow_session_clear_fields(s);
	buf_init(&v, 0);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq == NULL || eq == p || (size_t)(eq - p) > FLOW_NAME_MAX) {
			rc = -1;
			break;
		}
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = '\0';
		buf_reset(&v);
		for (const char *c = eq + 1; c < nl; c++) {
			char ch = *c;

			if (ch == '\\' && c + 1 < nl) {
				c++;
				ch = *c == 'n' ? '\n' : *c;
			}
			if (buf_add(&v, &ch, 1) != 0)
				fatalx("session: decode fields");
		}
		flow_session_set(s, key, v.data != NULL ? v.data : "");
		p = *nl == '\n' ? nl + 1 : nl;
	}
	buf_free(&v);
	return rc;
}

int
flow_session_load(struct store *st, const char *phone,
    enum flow_channel channel, struct flow_session **out)
{
	struct store_session row;
	struct flow_session *s;
	int rc;

	*out = flow_session_new(phone, channel);
	rc = store_session_get(st, phone, (int)channel, &row);
	if (rc <= 0)
		return rc;
	s = *out;
	s->flow = row.flow;
	row.flow = NULL;
	strlcpy_s(s->version, row.version != NULL ? row.version : "",
	    sizeof(s->version));
	s->node = row.node;
	row.node = NULL;
	/* Restoring, not a transition: written directly, once. */
	s->state = row.state >= FLOW_SESSION_NEW &&
	    row.state <= FLOW_SESSION_ENDED ?
	    (enum flow_session_state)row.state : FLOW_SESSION_ENDED;
	s->tries = row.tries;
	s->reprompted = row.reprompted;
	s->started_at = row.started_at;
	s->waiting_since = row.waiting_since;
	s->updated_at = row.updated_at;
	if (row.fields != NULL &&
	    flow_session_decode_fields(s, row.fields) != 0)
		log_warnx("session %s: damaged fields ignored",
		    s->flow != NULL ? s->flow : "-");
	s->stored = 1;
	store_session_clear(&row);
	return 1;
}

/*
 * Writes the session back: deleted when ended, inserted or replaced
 * otherwise.  due_at is when flow_engine_tick must look at it next
 * (re-prompt, expiry, USSD break-off), 0 = never.
 */
int
flow_session_save(struct store *st, struct flow_session *s, int64_t due_at)
{
	struct store_session row;
	char *fields;
	int rc;

	if (s->state == FLOW_SESSION_ENDED || s->flow == NULL ||
	    s->node == NULL) {
		if (!s->stored)
			return 0;
		rc = store_session_delete(st, s->phone, (int)s->channel);
		if (rc == 0)
			s->stored = 0;
		return rc;
	}
	fields = flow_session_encode_fields(s);
	memset(&row, 0, sizeof(row));
	row.phone = s->phone;
	row.channel = (int)s->channel;
	row.flow = s->flow;
	row.version = s->version;
	row.node = s->node;
	row.state = (int)s->state;
	row.tries = s->tries;
	row.reprompted = s->reprompted;
	row.fields = fields;
	row.started_at = s->started_at;
	row.waiting_since = s->waiting_since;
	row.updated_at = s->updated_at;
	row.due_at = due_at;
	rc = store_session_put(st, &row);
	free(fields);
	if (rc == 0)
		s->stored = 1;
	return rc;
}
