/*
 * gw_admin.c - the SMS control plane: STATUS, PAUSE and RESUME from an
 * admin's phone.
 *
 * A command is one word and the PIN, "STATUS 1234", from a number in
 * [gateway] admin_numbers, with [gateway] admin_pin set.  Anything else
 * that looks like a command (a stranger, a wrong PIN, no PIN configured)
 * gets the normal treatment of an unknown text from the flow engine, so
 * nobody learns that the commands exist; it is logged (number redacted,
 * PIN never).  The text of every command attempt is blanked from the
 * inbound table: it holds a PIN or a guess at one.
 *
 *   STATUS  the channels' state, signal and queue, the total queue and
 *           whether bulk is paused: "Stafeta: m1 up 80% q3; m2 down q0;
 *           coada 3".
 *   PAUSE   holds back bulk messages (broadcasts, digests, reminders)
 *           until RESUME.  Alerts (SPAS urgent alerts, admin alerts) and
 *           replies inside a dialogue still go out: a commune pauses a
 *           broadcast gone wrong, never the child-protection alerts or a
 *           reporter's acknowledgement.
 *   RESUME  sends bulk again.
 *
 * The pause is a row of gateway_state, written in the transaction of the
 * command, so a restart keeps it (gw_admin_init reads it).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define ADMIN_STATE_PAUSED "paused"
#define ADMIN_REPLY_MAX 160 /* one GSM-7 SMS */

enum admin_cmd {
	ADMIN_NONE = 0,
	ADMIN_STATUS,
	ADMIN_PAUSE,
	ADMIN_RESUME,
};

struct admin_status {
	struct store *st;
	struct buf *out;
};

static enum admin_cmd admin_parse(const char *, char *, size_t);
static int admin_is_admin(const struct gw_config *, const char *);
static int admin_pin_equal(const char *, const char *);
static int admin_status_text(struct store *, struct buf *);
static int admin_status_cb(const struct store_channel_row *, void *);
static int admin_set_paused(struct gateway *, int, int64_t);

static int admin_paused; /* bulk held back (mirrors gateway_state) */

/* Splits "WORD PIN" (any case, surrounding blanks): the command and the
 * PIN in pin; ADMIN_NONE if the text is not shaped like a command. */
static enum admin_cmd
admin_parse(const char *text, char *pin, size_t pinlen)
{
	static const struct {
		const char *word;
		enum admin_cmd cmd;
	} words[] = {
		{ "STATUS", ADMIN_STATUS },
		{ "PAUSE", ADMIN_PAUSE },
		{ "RESUME", ADMIN_RESUME },
	};
	const char *p = text, *w, *q;
	size_t wl, ql;
	enum admin_cmd cmd = ADMIN_NONE;

	while (isspace((unsigned char)*p))
		p++;
	for (w = p; *p != '\0' && !isspace((unsigned char)*p); p++)
		;
	wl = (size_t)(p - w);
	for (size_t i = 0; i < NELEM(words); i++)
		if (wl == strlen(words[i].word) &&
		    strncasecmp(w, words[i].word, wl) == 0)
			cmd = words[i].cmd;
	if (cmd == ADMIN_NONE)
		return ADMIN_NONE;
	while (isspace((unsigned char)*p))
		p++;
	for (q = p; *p != '\0' && !isspace((unsigned char)*p); p++)
		;
	ql = (size_t)(p - q);
	while (isspace((unsigned char)*p))
		p++;
	/* "STATUS" alone or with more words is not a command (a flow may
	 * have a keyword STATUS one day); a PIN-shaped second word is. */
	if (ql == 0 || *p != '\0' || ql >= pinlen)
		return ADMIN_NONE;
	memcpy(pin, q, ql);
	pin[ql] = '\0';
	return cmd;
}

static int
admin_is_admin(const struct gw_config *conf, const char *phone)
{
	for (size_t i = 0; i < conf->n_admin_numbers; i++)
		if (strcmp(conf->admin_numbers[i], phone) == 0)
			return 1;
	return 0;
}

/* Compares without an early exit on the first differing byte. */
static int
admin_pin_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
	return d == 0;
}

static int
admin_status_cb(const struct store_channel_row *row, void *arg)
{
	struct admin_status *s = arg;
	int64_t q = 0, sending = 0;
	char item[80];

	if (store_outbox_depth(s->st, row->name, &q, &sending) != 0)
		return -1;
	if (row->signal_percent >= 0 && strcmp(row->state, "up") == 0)
		snprintf(item, sizeof(item), "%s%s %s %d%% q%lld",
		    s->out->len > 9 ? "; " : "", row->name, row->state,
		    row->signal_percent, (long long)(q + sending));
	else
		snprintf(item, sizeof(item), "%s%s %s q%lld",
		    s->out->len > 9 ? "; " : "", row->name, row->state,
		    (long long)(q + sending));
	return buf_addstr(s->out, item) == 0 ? 0 : -1;
}

/* "Stafeta: m1 up 80% q3; m2 down q0; coada 3[; PAUZA bulk]". */
static int
admin_status_text(struct store *st, struct buf *out)
{
	struct admin_status s = { st, out };
	int64_t q = 0, sending = 0;
	char tail[64];

	if (buf_addstr(out, "Stafeta: ") != 0 ||
	    store_channel_list(st, admin_status_cb, &s) != 0 ||
	    store_outbox_depth(st, NULL, &q, &sending) != 0)
		return -1;
	snprintf(tail, sizeof(tail), "%scoada %lld%s", out->len > 9 ? "; " :
	    "", (long long)(q + sending), admin_paused ? "; PAUZA bulk" : "");
	return buf_addstr(out, tail);
}

static int
admin_set_paused(struct gateway *gw, int paused, int64_t now)
{
	if (store_state_put(gw->store, ADMIN_STATE_PAUSED, paused ? "1" : "0",
	    now) != 0)
		return -1;
	admin_paused = paused;
	return 0;
}

int
gw_admin_init(struct gateway *gw)
{
	char *v = NULL;
	int rc;

	rc = store_state_get(gw->store, ADMIN_STATE_PAUSED, &v);
	if (rc < 0)
		return -1;
	admin_paused = rc == 1 && v != NULL && strcmp(v, "1") == 0;
	free(v);
	if (admin_paused)
		log_warnx("bulk sending is paused (an admin sent PAUSE); "
		    "RESUME from an admin phone sends it again");
	return 0;
}

int
gw_admin_paused(void)
{
	return admin_paused;
}

int
gw_admin_handle(struct gateway *gw, const char *modem, int64_t inbound_id,
    const char *phone, const char *text, int64_t now)
{
	const struct gw_config *conf = gw->conf;
	static const char *const names[] = { "", "STATUS", "PAUSE", "RESUME" };
	struct store_outbound out;
	struct buf reply;
	enum admin_cmd cmd;
	char pin[16], red[40];
	const char *why = NULL;
	int rc = -1;

	cmd = admin_parse(text != NULL ? text : "", pin, sizeof(pin));
	if (cmd == ADMIN_NONE)
		return 0;
	/* A PIN or a guess at one: never kept, whoever sent it. */
	if (store_inbound_forget(gw->store, inbound_id) != 0)
		return -1;
	if (!admin_is_admin(conf, phone))
		why = "not an admin number";
	else if (conf->admin_pin == NULL)
		why = "no [gateway] admin_pin configured";
	else if (!admin_pin_equal(pin, conf->admin_pin))
		why = "wrong PIN";
	explicit_bzero(pin, sizeof(pin));
	if (why != NULL) {
		log_warnx("msg %lld: admin command %s from %s refused (%s)",
		    (long long)inbound_id, names[cmd],
		    log_redact_number(phone, red, sizeof(red)), why);
		return 0;
	}
	buf_init(&reply, 0);
	switch (cmd) {
	case ADMIN_PAUSE:
		if (admin_set_paused(gw, 1, now) != 0)
			goto done;
		break;
	case ADMIN_RESUME:
		if (admin_set_paused(gw, 0, now) != 0)
			goto done;
		break;
	case ADMIN_STATUS:
	case ADMIN_NONE:
		break;
	}
	if (admin_status_text(gw->store, &reply) != 0)
		goto done;
	if (reply.len > ADMIN_REPLY_MAX)
		reply.len = ADMIN_REPLY_MAX;
	if (buf_addstr(&reply, "") != 0) /* NUL after a cut */
		goto done;
	memset(&out, 0, sizeof(out));
	out.recipient = (char *)(uintptr_t)phone;
	out.text = reply.data;
	out.priority = STORE_PRIO_REPLY;
	out.channel_hint = (char *)(uintptr_t)modem;
	out.in_reply_to = inbound_id;
	if (store_outbox_add(gw->store, &out) != 0)
		goto done;
	log_info("msg %lld: admin %s from %s, reply queued as out %lld%s",
	    (long long)inbound_id, names[cmd],
	    log_redact_number(phone, red, sizeof(red)), (long long)out.id,
	    cmd == ADMIN_PAUSE ? ": bulk sending paused" :
	    cmd == ADMIN_RESUME ? ": bulk sending resumed" : "");
	rc = 1;
done:
	buf_free(&reply);
	return rc;
}
