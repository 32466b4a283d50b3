/*
 * test_flow_http.c - the USSD HTTP endpoint (gateway/gw_http.c) served
 * for real on loopback by evhttp and called by an evhttp client in the
 * same event loop: routes, methods, body limits, the shared secret in its
 * three forms, the address allowlist, and a USSD exchange.  Also the pure
 * request parser (flow_ussd_parse).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct hfx {
	char dir[64];
	char listen[32];
	int port;
	char *allow[1];
	struct gw_config conf;
	struct gateway gw;
};

struct result {
	int code;
	char body[4096];
	char allow[32];
	char www_auth[64];
	struct event_base *base;
};

static int
setup(void **state)
{
	struct hfx *f = xcalloc(1, sizeof(*f));
	char err[512], path[128];
	FILE *fp;

	strlcpy_s(f->dir, "/tmp/test_flow_http.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/t.flow", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("flow: t\nussd code: any\nstep q: ask yesno\n  ro: Da sau nu?\n"
	    "step e: end\n  ro: Gata {q}\n", fp);
	fclose(fp);
	f->port = 20000 + (int)(getpid() % 30000);
	snprintf(f->listen, sizeof(f->listen), "127.0.0.1:%d", f->port);
	f->conf.flows_dir = f->dir;
	f->conf.language = (char *)(uintptr_t)"ro";
	f->conf.session_reprompt_s = 3600;
	f->conf.session_expiry_s = 86400;
	f->conf.ussd_timeout_s = 180;
	f->conf.http_listen = f->listen;
	f->conf.http_secret = (char *)(uintptr_t)"s3cret";
	snprintf(path, sizeof(path), "%s/db", f->dir);
	f->gw.conf = &f->conf;
	f->gw.store = store_open(path, err, sizeof(err));
	if (f->gw.store == NULL)
		fail_msg("%s", err);
	f->gw.flows = flow_engine_new(&f->conf, NULL, 0, err, sizeof(err));
	if (f->gw.flows == NULL)
		fail_msg("%s", err);
	f->gw.base = event_base_new();
	assert_non_null(f->gw.base);
	f->gw.http = gw_http_new(&f->gw, err, sizeof(err));
	if (f->gw.http == NULL)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct hfx *f = *state;
	char cmd[128];

	gw_http_free(f->gw.http);
	event_base_free(f->gw.base);
	flow_engine_free(f->gw.flows);
	store_close(f->gw.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;
	struct evbuffer *b;
	const char *h;
	size_t n;

	if (req == NULL) {
		r->code = -1;
		event_base_loopexit(r->base, NULL);
		return;
	}
	r->code = evhttp_request_get_response_code(req);
	b = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(b);
	if (n >= sizeof(r->body))
		n = sizeof(r->body) - 1;
	evbuffer_remove(b, r->body, n);
	r->body[n] = '\0';
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Allow");
	strlcpy_s(r->allow, h != NULL ? h : "", sizeof(r->allow));
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "WWW-Authenticate");
	strlcpy_s(r->www_auth, h != NULL ? h : "", sizeof(r->www_auth));
	event_base_loopexit(r->base, NULL);
}

/* One request; header may be NULL or "Name: value". */
static void
request(struct hfx *f, enum evhttp_cmd_type cmd, const char *uri,
    const char *header, const char *ctype, const char *body,
    struct result *r)
{
	struct evhttp_connection *c;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char name[64];
	const char *colon;

	memset(r, 0, sizeof(*r));
	r->base = f->gw.base;
	c = evhttp_connection_base_new(f->gw.base, NULL, "127.0.0.1",
	    (ev_uint16_t)f->port);
	assert_non_null(c);
	req = evhttp_request_new(done_cb, r);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", "127.0.0.1");
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	if (header != NULL) {
		colon = strchr(header, ':');
		assert_non_null(colon);
		snprintf(name, sizeof(name), "%.*s", (int)(colon - header),
		    header);
		evhttp_add_header(h, name, colon + 2);
	}
	if (body != NULL)
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	assert_int_equal(evhttp_make_request(c, req, cmd, uri), 0);
	event_base_dispatch(f->gw.base);
	evhttp_connection_free(c);
}

#define FORM "application/x-www-form-urlencoded"
#define DIAL "sessionId=h1&serviceCode=%2A123%23&phoneNumber=0722000001&text="

static void
test_routes(void **state)
{
	struct hfx *f = *state;
	struct result r;
	char *big;

	request(f, EVHTTP_REQ_GET, "/health", NULL, NULL, NULL, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "ok\n");
	request(f, EVHTTP_REQ_GET, "/nope", NULL, NULL, NULL, &r);
	assert_int_equal(r.code, 404);
	request(f, EVHTTP_REQ_GET, "/ussd", NULL, NULL, NULL, &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.allow, "POST");
	request(f, EVHTTP_REQ_POST, "/health", NULL, FORM, "x", &r);
	assert_int_equal(r.code, 405);
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret",
	    "text/plain", DIAL, &r);
	assert_int_equal(r.code, 415);
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    "sessionId=h1&text=", &r);
	assert_int_equal(r.code, 400);
	assert_string_equal(r.body, "missing phoneNumber\n");
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    "sessionId=h1&phoneNumber=0722000001&text=%G0", &r);
	assert_int_equal(r.code, 400);
	big = xmalloc(6000);
	memset(big, 'a', 5999);
	big[5999] = '\0';
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    big, &r);
	assert_int_equal(r.code, 413);
	free(big);
}

static void
test_secret(void **state)
{
	struct hfx *f = *state;
	struct result r;

	request(f, EVHTTP_REQ_POST, "/ussd", NULL, FORM, DIAL, &r);
	assert_int_equal(r.code, 401);
	assert_string_equal(r.www_auth, "Basic realm=\"stafeta\"");
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cre", FORM,
	    DIAL, &r);
	assert_int_equal(r.code, 401);
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    DIAL, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "CON Da sau nu?");
	/* "aggregator:s3cret" and "aggregator:wrong" in base64. */
	request(f, EVHTTP_REQ_POST, "/ussd",
	    "Authorization: Basic YWdncmVnYXRvcjpzM2NyZXQ=", FORM, DIAL, &r);
	assert_int_equal(r.code, 200);
	request(f, EVHTTP_REQ_POST, "/ussd",
	    "Authorization: Basic YWdncmVnYXRvcjp3cm9uZw==", FORM, DIAL, &r);
	assert_int_equal(r.code, 401);
	request(f, EVHTTP_REQ_POST, "/ussd?secret=s3cret", NULL, FORM,
	    "sessionId=h1&serviceCode=%2A123%23&phoneNumber=0722000001"
	    "&text=1", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "END Gata yes");
	request(f, EVHTTP_REQ_POST, "/ussd?secret=nope", NULL, FORM, DIAL, &r);
	assert_int_equal(r.code, 401);
	/* No secret configured: open (the daemon warns at start). */
	f->conf.http_secret = NULL;
	request(f, EVHTTP_REQ_POST, "/ussd", NULL, FORM,
	    "sessionId=h2&phoneNumber=0722000001&text=", &r);
	assert_int_equal(r.code, 200);
}

static void
test_allowlist(void **state)
{
	struct hfx *f = *state;
	struct result r;

	f->allow[0] = (char *)(uintptr_t)"10.1.2.3";
	f->conf.http_allow = f->allow;
	f->conf.n_http_allow = 1;
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    DIAL, &r);
	assert_int_equal(r.code, 403);
	/* /health is for monitoring and tells nothing: always open. */
	request(f, EVHTTP_REQ_GET, "/health", NULL, NULL, NULL, &r);
	assert_int_equal(r.code, 200);
	f->allow[0] = (char *)(uintptr_t)"127.0.0.1";
	request(f, EVHTTP_REQ_POST, "/ussd", "X-Stafeta-Secret: s3cret", FORM,
	    DIAL, &r);
	assert_int_equal(r.code, 200);
	/* Allowed address, still the secret. */
	request(f, EVHTTP_REQ_POST, "/ussd", NULL, FORM, DIAL, &r);
	assert_int_equal(r.code, 401);
	f->conf.n_http_allow = 0;
}

static void
parse_ok(const char *body, const char *sid, const char *code,
    const char *phone, const char *text)
{
	struct flow_ussd_request req;
	char err[128];

	if (flow_ussd_parse(body, strlen(body), &req, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", body, err);
	assert_string_equal(req.session_id, sid);
	assert_string_equal(req.service_code, code);
	assert_string_equal(req.phone, phone);
	assert_string_equal(req.text, text);
}

static void
parse_bad(const char *body, const char *want)
{
	struct flow_ussd_request req;
	char err[128];

	if (flow_ussd_parse(body, strlen(body), &req, err, sizeof(err)) == 0)
		fail_msg("\"%s\" accepted", body);
	assert_string_equal(err, want);
}

static void
test_request_parser(void **state)
{
	char *big;

	(void)state;
	parse_ok("sessionId=ATUid_1&serviceCode=%2A123%23&phoneNumber=%2B40722"
	    "000001&text=", "ATUid_1", "*123#", "+40722000001", "");
	parse_ok("text=1*2*3&phoneNumber=0722000001&sessionId=a.b:c-d&"
	    "networkCode=22601&serviceCode=*123*5%23", "a.b:c-d", "*123*5#",
	    "+40722000001", "1*2*3");
	parse_ok("sessionId=s&phoneNumber=0722000001&text=%C8%98tefan+Pop&",
	    "s", "", "+40722000001", "Ștefan Pop");
	parse_ok("&&sessionId=s&&phoneNumber=0722000001", "s", "",
	    "+40722000001", "");
	parse_bad("phoneNumber=0722000001", "missing sessionId");
	parse_bad("sessionId=s", "missing phoneNumber");
	parse_bad("sessionId=s&sessionId=t&phoneNumber=0722000001",
	    "sessionId given twice");
	parse_bad("sessionId=a%20b&phoneNumber=0722000001", "bad sessionId");
	parse_bad("sessionId=&phoneNumber=0722000001", "bad sessionId");
	parse_bad("sessionId=s&phoneNumber=abc", "bad phoneNumber");
	parse_bad("sessionId=s&phoneNumber=0722000001&serviceCode=12a",
	    "bad serviceCode");
	parse_bad("sessionId=s&phoneNumber=0722000001&text=%", "malformed "
	    "value of text");
	parse_bad("sessionId=s&phoneNumber=0722000001&text=%00",
	    "malformed value of text");
	parse_bad("sessionId=s&phoneNumber=0722000001&text=%FF",
	    "text is not UTF-8 or too long");
	parse_bad("se%ZZ=1", "malformed field name");
	big = xmalloc(5000);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	parse_bad(big, "body larger than 4096 bytes");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowlist, setup,
		    teardown),
		cmocka_unit_test(test_request_parser),
	};

	log_init(LOG_LEVEL_ERROR, "test_flow_http");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
