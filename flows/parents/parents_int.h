/*
 * parents_int.h - what the files of the parents service share and no
 * caller outside it needs: a stored notice as the rules read it, and the
 * small store helpers (parents_store.c).
 */
#ifndef STAFETA_PARENTS_INT_H
#define STAFETA_PARENTS_INT_H

#include <stdint.h>

#include "parents.h"

struct store;

struct parents_row {
	int64_t id;
	char number[16];
	int state;
	int flags;
	int64_t created_at;
	char parent_name[48];
	char parent_phone[24];
	char phone_abroad[24];
	char departure[11];
	char country[3];
	char return_date[11];
	char caretaker_name[48];
	char caretaker_phone[24];
	char caretaker_status[16]; /* pending confirmed declined no_reply */
	int voice_only;
	int n9_fours;
	int n9_missed;
	int n11_missed;
	int nchildren;
};

/* 1 found, 0 none, -1 error. */
int parents_row_load(struct store *, int64_t id, struct parents_row *);
/* Sets one integer or text column of a notice (col from a fixed list). */
int parents_row_set_int(struct store *, int64_t id, const char *col, int v,
    int64_t now);
int parents_row_set_text(struct store *, int64_t id, const char *col,
    const char *v, int64_t now);
/* Message history: direction "out", "in", "call". */
int parents_msg_log(struct store *, int64_t id, const char *phone,
    const char *nid, const char *dir, const char *answer, int64_t at);
/* The question phone should answer: 1 (id, nid filled), 0, -1. */
int parents_pending_get(struct store *, const char *phone, int64_t *id,
    char *nid, size_t nidlen);
int parents_pending_put(struct store *, const char *phone, int64_t id,
    const char *nid, int64_t at);
int parents_pending_drop(struct store *, const char *phone);
/* Was nid of notice id answered since `since`?  1/0/-1. */
int parents_answered_since(struct store *, int64_t id, const char *nid,
    int64_t since);
/* Opens a SPAS task about notice id. */
int parents_task(struct store *, int64_t id, const char *kind,
    const char *title, int64_t due, int64_t now);
/* 1 if the state counts the parent as abroad (zone of destination). */
int parents_state_abroad(int state);
/* 1 if the notice is finished (no more reminders). */
int parents_state_final(int state);
/* Starts the reply session for phone (parents_remind.c). */
int parents_reply_session(struct store *, const char *phone,
    const char *version, int64_t now);

#endif
