/*
 * flow_parse_fuzzer.c - libFuzzer target for the flow file parser
 * (flows/flow_parse.c): any bytes, with every error and warning collected
 * as the daemon and `stafeta flow check` do, then the set checks.
 * Seed corpus: tests/fuzz/corpus/flow_parse/ (replayed by `make replay`).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
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
	log_init(LOG_LEVEL_ERROR, "flow_parse_fuzzer");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_diag diag;
	struct buf errors, warnings;
	struct flow_def *def, *defs[2];

	/* The loader refuses bigger files before parsing. */
	if (size > FLOW_FILE_MAX)
		return 0;
	buf_init(&errors, 64 * 1024);
	buf_init(&warnings, 64 * 1024);
	memset(&diag, 0, sizeof(diag));
	diag.errors = &errors;
	diag.warnings = &warnings;
	def = flow_parse("fuzz.flow", (const char *)data, size, &diag);
	if (def != NULL) {
		/* The set checks against itself: every name clashes. */
		defs[0] = def;
		defs[1] = def;
		flow_set_check(defs, 2, &diag);
		(void)flow_node_find(def, "end");
	}
	flow_def_free(def);
	buf_free(&errors);
	buf_free(&warnings);
	return 0;
}
