/*
 * gw_kannel.h - the Kannel channel: an operator link through Kannel's
 * bearerbox + smsbox, beside the modem channel (see gw_channel.h).
 *
 * Selected by a [channel NAME] section with type = kannel.  Outbound: each
 * message taken for the channel is sent whole to smsbox's sendsms with
 * libevent's non-blocking HTTP client (Kannel splits long texts into
 * concatenated parts; UCS-2 as coding=2 + charset=UTF-8 when the text is
 * not GSM-7), with a dlr-url back at Stafeta's /kannel/dlr.  202 (or 200)
 * is sent; 503, other 5xx and connection errors are retried with backoff
 * (the queue's send_retry_base_s); 4xx is permanent.  Inbound: an
 * sms-service get-url/post-url calls /kannel/mo (stored in the group
 * commit of gw_batch.h, answered once committed); delivery reports call
 * /kannel/dlr.  Both routes are protected like /ussd ([http] allow and
 * secret) and are idempotent: a message is deduplicated on Kannel's id
 * (store dedup), so a retried delivery is stored and answered once.
 * Only gateway/ includes this header.
 */
#ifndef STAFETA_GW_KANNEL_H
#define STAFETA_GW_KANNEL_H

#include <stddef.h>

struct gateway;
struct gw_kannel;

struct gw_httpd_req;
struct gw_batch;

/* gw_kannel_in.c: what Kannel calls on gw_http.c's listener (protected
 * like /ussd).  /kannel/mo: an sms-service get-url or post-url;
 * /kannel/dlr: a delivery report. */
void gw_kannel_mo(struct gateway *, struct gw_batch *,
    struct gw_httpd_req *);
void gw_kannel_dlr(struct gateway *, struct gw_httpd_req *);
/* Records final delivery report type for out_id (deduplicated on it);
 * 1 matched, 0 unmatched or repeated, -1 store error. */
int gw_kannel_report(struct gateway *, const char *channel, int64_t out_id,
    const char *to, int type);

/* gw_kannel.c */
/* A final report for out_id while its sendsms is still unanswered: kept
 * and recorded once the send is (1), or 0 if out_id is not in flight. */
int gw_kannel_hold_report(struct gw_kannel *, const char *channel,
    int64_t out_id, const char *to, int type);
/* Starts the Kannel channels of the configuration (none: NULL, no
 * error); NULL with err on a configuration error. */
struct gw_kannel *gw_kannel_new(struct gateway *, char *err, size_t errlen);
void gw_kannel_free(struct gw_kannel *);
/* Hands queued messages to the Kannel channels that can send. */
void gw_kannel_kick(struct gw_kannel *);

#endif /* STAFETA_GW_KANNEL_H */
