/*
 * poll_int.h - what the files of the poll service share and nobody else
 * needs: the running poll's row, the service state, and the helpers the
 * tick and the actions both call.
 */
#ifndef STAFETA_POLL_INT_H
#define STAFETA_POLL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "polls.h"
#include "store.h"
#include "flow.h"

struct flow_engine;
struct flow_action;
struct store_migration;

struct poll_svc {
	/* An engine of its own, made on first need, to start the poll
	 * dialogue from the tick (the daemon's engine then carries it on:
	 * same flow files, same versions).  Owned. */
	struct flow_engine *eng;
};

struct poll_row {
	char id[POLL_ID_MAX + 1];
	int state;		/* enum poll_state */
	char kind[16];
	int64_t info_at, opens_at, closes_at, dispute_until;
	uint8_t secret[POLL_SECRET_LEN];
	int secret_len;		/* 0 once destroyed */
};

extern const struct store_migration poll_migrations[];
extern const struct flow_action poll_actions[];

/* poll_life.c */
int poll_row_get(struct store *, const char *id, struct poll_row *);
/* 1 if phone gave a valid answer to the poll, 0 if not (or the secret
 * is gone), -1. */
int poll_responded(struct store *, const struct poll_row *,
    const char *phone);
void poll_fmt_date(int64_t ms, char *out, size_t len);

/* poll_service.c */
/* Starts the poll dialogue for phone (SMS); 1 started, 0 skipped, -1. */
int poll_start_dialogue(struct poll_svc *, struct store *,
    const struct gw_config *, const char *phone, int64_t now);

/* poll_report.c */
/* The thank-you text (R14) with the headline result; caller frees. */
char *poll_thanks_text(struct store *, const struct poll_def *,
    const char *id, int lang, const char *commune, const char *date);

#endif /* STAFETA_POLL_INT_H */
