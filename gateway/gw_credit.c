/*
 * gw_credit.c - the SIM credit check: a USSD balance query through the
 * modem every balance_every_s, the amount read with the operator's PCRE2
 * pattern, stored for `stafeta status`, and an SMS to the administrators
 * when it falls below low_credit (once, until it recovers).
 */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "store.h"
#include "util.h"
#include "gw_modems_int.h"

/* Balance check answer: read the amount with the operator's pattern. */
void
gw_worker_ussd_result(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	const struct modem_conf *mc = gw_worker_conf(w);
	struct modem_ussd_result u;
	const char *text;
	pcre2_code *re;
	pcre2_match_data *md;
	int errcode, rc;
	PCRE2_SIZE erroff;

	w->ussd_pending = 0;
	if (modem_ipc_get_ussd_result(msg, &u) != 0) {
		log_warnx("modem %s: malformed USSD result", w->name);
		return;
	}
	text = u.text;
	if (mc == NULL)
		goto out;
	if (!u.ok) {
		log_warnx("modem %s: balance check %s failed: %s", w->name,
		    u.code, u.text);
		goto out;
	}
	if (mc->balance_regex == NULL)
		goto out;
	re = pcre2_compile((PCRE2_SPTR)mc->balance_regex, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF, &errcode, &erroff, NULL);
	if (re == NULL) {
		log_warnx("modem %s: balance_regex does not compile", w->name);
		goto out;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	if (rc >= 2) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		char amount[64];
		size_t len = ov[3] - ov[2];
		double value;
		char *end;

		if (len >= sizeof(amount))
			len = sizeof(amount) - 1;
		memcpy(amount, text + ov[2], len);
		amount[len] = '\0';
		for (char *p = amount; *p != '\0'; p++)
			if (*p == ',')
				*p = '.';
		value = strtod(amount, &end);
		/* Recording it and the low-credit latch are the channel's. */
		if (end != amount && gw_channel_credit(&w->ch,
		    w->mods->gw->store, value, clock_now_ms()) == 1)
			gw_modems_alert(w->mods, "Stafeta: credit redus pe "
			    "modemul %s: %.2f. Reincarcati cartela.", w->name,
			    value);
	} else
		log_warnx("modem %s: balance answer did not match "
		    "balance_regex", w->name);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
out:
	modem_ussd_result_clear(&u);
}

void
gw_worker_balance(struct gw_worker *w, int64_t mono)
{
	const struct modem_conf *mc = gw_worker_conf(w);
	struct modem_ipc_msg m;

	if (mc == NULL || mc->balance_ussd == NULL || w->ussd_pending ||
	    w->state != GW_WORKER_UP || mono < w->next_balance_at)
		return;
	w->next_balance_at = mono + (int64_t)mc->balance_every_s * 1000;
	modem_ipc_init(&m, MODEM_IPC_USSD);
	modem_ipc_put_ussd(&m, mc->balance_ussd);
	if (modem_ipc_send(w->fd, &m) == 0)
		w->ussd_pending = 1;
	modem_ipc_free(&m);
}
