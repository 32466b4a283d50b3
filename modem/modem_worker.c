/*
 * modem_worker.c - the body of one modem worker process.
 *
 * The worker owns one modem (through modem_gammu.c) and one socket to the
 * gateway, and nothing else: no event loop, no SQLite.  It is a plain
 * poll() loop that
 *  - connects, and reconnects with backoff 1, 2, 4 ... 60 s, reporting
 *    each state with MODEM_IPC_STATUS (and HELLO when connected);
 *  - reads the inbox in passes, one MODEM_IPC_SMS per physical part and a
 *    MODEM_IPC_BATCH_END after every batch, and deletes a location only
 *    when the gateway ACKs it (after its commit);
 *  - serves SEND, USSD, PING and STOP from the gateway in between.
 *
 * Receive pacing: a pass starts every poll_ms, at once when the modem
 * indicates a new message, and at once when the gateway has ACKed every
 * part of a pass that found something (so a full inbox drains at the
 * speed of the gateway's commits, and an empty one costs one pass per
 * poll_ms).  An AT modem that announces new messages (+CMTI, see
 * mg_announces) is not polled: its unsolicited lines are read every
 * WORKER_URC_MS without sending anything, a +CMTI starts a pass, and a
 * timed pass runs only every safety_poll_s (issue 10: idle is quiet).
 * Messages it pushes whole (+CDS) go to the gateway as parts without a
 * location.  An AT modem idle for probe_s is probed (AT+CSQ); every call
 * into libgammu runs under a deadline (modem_gammu.c, mg_deadline) that
 * ends this process if the modem hangs, so the gateway restarts us
 * within seconds.  A pass is read in batches of WORKER_BATCH parts, and the
 * gateway's ACKs for one batch are served while the next is read.
 * Locations sent but not yet ACKed are remembered for WORKER_PENDING_TTL
 * and not sent again; the gateway's dedup key covers a resend after that.
 * Every delete done on an ACK is reported back with MODEM_IPC_DELETED, so
 * the gateway can forget the dedup keys of that location.
 *
 * Unreadable slots: a read that fails at a location the driver names
 * (MG_ERROR, not MG_LOST) does not end the pass: the slot is skipped and
 * the rest of the inbox read.  The next passes retry it; once it failed
 * WORKER_POISON_READS passes in a row over at least WORKER_POISON_MS, it
 * is reported once as MODEM_IPC_POISON with its raw bytes, and deleted
 * only when the gateway ACKs it (after its quarantine copy committed).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "gsm_text.h"
#include "log.h"
#include "modem.h"
#include "modem_int.h"
#include "util.h"

#define WORKER_BATCH 200	    /* parts per BATCH_END */
#define WORKER_BATCH_MS 10	    /* ms; a batch is flushed this soon */
#define WORKER_PASS_MAX 20000	    /* reads per pass (a looping driver) */
#define WORKER_PENDING_TTL 60000    /* ms before an unACKed part is resent */
#define WORKER_STATUS_EVERY 60000   /* ms between STATUS reports */
#define WORKER_BACKOFF_MAX 60	    /* s, reconnect backoff ceiling */
#define WORKER_MAX_ERRORS 3	    /* consecutive errors = lost */
#define WORKER_REPOLL_GRACE 5 /* ms between an ACK and the next pass */
#define WORKER_TICK 1000	    /* ms; device check and AT idle read */
#define WORKER_DRAIN_MAX 256	    /* messages served per loop turn */
#define WORKER_FULL_PASS 5000	    /* ms; pass even if the inbox looks quiet */
#define WORKER_POISON_READS 3	    /* failed passes before a slot is poison */
#define WORKER_POISON_MS 2000	    /* ms from first to last of those reads */
#define WORKER_BAD_MAX 32	    /* failing slots tracked at once */
#define WORKER_URC_MS 100	    /* ms; AT: read unsolicited lines */

/* A location whose read failed in the last passes. */
struct badslot {
	int64_t location;	/* 0 = free entry */
	int folder;		/* as the driver said, 0 unknown */
	int failures;		/* consecutive passes it failed in */
	int64_t first;		/* monotonic ms of the first failure */
	int64_t pass;		/* pass_seq of the last failure */
};

/* Locations sent to the gateway and not yet ACKed (open addressing). */
struct pendset {
	int64_t *keys;	/* location, 0 = empty slot, -1 = tombstone */
	int64_t *when;	/* monotonic ms it was sent */
	size_t cap;	/* slots, a power of two */
	size_t used;	/* live entries */
	size_t filled;	/* live entries plus tombstones */
};

struct worker {
	const struct modem_conf *conf; /* borrowed */
	int fd;			/* socket to the gateway */
	struct mg *g;		/* the modem */
	int connected;		/* mg is connected */
	int is_at;		/* a serial modem: read URCs when idle */
	int backoff_s;		/* next reconnect delay */
	int64_t next_connect;	/* monotonic ms */
	int errors;		/* consecutive MG_ERROR results */
	int stop;		/* leave the loop */
	int exit_code;		/* returned by modem_worker_main */

	int pass_active;	/* an inbox pass is under way */
	int pass_start;		/* the next read starts the iteration */
	int pass_new;		/* parts sent in this pass */
	int pass_reads;		/* locations read in this pass */
	int64_t pass_last;	/* last location read (loop guard) */
	int repoll;		/* last pass found parts: repoll on ACK */
	int64_t next_poll;	/* monotonic ms of the next timed pass */
	int64_t last_pass;	/* monotonic ms the last pass started */
	int64_t next_status;	/* monotonic ms of the next STATUS */
	int64_t next_tick;	/* monotonic ms of the next health tick */
	int64_t next_urc;	/* AT: monotonic ms of the next URC read */
	int64_t last_io;	/* monotonic ms the modem last answered */
	struct pendset pending;	/* sent, not yet ACKed */
	int64_t pass_seq;	/* passes started */
	struct badslot bad[WORKER_BAD_MAX]; /* slots that failed to read */
};

static void pend_init(struct pendset *);
static void pend_free(struct pendset *);
static void pend_clear(struct pendset *);
static size_t pend_slot(const struct pendset *, int64_t);
static void pend_grow(struct pendset *);
static int pend_has(const struct pendset *, int64_t, int64_t);
static void pend_add(struct pendset *, int64_t, int64_t);
static void pend_del(struct pendset *, int64_t);
static void worker_send(struct worker *, struct modem_ipc_msg *);
static void worker_send_status(struct worker *, int, struct modem_status *);
static void worker_down(struct worker *, const char *);
static void worker_lost(struct worker *, const char *);
static void worker_rc(struct worker *, int, const char *);
static void worker_connect(struct worker *);
static void worker_pass(struct worker *);
static void worker_end_pass(struct worker *, int);
static int worker_bad_read(struct worker *, const char *, int64_t);
static void worker_poison(struct worker *, struct badslot *, const char *);
static void worker_ack(struct worker *, struct modem_ipc_msg *);
static void worker_do_send(struct worker *, struct modem_ipc_msg *);
static void worker_do_ussd(struct worker *, struct modem_ipc_msg *);
static void worker_handle(struct worker *, struct modem_ipc_msg *);
static void worker_drain(struct worker *);
static int worker_timeout(const struct worker *);
static int64_t worker_poll_period(const struct worker *);
static void worker_pushed(struct worker *);
static void worker_indicated(struct worker *);
static int64_t worker_probe_due(const struct worker *);

/* ---- pending set ---- */

static void
pend_init(struct pendset *p)
{
	p->cap = 256;
	p->keys = xcalloc(p->cap, sizeof(*p->keys));
	p->when = xcalloc(p->cap, sizeof(*p->when));
	p->used = p->filled = 0;
}

static void
pend_free(struct pendset *p)
{
	free(p->keys);
	free(p->when);
	memset(p, 0, sizeof(*p));
}

static void
pend_clear(struct pendset *p)
{
	memset(p->keys, 0, p->cap * sizeof(*p->keys));
	p->used = p->filled = 0;
}

/* Slot holding key, or the empty slot where the probe ended. */
static size_t
pend_slot(const struct pendset *p, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 20) & (p->cap - 1);

	while (p->keys[i] != 0 && p->keys[i] != key)
		i = (i + 1) & (p->cap - 1);
	return i;
}

static void
pend_grow(struct pendset *p)
{
	struct pendset n;
	size_t cap = p->used * 4 > 256 ? p->used * 4 : 256;
	size_t c2 = 256;

	while (c2 < cap)
		c2 *= 2;
	n.cap = c2;
	n.keys = xcalloc(n.cap, sizeof(*n.keys));
	n.when = xcalloc(n.cap, sizeof(*n.when));
	n.used = n.filled = 0;
	for (size_t i = 0; i < p->cap; i++) {
		if (p->keys[i] > 0) {
			size_t j = pend_slot(&n, p->keys[i]);

			n.keys[j] = p->keys[i];
			n.when[j] = p->when[i];
			n.used++;
			n.filled++;
		}
	}
	pend_free(p);
	*p = n;
}

/* Sent less than WORKER_PENDING_TTL ago and not ACKed. */
static int
pend_has(const struct pendset *p, int64_t key, int64_t now)
{
	size_t i;

	if (key <= 0)
		return 0;
	i = pend_slot(p, key);
	return p->keys[i] == key && now - p->when[i] < WORKER_PENDING_TTL;
}

static void
pend_add(struct pendset *p, int64_t key, int64_t now)
{
	size_t i;

	/* Locations are positive; 0 and -1 mark empty and deleted slots. */
	if (key <= 0)
		return;
	if ((p->filled + 1) * 2 >= p->cap)
		pend_grow(p);
	i = pend_slot(p, key);
	if (p->keys[i] != key) {
		p->keys[i] = key;
		p->used++;
		p->filled++;
	}
	p->when[i] = now;
}

static void
pend_del(struct pendset *p, int64_t key)
{
	size_t i;

	if (key <= 0)
		return;
	i = pend_slot(p, key);
	if (p->keys[i] == key) {
		p->keys[i] = -1;
		p->used--;
	}
}

/* ---- messages to the gateway ---- */

/* Sends and frees msg; a gateway that went away ends the worker. */
static void
worker_send(struct worker *w, struct modem_ipc_msg *m)
{
	if (!w->stop && modem_ipc_send(w->fd, m) == -1) {
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("modem %s: sending %s to the gateway",
			    w->conf->name, modem_ipc_strtype(m->type));
		w->stop = 1;
		w->exit_code = errno == EPIPE || errno == ECONNRESET ? 0 : 1;
	}
	modem_ipc_free(m);
}

static void
worker_send_status(struct worker *w, int type, struct modem_status *st)
{
	struct modem_ipc_msg m;

	modem_ipc_init(&m, type);
	modem_ipc_put_status(&m, st);
	worker_send(w, &m);
}

/* Reports connected=0 with why, and schedules the next attempt. */
static void
worker_down(struct worker *w, const char *why)
{
	struct modem_status st;

	memset(&st, 0, sizeof(st));
	st.connected = 0;
	st.signal_percent = -1;
	st.sim_used = -1;
	st.sim_size = -1;
	st.network_code = (char *)"";
	st.network_name = (char *)"";
	st.imei = (char *)"";
	st.error = (char *)why;
	worker_send_status(w, MODEM_IPC_STATUS, &st);
	w->next_connect = clock_mono_ms() + (int64_t)w->backoff_s * 1000;
	log_warnx("modem %s: %s; retrying in %d s", w->conf->name, why,
	    w->backoff_s);
	w->backoff_s = w->backoff_s * 2 > WORKER_BACKOFF_MAX ?
	    WORKER_BACKOFF_MAX : w->backoff_s * 2;
}

/* The connection is gone: forget everything tied to it. */
static void
worker_lost(struct worker *w, const char *why)
{
	mg_disconnect(w->g);
	w->connected = 0;
	w->errors = 0;
	w->pass_active = 0;
	w->repoll = 0;
	/* Unacked parts stay on the modem and are read again later. */
	pend_clear(&w->pending);
	worker_down(w, why);
}

/* Counts an operation's outcome towards "the connection is lost". */
static void
worker_rc(struct worker *w, int rc, const char *err)
{
	switch (rc) {
	case MG_OK:
	case MG_EMPTY:
		w->errors = 0;
		w->last_io = clock_mono_ms();
		return;
	case MG_ERROR:
		log_warnx("modem %s: %s", w->conf->name, err);
		if (++w->errors < WORKER_MAX_ERRORS)
			return;
		worker_lost(w, err);
		return;
	case MG_LOST:
		worker_lost(w, err);
		return;
	}
}

static void
worker_connect(struct worker *w)
{
	char err[256];
	struct modem_status st;
	int rc;

	rc = mg_connect(w->g, err, sizeof(err));
	if (rc != MG_OK) {
		worker_down(w, err);
		return;
	}
	w->connected = 1;
	w->errors = 0;
	w->backoff_s = 1;
	rc = mg_status(w->g, &st);
	log_info("modem %s: connected", w->conf->name);
	worker_send_status(w, MODEM_IPC_HELLO, &st);
	worker_send_status(w, MODEM_IPC_STATUS, &st);
	modem_status_clear(&st);
	if (rc == MG_LOST) {
		worker_lost(w, "lost right after connecting");
		return;
	}
	w->next_status = clock_mono_ms() + WORKER_STATUS_EVERY;
	w->next_poll = clock_mono_ms();
	w->last_io = clock_mono_ms();
	w->pass_active = 0;
}

/* ---- inbox ---- */

static void
worker_end_pass(struct worker *w, int batch)
{
	struct modem_ipc_msg m;
	struct modem_batch_end be = { batch, 0 };	/* the pass is over */

	modem_ipc_init(&m, MODEM_IPC_BATCH_END);
	modem_ipc_put_batch_end(&m, &be);
	worker_send(w, &m);
	/* A slot that did not fail in this pass was read (or is gone): its
	 * failures were not consecutive. */
	for (int i = 0; i < WORKER_BAD_MAX; i++)
		if (w->bad[i].location != 0 && w->bad[i].pass != w->pass_seq)
			memset(&w->bad[i], 0, sizeof(w->bad[i]));
	w->pass_active = 0;
	w->last_io = clock_mono_ms();
	/* A modem that announces each message needs no second look. */
	w->repoll = w->pass_new > 0 && !mg_announces(w->g);
	w->next_poll = clock_mono_ms() + worker_poll_period(w);
	if (w->pass_new > 0)
		log_debug("modem %s: pass read %d new part(s)", w->conf->name,
		    w->pass_new);
}

/* ms between timed passes: safety_poll_s for a modem that announces
 * new messages, else poll_ms. */
static int64_t
worker_poll_period(const struct worker *w)
{
	if (w->conf->safety_poll_s > 0 && mg_announces(w->g))
		return (int64_t)w->conf->safety_poll_s * 1000;
	return w->conf->poll_ms > 0 ? w->conf->poll_ms : 1000;
}

/* Hands messages the modem pushed whole (+CDS) to the gateway as one
 * batch.  They have no location: the ACK deletes nothing. */
static void
worker_pushed(struct worker *w)
{
	struct modem_part part;
	struct modem_ipc_msg m;
	struct modem_batch_end be = { 0, 0 };

	while (!w->stop && mg_take_pushed(w->g, &part)) {
		modem_ipc_init(&m, MODEM_IPC_SMS);
		modem_ipc_put_part(&m, &part);
		worker_send(w, &m);
		modem_part_clear(&part);
		be.parts++;
	}
	if (be.parts == 0 || w->stop)
		return;
	log_debug("modem %s: %d pushed message(s)", w->conf->name,
	    (int)be.parts);
	modem_ipc_init(&m, MODEM_IPC_BATCH_END);
	modem_ipc_put_batch_end(&m, &be);
	worker_send(w, &m);
}

/* Reads the locations the modem announced (+CMTI), one GetSMS each,
 * and hands them over as one batch: no inbox listing for a message. */
static void
worker_indicated(struct worker *w)
{
	struct modem_part *parts = NULL;
	struct modem_ipc_msg m;
	struct modem_batch_end be = { 0, 0 };
	char err[256];
	int n, rc;
	int64_t now = clock_mono_ms();

	for (int k = 0; k < WORKER_BATCH && w->connected && !w->stop; k++) {
		if (parts == NULL)
			parts = xcalloc(MG_MAX_PARTS, sizeof(*parts));
		err[0] = '\0';
		rc = mg_read_indicated(w->g, parts, &n, err, sizeof(err));
		if (rc == MG_EMPTY)
			break;
		if (rc != MG_OK) {
			worker_rc(w, rc, err);
			break;
		}
		w->errors = 0;
		w->last_io = clock_mono_ms();
		if (n > 0 && !pend_has(&w->pending, parts[0].location, now)) {
			for (int i = 0; i < n; i++) {
				modem_ipc_init(&m, MODEM_IPC_SMS);
				modem_ipc_put_part(&m, &parts[i]);
				worker_send(w, &m);
			}
			pend_add(&w->pending, parts[0].location, now);
			be.parts += n;
		}
		for (int i = 0; i < n; i++)
			modem_part_clear(&parts[i]);
	}
	free(parts);
	if (be.parts == 0 || w->stop)
		return;
	log_debug("modem %s: read %d announced part(s)", w->conf->name,
	    be.parts);
	modem_ipc_init(&m, MODEM_IPC_BATCH_END);
	modem_ipc_put_batch_end(&m, &be);
	worker_send(w, &m);
}

/* AT modems: monotonic ms at which an idle modem is probed (the
 * hang check of issue 10), or INT64_MAX when it never is. */
static int64_t
worker_probe_due(const struct worker *w)
{
	if (!w->is_at || w->conf->probe_s <= 0)
		return INT64_MAX;
	return w->last_io + (int64_t)w->conf->probe_s * 1000;
}

/* Reads one batch of the current pass (starting one if needed). */
static void
worker_pass(struct worker *w)
{
	struct modem_part *parts;
	char err[256];
	int batch = 0, n, rc;
	int64_t now = clock_mono_ms(), started = now;

	if (!w->pass_active) {
		mg_inbox_mark(w->g);
		w->last_pass = now;
		w->pass_active = 1;
		w->pass_start = 1;
		w->pass_new = 0;
		w->pass_reads = 0;
		w->pass_last = 0;
		w->pass_seq++;
	}
	parts = xcalloc(MG_MAX_PARTS, sizeof(*parts));
	while (batch < WORKER_BATCH) {
		err[0] = '\0';
		rc = mg_read_next(w->g, w->pass_start, parts, &n, err,
		    sizeof(err));
		w->pass_start = 0;
		if (rc == MG_EMPTY) {
			w->errors = 0;
			worker_end_pass(w, batch);
			goto out;
		}
		if (rc == MG_ERROR && worker_bad_read(w, err, now) == 0)
			continue; /* past the failing slot */
		if (rc != MG_OK) {
			/* Send what was read; the rest waits for the next
			 * pass. */
			worker_end_pass(w, batch);
			worker_rc(w, rc, err);
			goto out;
		}
		w->errors = 0;
		if (n > 0 && (parts[0].location == w->pass_last ||
		    ++w->pass_reads > WORKER_PASS_MAX)) {
			log_warnx("modem %s: inbox listing repeats; ending the "
			    "pass", w->conf->name);
			for (int i = 0; i < n; i++)
				modem_part_clear(&parts[i]);
			worker_end_pass(w, batch);
			goto out;
		}
		if (n > 0)
			w->pass_last = parts[0].location;
		if (n > 0 && !pend_has(&w->pending, parts[0].location, now)) {
			for (int i = 0; i < n; i++) {
				struct modem_ipc_msg m;

				modem_ipc_init(&m, MODEM_IPC_SMS);
				modem_ipc_put_part(&m, &parts[i]);
				worker_send(w, &m);
			}
			pend_add(&w->pending, parts[0].location, now);
			batch += n;
			w->pass_new += n;
		}
		for (int i = 0; i < n; i++)
			modem_part_clear(&parts[i]);
		if (w->stop)
			goto out;
		/* Hand over what we have every few ms: the read that finds
		 * the end of the inbox can be slow (the dummy probes all its
		 * empty slots, ~100 ms), and the parts read just before it
		 * should not wait for it to be stored. */
		if (batch > 0 && clock_mono_ms() - started >= WORKER_BATCH_MS)
			break;
	}
	/* A full or timed batch: the gateway commits it while we read on. */
	{
		struct modem_ipc_msg m;
		/* more of this pass follows */
		struct modem_batch_end be = { batch, 1 };

		modem_ipc_init(&m, MODEM_IPC_BATCH_END);
		modem_ipc_put_batch_end(&m, &be);
		worker_send(w, &m);
	}
out:
	free(parts);
}

/*
 * A read failed with MG_ERROR.  If the driver says at which location,
 * counts the failure against that slot (once per pass), reports it as
 * poison when it qualifies, and returns 0: the pass goes on past it.
 * Returns -1 when the location is unknown or the iteration does not move
 * (the caller ends the pass as for any error).
 */
static int
worker_bad_read(struct worker *w, const char *err, int64_t now)
{
	struct badslot *b = NULL, *free_b = NULL;
	int64_t loc;
	int folder;

	loc = mg_read_failed_at(w->g, &folder);
	if (loc <= 0 || loc == w->pass_last || ++w->pass_reads >
	    WORKER_PASS_MAX)
		return -1;
	w->pass_last = loc;
	w->errors = 0;	/* the modem answered; one slot is bad */
	for (int i = 0; i < WORKER_BAD_MAX; i++) {
		if (w->bad[i].location == loc)
			b = &w->bad[i];
		else if (w->bad[i].location == 0 && free_b == NULL)
			free_b = &w->bad[i];
	}
	if (b == NULL) {
		if (free_b == NULL)
			return 0; /* too many at once: retried next pass */
		b = free_b;
		b->location = loc;
		b->folder = folder;
		b->first = now;
	}
	if (b->pass != w->pass_seq) {
		b->pass = w->pass_seq;
		b->failures++;
		log_warnx("modem %s: location %lld unreadable (%d time%s): %s",
		    w->conf->name, (long long)loc, b->failures,
		    b->failures == 1 ? "" : "s", err);
	}
	/* Reported again only if no ACK came within WORKER_PENDING_TTL. */
	if (b->failures >= WORKER_POISON_READS &&
	    now - b->first >= WORKER_POISON_MS &&
	    !pend_has(&w->pending, loc, now))
		worker_poison(w, b, err);
	return 0;
}

/* Hands a poisoned slot with its raw bytes to the gateway; the ACK that
 * follows its quarantine commit deletes it like a part. */
static void
worker_poison(struct worker *w, struct badslot *b, const char *err)
{
	struct modem_ipc_msg m;
	struct modem_poison p;

	memset(&p, 0, sizeof(p));
	p.location = b->location;
	p.folder = b->folder;
	p.failures = b->failures;
	p.error = (char *)(uintptr_t)err;
	p.raw_known = mg_read_raw(w->g, b->location, MODEM_POISON_RAW_MAX,
	    &p.raw, &p.raw_len);
	log_warnx("modem %s: location %lld is poisoned after %d failed "
	    "reads; handing it over for quarantine", w->conf->name,
	    (long long)b->location, b->failures);
	modem_ipc_init(&m, MODEM_IPC_POISON);
	modem_ipc_put_poison(&m, &p);
	worker_send(w, &m);
	free(p.raw);
	pend_add(&w->pending, b->location, clock_mono_ms());
}

/* ---- requests from the gateway ---- */

static void
worker_ack(struct worker *w, struct modem_ipc_msg *m)
{
	int64_t *locs;
	long n;
	size_t done = 0;
	char err[256];

	n = modem_ipc_get_ack(m, &locs);
	if (n < 0) {
		log_warnx("modem %s: malformed ACK ignored", w->conf->name);
		return;
	}
	for (long i = 0; i < n; i++) {
		int rc, gone;

		pend_del(&w->pending, locs[i]);
		if (!w->connected)
			continue;
		err[0] = '\0';
		rc = mg_delete(w->g, locs[i], &gone, err, sizeof(err));
		/* Only a confirmed delete frees the location's dedup keys: an
		 * "empty" answer may hide a message still there, and its key
		 * must still recognise it when it is read again. */
		if (rc == MG_OK && gone)
			locs[done++] = locs[i];
		worker_rc(w, rc, err);
	}
	/* Tell the gateway which locations are gone, so it forgets their
	 * dedup keys (a new message may now land there). */
	if (done > 0) {
		struct modem_ipc_msg d;

		modem_ipc_init(&d, MODEM_IPC_DELETED);
		modem_ipc_put_ack(&d, locs, done);
		worker_send(w, &d);
	}
	free(locs);
}

static void
worker_do_send(struct worker *w, struct modem_ipc_msg *m)
{
	struct modem_send snd;
	struct modem_send_result res;
	struct modem_ipc_msg out;
	int rc;

	if (modem_ipc_get_send(m, &snd) == -1) {
		log_warnx("modem %s: malformed SEND ignored", w->conf->name);
		return;
	}
	if (!gsm_text_sendable(snd.text)) {
		/* modem.h's send contract: libgammu would send a truncated or
		 * garbled message, and retrying cannot change the text. */
		memset(&res, 0, sizeof(res));
		res.outbox_id = snd.outbox_id;
		res.mr = -1;
		res.permanent = 1;
		res.error = xstrdup("text cannot be sent whole");
		rc = MG_OK;
	} else if (!w->connected) {
		memset(&res, 0, sizeof(res));
		res.outbox_id = snd.outbox_id;
		res.mr = -1;
		res.error = xstrdup("modem not connected");
		rc = MG_OK;
	} else
		rc = mg_send(w->g, &snd, &res);
	if (res.ok)
		log_debug("modem %s: outbox %lld sent in %d part(s)",
		    w->conf->name, (long long)res.outbox_id, res.parts);
	else
		log_info("modem %s: outbox %lld not sent: %s", w->conf->name,
		    (long long)res.outbox_id, res.error);
	modem_ipc_init(&out, MODEM_IPC_SEND_RESULT);
	modem_ipc_put_send_result(&out, &res);
	worker_send(w, &out);
	if (w->connected)
		worker_rc(w, rc, res.error);
	modem_send_result_clear(&res);
	modem_send_clear(&snd);
}

static void
worker_do_ussd(struct worker *w, struct modem_ipc_msg *m)
{
	struct modem_ussd_result res;
	struct modem_ipc_msg out;
	char *code;
	int rc = MG_OK;

	if (modem_ipc_get_ussd(m, &code) != 0) {
		log_warnx("modem %s: malformed USSD ignored", w->conf->name);
		return;
	}
	if (!w->connected) {
		memset(&res, 0, sizeof(res));
		res.code = xstrdup(code);
		res.text = xstrdup("modem not connected");
	} else
		rc = mg_ussd(w->g, code, &res);
	modem_ipc_init(&out, MODEM_IPC_USSD_RESULT);
	modem_ipc_put_ussd_result(&out, &res);
	worker_send(w, &out);
	if (w->connected)
		worker_rc(w, rc, res.text);
	modem_ussd_result_clear(&res);
	free(code);
}

static void
worker_handle(struct worker *w, struct modem_ipc_msg *m)
{
	struct modem_ipc_msg out;

	switch (m->type) {
	case MODEM_IPC_PING: {
		int64_t seq;

		if (modem_ipc_get_seq(m, &seq) != 0) {
			log_warnx("modem %s: malformed PING ignored",
			    w->conf->name);
			break;
		}
		modem_ipc_init(&out, MODEM_IPC_PONG);
		modem_ipc_put_seq(&out, seq);
		worker_send(w, &out);
		break;
	}
	case MODEM_IPC_ACK:
		worker_ack(w, m);
		break;
	case MODEM_IPC_SEND:
		worker_do_send(w, m);
		break;
	case MODEM_IPC_USSD:
		worker_do_ussd(w, m);
		break;
	case MODEM_IPC_STOP:
		log_info("modem %s: stopping", w->conf->name);
		w->stop = 1;
		w->exit_code = 0;
		break;
	default:
		log_warnx("modem %s: unexpected %s message ignored",
		    w->conf->name, modem_ipc_strtype(m->type));
		break;
	}
}

/* Serves every request already waiting (bounded, for fairness). */
static void
worker_drain(struct worker *w)
{
	struct pollfd pfd;
	struct modem_ipc_msg m;
	int rc;

	for (int i = 0; i < WORKER_DRAIN_MAX && !w->stop; i++) {
		pfd.fd = w->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0 || pfd.revents == 0)
			return;
		rc = modem_ipc_recv(w->fd, &m);
		if (rc == 0) {
			log_debug("modem %s: gateway closed the socket",
			    w->conf->name);
			w->stop = 1;
			w->exit_code = 0;
			modem_ipc_free(&m);
			return;
		}
		if (rc < 0) {
			modem_ipc_free(&m);
			if (errno == EBADMSG || errno == EMSGSIZE) {
				log_warnx("modem %s: bad datagram ignored",
				    w->conf->name);
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* The gateway closed with our messages unread. */
			if (errno == ECONNRESET) {
				w->stop = 1;
				w->exit_code = 0;
				return;
			}
			log_warn("modem %s: reading from the gateway",
			    w->conf->name);
			w->stop = 1;
			w->exit_code = 1;
			return;
		}
		worker_handle(w, &m);
		modem_ipc_free(&m);
	}
}

/* How long poll() may sleep before the next thing is due. */
static int
worker_timeout(const struct worker *w)
{
	int64_t now = clock_mono_ms(), due;

	if (!w->connected)
		due = w->next_connect;
	else {
		if (w->pass_active || (w->repoll && w->pending.used == 0))
			return 0;
		due = w->next_poll;
		if (w->next_status < due)
			due = w->next_status;
	}
	if (w->next_tick < due)
		due = w->next_tick;
	if (w->connected && w->is_at && w->next_urc < due)
		due = w->next_urc;
	if (w->connected && worker_probe_due(w) < due)
		due = worker_probe_due(w);
	if (due <= now)
		return 0;
	return (int)(due - now);
}

int
modem_worker_main(const struct modem_conf *conf, int fd)
{
	struct worker w;
	struct pollfd pfd;
	int flags;

	memset(&w, 0, sizeof(w));
	w.conf = conf;
	w.fd = fd;
	w.backoff_s = 1;
	/* at, at115200, proxyat, blueat ...: the AT driver. */
	w.is_at = conf->connection == NULL ||
	    strstr(conf->connection, "at") != NULL;
	pend_init(&w.pending);
	w.g = mg_new(conf);
	/* We poll before reading, so a blocking socket never stalls us
	 * on read, and sends block (backpressure) instead of failing. */
	flags = fcntl(fd, F_GETFL);
	if (flags != -1 && (flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	(void)signal(SIGPIPE, SIG_IGN);
	w.next_connect = clock_mono_ms();
	w.next_tick = clock_mono_ms() + WORKER_TICK;
	log_debug("modem %s: worker started", conf->name);

	while (!w.stop) {
		int64_t now;

		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, worker_timeout(&w)) == -1 &&
		    errno != EINTR) {
			log_warn("modem %s: poll", conf->name);
			w.exit_code = 1;
			break;
		}
		if (pfd.revents != 0)
			worker_drain(&w);
		if (w.stop)
			break;
		now = clock_mono_ms();
		if (!w.connected) {
			if (now >= w.next_connect)
				worker_connect(&w);
			continue;
		}
		if (now >= w.next_tick) {
			w.next_tick = now + WORKER_TICK;
			if (mg_device_gone(w.g)) {
				char why[512];

				snprintf(why, sizeof(why),
				    "device %s disappeared", conf->device);
				worker_lost(&w, why);
				continue;
			}
		}
		/* Serial modems deliver +CMTI only while we read: a read
		 * without a command, cheap and silent on the line. */
		if (w.is_at && !w.pass_active && now >= w.next_urc) {
			w.next_urc = now + WORKER_URC_MS;
			mg_idle(w.g);
		}
		if (!w.pass_active) {
			worker_pushed(&w);
			worker_indicated(&w);
			if (!w.connected || w.stop)
				continue;
		}
		if (mg_take_incoming(w.g))
			w.next_poll = now;
		if (w.repoll && w.pending.used == 0) {
			/* The gateway answers a batch right after its commit,
			 * usually with a reply to send: let that arrive and go
			 * out before the next pass, which on the dummy ends in
			 * a ~100 ms scan of empty slots. */
			w.repoll = 0;
			w.next_poll = now + WORKER_REPOLL_GRACE;
		}
		/* A dummy inbox whose folders did not change needs no
		 * (expensive) pass. */
		if (!w.pass_active && now >= w.next_poll &&
		    now - w.last_pass < WORKER_FULL_PASS &&
		    mg_inbox_quiet(w.g))
			w.next_poll = now + (conf->poll_ms > 0 ?
			    conf->poll_ms : 1000);
		if (w.pass_active || now >= w.next_poll) {
			worker_pass(&w);
			continue;
		}
		if (now >= worker_probe_due(&w)) {
			char err[256];
			int rc;

			/* A hung modem answers nothing; when idle, nothing
			 * else would notice before the next status. */
			err[0] = '\0';
			w.last_io = now;
			rc = mg_probe(w.g, err, sizeof(err));
			worker_rc(&w, rc, err);
			continue;
		}
		if (now >= w.next_status) {
			struct modem_status st;
			int rc = mg_status(w.g, &st);

			w.next_status = now + WORKER_STATUS_EVERY;
			if (rc == MG_OK) {
				w.last_io = clock_mono_ms();
				worker_send_status(&w, MODEM_IPC_STATUS, &st);
			}
			else
				worker_lost(&w, st.error[0] != '\0' ?
				    st.error : "status failed");
			modem_status_clear(&st);
		}
	}
	mg_free(w.g);
	pend_free(&w.pending);
	return w.exit_code;
}
