/* sheet_module.c - placeholder until Observation Sheets land. */
#include "sheet.h"
#include "util.h"

int
sheet_module_init(const struct gw_config *conf, char *err, size_t errlen)
{
	UNUSED(conf);
	UNUSED(err);
	UNUSED(errlen);
	return 0;
}

void
sheet_module_free(void)
{
}

int
sheet_module_tick(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(st);
	UNUSED(conf);
	UNUSED(now);
	return 0;
}
