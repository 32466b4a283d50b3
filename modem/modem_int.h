/*
 * modem_int.h - inside the modem worker: the narrow interface between the
 * worker loop (modem_worker.c) and the libgammu wrapper (modem_gammu.c),
 * so that only modem_gammu.c includes <gammu.h>.
 *
 * Every mg_* call that talks to the modem returns an enum mg_rc.  MG_LOST
 * means the connection is gone (device vanished, timeout, not connected):
 * the worker disconnects and reconnects with backoff.  MG_ERROR is a
 * failure of that one operation; the worker treats three in a row as
 * MG_LOST.  All strings handed out are allocated; the caller frees them
 * through the matching modem_*_clear().
 */
#ifndef STAFETA_MODEM_INT_H
#define STAFETA_MODEM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "modem.h"

#define MG_MAX_PARTS 50 /* parts one location can hold (GSM_MAX_MULTI_SMS) */
#define MG_USSD_WAIT_MS 30000 /* wait for the USSD answer */
#define MODEM_WORKER_HUNG 75 /* worker exit code: the modem stopped
			      * answering inside libgammu (mg_deadline) */

enum mg_rc {
	MG_OK = 0, /* done */
	MG_EMPTY,  /* no (more) messages */
	MG_ERROR,  /* this operation failed; the connection may be fine */
	MG_LOST,   /* the connection is gone; reconnect */
};

struct mg; /* one modem: a GSM_StateMachine and its callback state */

/* modem_gammu.c */
struct mg *mg_new(const struct modem_conf *);
void mg_free(struct mg *);
/* Connects (config from conf, PIN, callbacks).  MG_OK, or another rc
 * with a message in err. */
int mg_connect(struct mg *, char *err, size_t errlen);
void mg_disconnect(struct mg *);
int mg_is_connected(const struct mg *);
/* 1 if conf->device is a path that no longer exists (a vanished dummy
 * folder or an unplugged USB modem's /dev node), else 0. */
int mg_device_gone(const struct mg *);
/*
 * Reads the next location of the inbox iteration (start = 1 begins a new
 * one).  On MG_OK fills parts[0..*n) (n may be 0: a non-inbox folder);
 * MG_EMPTY at the end.  Each part's strings are allocated.
 */
int mg_read_next(struct mg *, int start, struct modem_part *parts, int *n,
    char *err, size_t errlen);
/*
 * After mg_read_next failed with MG_ERROR: the location (as mg_delete
 * takes it) of the slot the driver could not read, and its folder in
 * *folder; 0 when the driver does not say.  Reading on with start = 0
 * continues past that slot.
 */
int64_t mg_read_failed_at(const struct mg *, int *folder);
/*
 * The raw bytes of a location, for a human to look at when it cannot be
 * read: the dummy driver's file (at most max bytes).  1 with *raw
 * allocated (NULL when empty) and *len, or 0 when this driver cannot
 * give them (a serial modem: the location, folder and error must do).
 */
int mg_read_raw(struct mg *, int64_t location, size_t max,
    unsigned char **raw, size_t *len);
/*
 * Reads the next location the modem announced (+CMTI) directly, without
 * listing the inbox.  MG_EMPTY when none is waiting; MG_OK with *n parts
 * (0 if the location was empty by now).  On an error the next inbox pass
 * is requested (mg_take_incoming) so nothing announced is missed.
 */
int mg_read_indicated(struct mg *, struct modem_part *parts, int *n,
    char *err, size_t errlen);
/* Deletes one location; an already empty location counts as done
 * (MG_OK), but only a delete the modem confirmed sets *gone (OUT) to 1:
 * libgammu's AT driver reads a location before deleting it, and a failed
 * read there reports "empty" for a message that is still on the SIM. */
int mg_delete(struct mg *, int64_t location, int *gone, char *err,
    size_t errlen);
/* Encodes and sends one message; fills res (res->error allocated). */
int mg_send(struct mg *, const struct modem_send *,
    struct modem_send_result *res);
/* Dials a USSD code and waits for the answer; fills res. */
int mg_ussd(struct mg *, const char *code, struct modem_ussd_result *res);
/* One cheap command (AT+CSQ) to see that the modem still answers. */
int mg_probe(struct mg *, char *err, size_t errlen);
/* Health snapshot; strings allocated.  Unknown values stay -1 / "". */
int mg_status(struct mg *, struct modem_status *);
/* Call just before a pass starts reading. */
void mg_inbox_mark(struct mg *);
/* 1 if the inbox certainly did not change since mg_inbox_mark (only
 * known for the dummy driver, whose folders' mtimes tell); else 0. */
int mg_inbox_quiet(const struct mg *);
/* Returns and clears the "new message indicated" flag. */
int mg_take_incoming(struct mg *);
/* Lets the modem deliver pending indications (AT URCs) without blocking
 * for long. */
void mg_idle(struct mg *);
/* 1 if the connected modem announces new messages (an AT modem that
 * accepted AT+CNMI), so the inbox need not be polled; else 0. */
int mg_announces(const struct mg *);
/* Takes one message the modem pushed whole (a +CDS status report, a
 * +CMT): fills *part (location 0: nothing to delete) and returns 1, or
 * returns 0 when none is waiting. */
int mg_take_pushed(struct mg *, struct modem_part *part);

/*
 * The dedup key of a part: 32 hex characters over everything that
 * identifies a message part except its location.  out must hold 33 bytes.
 */
void modem_part_digest(const struct modem_part *, char *out);

#endif /* STAFETA_MODEM_INT_H */
