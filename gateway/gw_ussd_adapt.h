/*
 * gw_ussd_adapt.h - USSD aggregator conventions, one small adapter each.
 *
 * Aggregators speak different dialects of the same thing: a request per
 * screen with a session id, the subscriber's number, the dialled code
 * and what the person typed; an answer that says "go on" or "end".  An
 * adapter turns one HTTP request into a struct gw_ussd_call and one
 * screen back into a body and a content type; everything else (secret,
 * allowlist, transaction, the engine) is gw_http.c's, the same for all.
 *
 *   form  POST application/x-www-form-urlencoded sessionId, serviceCode,
 *         phoneNumber, text = every answer joined by '*'; answer
 *         "CON screen" / "END screen" (Africa's Talking and its copies).
 *         A body with a status field is the end-of-session notification.
 *   json  POST application/json {"sessionId", "msisdn", "serviceCode",
 *         "input", "newRequest": bool, "end": bool}: only the newest
 *         input; newRequest marks the dial (input then is the dialled
 *         string, "*123*5#", the code unless serviceCode is given), end
 *         the end-of-session notification.
 *         Answer {"sessionId", "message", "continueSession": bool}.
 *   get   GET ?sessionId=&msisdn=&serviceCode=&input=&op=begin|continue|
 *         end|abort: only the newest input; end/abort is the
 *         end-of-session notification.  Answer: the screen as text/plain
 *         and a "Freeflow: FC" (continue) or "FB" (break) header.
 *
 * The parsers are pure (no I/O, no store) and bounded: unit-tested with
 * hostile input in tests/unit/test_ussd_adapt.c.
 */
#ifndef STAFETA_GW_USSD_ADAPT_H
#define STAFETA_GW_USSD_ADAPT_H

#include <stddef.h>

#include "flow.h"

/* One request as the engine needs it. */
struct gw_ussd_call {
	struct flow_ussd_request req; /* session, code, phone, text, flags */
	int is_end;	/* end-of-session notification: no screen to show */
};

/* What the HTTP layer hands an adapter (borrowed, valid for the call). */
struct gw_ussd_http {
	int method;		  /* GW_HTTPD_* */
	const char *query;	  /* or NULL */
	const char *content_type; /* or NULL */
	const char *body;	  /* len bytes, may be NULL if len == 0 */
	size_t len;
};

/* The answer: body (owned, caller frees), its content type and one
 * optional extra header (static strings). */
struct gw_ussd_answer {
	char *body;
	const char *content_type;
	const char *header;	/* NULL = none */
	const char *header_value;
};

struct gw_ussd_adapter {
	const char *name;	/* "form", "json", "get" */
	int methods;		/* GW_HTTPD_* accepted */
	const char *allow;	/* Allow header on 405 */
	/* 0, or an HTTP status (400, 415) with the reason in err. */
	int (*parse)(const struct gw_ussd_http *, struct gw_ussd_call *,
	    char *err, size_t errlen);
	/* screen is the engine's "CON ..."/"END ..." text, or NULL to
	 * acknowledge an end-of-session notification. */
	void (*render)(const struct gw_ussd_call *, const char *screen,
	    int end, struct gw_ussd_answer *);
};

/* The adapter called name, or NULL. */
const struct gw_ussd_adapter *gw_ussd_adapter_find(const char *name);
void gw_ussd_answer_clear(struct gw_ussd_answer *);

/* Helpers shared with gw_kannel.c (pure). */
/* Looks up field name in a form-encoded or query string s[0..n) and
 * decodes it ('+' is a space) into out: 1 found, 0 absent, -1 malformed,
 * NUL byte, too long or given twice. */
int gw_form_field(const char *s, size_t n, const char *name, char *out,
    size_t cap);
/* The same for a binary value: NUL bytes allowed, its length in *outlen
 * (out is still NUL-terminated after it). */
int gw_form_field_bin(const char *s, size_t n, const char *name, char *out,
    size_t cap, size_t *outlen);
/* 1 if s[0..n) is valid UTF-8. */
int gw_utf8_valid(const char *s, size_t n);

#endif /* STAFETA_GW_USSD_ADAPT_H */
