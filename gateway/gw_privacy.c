/*
 * gw_privacy.c - what the gateway forgets after a message was routed.
 *
 * The flow engine says what must not be kept (flow_reply): the text of a
 * rejected or sensitive input (forget_input), or everything of a refused
 * stranger (forget_sender: a number that is not enrolled sent a report).
 * For a stranger the inbound row keeps only its id, time and channel; a
 * contact row created for this very message is deleted (an older contact,
 * e.g. one who answered a poll or sent STOP, is kept: deleting it would
 * lose an opt-out); the refusal keeps its recipient until it is sent or
 * given up, and the next housekeeping pass blanks it
 * (gw_privacy_housekeeping).
 */
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "store.h"

int
gw_privacy_after_route(struct gateway *gw, int64_t inbound_id,
    const char *phone, const struct flow_reply *reply, int64_t now)
{
	if (reply->forget_sender) {
		if (store_inbound_forget_sender(gw->store, inbound_id) != 0 ||
		    store_contact_forget_new(gw->store, phone, now) != 0 ||
		    store_outbox_forget_after_send(gw->store, inbound_id) != 0)
			return -1;
		log_info("msg %lld: refused sender not kept",
		    (long long)inbound_id);
		return 0;
	}
	if (reply->forget_input)
		return store_inbound_forget(gw->store, inbound_id);
	return 0;
}

int
gw_privacy_housekeeping(struct gateway *gw)
{
	int n = 0;

	if (store_outbox_forget_done(gw->store, &n) != 0)
		return -1;
	if (n > 0)
		log_info("privacy: recipient of %d refusal(s) blanked once "
		    "sent", n);
	return 0;
}
