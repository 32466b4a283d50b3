/*
 * config_fuzzer.c - libFuzzer target for the configuration parser
 * (config_parse_buffer), replayed over tests/fuzz/corpus/config/ by
 * `make replay`.
 *
 * The state directory is fixed so that results do not depend on the
 * current directory; inputs are capped at 64 KiB (a real file is a few).
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sheet.h"
#include "util.h"

#define CONFIG_FUZZ_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The sections a daemon loads: the services' parse through config too. */
static const struct config_section *const fuzz_sections[] = {
	&sheet_config_section,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char err[CONFIG_ERR_LEN];
	struct gw_config *cfg;

	if (len > CONFIG_FUZZ_MAX)
		return 0;
	cfg = config_parse_buffer("fuzz.conf", (const char *)data, len,
	    "/tmp/stafeta-fuzz", fuzz_sections, NELEM(fuzz_sections), err,
	    sizeof(err));
	if (cfg != NULL)
		(void)config_modem(cfg, "m1");
	config_free(cfg);
	return 0;
}
