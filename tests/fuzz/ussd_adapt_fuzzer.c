/*
 * ussd_adapt_fuzzer.c - libFuzzer target for the USSD aggregator
 * conventions (gateway/gw_ussd_adapt.c): the first byte picks the
 * adapter (form, json, get), the rest is the body (or the query of get).
 * Seed corpus: tests/fuzz/corpus/ussd_adapt/ (replayed by `make replay`).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_httpd.h"
#include "gw_ussd_adapt.h"
#include "log.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, "ussd_adapt_fuzzer");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "form", "json", "get" };
	const struct gw_ussd_adapter *ad;
	struct gw_ussd_call *c;
	struct gw_ussd_answer a;
	struct gw_ussd_http h;
	char err[128], *copy;

	if (size == 0)
		return 0;
	ad = gw_ussd_adapter_find(names[data[0] % 3]);
	copy = xmalloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	memset(&h, 0, sizeof(h));
	h.method = ad->methods;
	if (strcmp(ad->name, "get") == 0)
		h.query = copy; /* a query is a C string */
	else {
		h.body = copy;
		h.len = size - 1;
	}
	c = xmalloc(sizeof(*c));
	if (ad->parse(&h, c, err, sizeof(err)) == 0) {
		if (c->req.session_id[0] == '\0' || c->req.phone[0] != '+' ||
		    !gw_utf8_valid(c->req.text, strlen(c->req.text)))
			abort();
		memset(&a, 0, sizeof(a));
		ad->render(c, "CON x", 0, &a);
		gw_ussd_answer_clear(&a);
	}
	free(c);
	free(copy);
	return 0;
}
