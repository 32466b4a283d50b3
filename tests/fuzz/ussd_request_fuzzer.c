/*
 * ussd_request_fuzzer.c - libFuzzer target for the USSD aggregator
 * request parser (flow_ussd_parse in flows/flow_ussd.c), which sees raw
 * HTTP bodies from the network.  Seed corpus:
 * tests/fuzz/corpus/ussd_request/ (replayed by `make replay`).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, "ussd_request_fuzzer");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_ussd_request *req;
	char err[128];
	char *norm;

	req = xmalloc(sizeof(*req));
	if (flow_ussd_parse((const char *)data, size, req, err,
	    sizeof(err)) == 0) {
		/* What the engine does next with the fields. */
		if (strlen(req->session_id) == 0 || req->phone[0] != '+')
			abort();
		norm = flow_text_normalize(req->text);
		free(norm);
	}
	free(req);
	return 0;
}
