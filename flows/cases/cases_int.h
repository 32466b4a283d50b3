/*
 * cases_int.h - what the files of the case service share and nobody
 * else calls: the row reader, the due keys, the task helper.
 */
#ifndef STAFETA_CASES_INT_H
#define STAFETA_CASES_INT_H

#include <stddef.h>
#include <stdint.h>

struct cases_row;
struct store;
struct store_sql;

/* Columns of CASE_COLS (cases_store.c) into *c (cleared first). */
void cases_row_read(struct store_sql *, struct cases_row *c);
/* Puts the due item "kind:id" of the service at due_at. */
int cases_due_put(struct store *, const char *kind, int64_t id,
    int64_t due_at, int64_t now) __attribute__((warn_unused_result));
int cases_due_cancel(struct store *, const char *kind, int64_t id);
/* Opens (or finds) the task (kind, "case:ID"); -1 on error. */
int cases_task(struct store *, const char *kind, int64_t case_id,
    const char *title, const char *assignee, int64_t now, int64_t due_at)
    __attribute__((warn_unused_result));
/* Closes the task (kind, "case:ID") if open, as done by who. */
int cases_task_done(struct store *, const char *kind, int64_t case_id,
    const char *who, const char *outcome, int64_t now)
    __attribute__((warn_unused_result));
/* The D8 refresh date of a case whose newest sheet came at at. */
int cases_refresh_schedule(struct store *, int64_t case_id, int64_t at,
    int64_t now) __attribute__((warn_unused_result));

#endif /* STAFETA_CASES_INT_H */
