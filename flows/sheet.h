/*
 * sheet.h - Observation Sheets (Fișa de observație): the indicator table,
 * the compact SMS grammar, the stored sheet, and the built-in flow actions
 * that submit a sheet from the compact form, the guided SMS form or USSD.
 * Domain reference: shared/domain/observation-sheet.md.
 */
#ifndef STAFETA_SHEET_H
#define STAFETA_SHEET_H

#include <stddef.h>
#include <stdint.h>

struct gw_config;
struct store;

/* sheet_module.c */
/* Loads the indicator table and registers the sheet flow actions. */
int sheet_module_init(const struct gw_config *, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void sheet_module_free(void);
/* Deadline alerts (24 h / 48 h of the 72 h visit deadline) and the daily
 * digest to SPAS duty numbers; queues SMS.  Called about once a minute. */
int sheet_module_tick(struct store *, const struct gw_config *, int64_t now);

#endif /* STAFETA_SHEET_H */
