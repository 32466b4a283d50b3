/*
 * control_fuzzer.c - libFuzzer target for the control socket's wire
 * format (gateway/gw_control.c): the request decoder sees whatever a
 * local client writes, the answer decoder whatever comes back.  A decoded
 * request re-encodes to the same bytes.  Seed corpus:
 * tests/fuzz/corpus/control/ (replayed by `make replay`).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gateway.h"
#include "log.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_LEVEL_ERROR, "control_fuzzer");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_ctl_answer a;
	struct buf b;
	char **argv;
	size_t used;
	int argc;

	if (gw_ctl_request_decode(data, size, &used, &argc, &argv) == 1) {
		if (used > size || argc < 1 || argv[argc] != NULL)
			abort();
		buf_init(&b, 0);
		if (gw_ctl_request_encode(&b, argc, argv) != 0 ||
		    b.len != used || memcmp(b.data, data, used) != 0)
			abort();
		buf_free(&b);
		(void)gw_ctl_find(argc, argv);
		free(argv);
	}
	if (gw_ctl_answer_decode(data, size, &used, &a) == 1) {
		if (used > size || a.out_len + a.err_len + 10 != used)
			abort();
		gw_ctl_answer_clear(&a);
	}
	return 0;
}
