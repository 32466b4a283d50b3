/*
 * gw_modems.c - the modem worker supervisor.
 *
 * Each configured modem gets one child process (modem_worker_main) and a
 * SOCK_SEQPACKET socketpair.  The supervisor reads the worker's messages
 * from the event loop, restarts a worker that died or stopped answering
 * PING (watchdog) with exponential backoff, and marks a modem down when it
 * loses its device or keeps failing.  Each worker is also an outbound
 * channel (gw_dispatch.c, gw_channel.c); the credit check is
 * gw_credit.c's.
 *
 * Worker state machine (gw_worker_enter_state is the only writer):
 *   STARTING -> UP <-> DOWN,  any -> DEAD -> (backoff) -> STARTING
 */
#define _GNU_SOURCE /* prctl */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "store.h"
#include "util.h"
#include "gw_modems_int.h"

#define GW_SEND_TIMEOUT_MS 180000  /* a SEND unanswered this long = hung */
#define GW_BACKOFF_MAX_S 60
#define GW_BATCH_RETRY_MS 250	/* a batch kept while the database is locked */
#define GW_STABLE_MS 60000	   /* alive this long resets the backoff */
/* With no modem up: how often to look for alerts that cannot leave, and
 * how often at most to say so in the log. */
#define GW_ALERT_CHECK_MS 2000
#define GW_ALERT_WARN_MS 600000

static const char *gw_worker_strstate(enum gw_worker_state);
static int gw_worker_spawn(struct gw_worker *);
static void gw_worker_close(struct gw_worker *);
static void gw_worker_died(struct gw_worker *, int);
static void gw_worker_restart_cb(evutil_socket_t, short, void *);
static void gw_worker_read_cb(evutil_socket_t, short, void *);
static void gw_worker_dispatch(struct gw_worker *, struct modem_ipc_msg *);
static void gw_worker_batch_end(struct gw_worker *);
static void gw_modems_alerts_check(struct gw_modems *, int64_t);
static void gw_worker_poison(struct gw_worker *, struct modem_ipc_msg *);
static void gw_worker_deleted(struct gw_worker *, struct modem_ipc_msg *);
static void gw_worker_status(struct gw_worker *, struct modem_ipc_msg *, int);
static void gw_modems_tick_cb(evutil_socket_t, short, void *);
static void gw_modems_down_rest(const struct gw_worker *, char *, size_t);
static void gw_modems_chld_cb(evutil_socket_t, short, void *);

static const char *
gw_worker_strstate(enum gw_worker_state s)
{
	switch (s) {
	case GW_WORKER_STARTING:
		return "starting";
	case GW_WORKER_UP:
		return "up";
	case GW_WORKER_DOWN:
		return "down";
	case GW_WORKER_DEAD:
		return "restarting";
	case GW_WORKER_STOPPED:
		return "stopped";
	}
	return "?";
}

void
gw_worker_enter_state(struct gw_worker *w, enum gw_worker_state next,
    const char *why)
{
	struct gateway *gw = w->mods->gw;

	if (w->state != next)
		log_info("modem %s: %s -> %s%s%s", w->name,
		    gw_worker_strstate(w->state), gw_worker_strstate(next),
		    why != NULL ? ": " : "", why != NULL ? why : "");
	w->state = next;
	/* The reason is the modem's last error only when it is not usable;
	 * coming up clears it. */
	if (store_channel_set_state(gw->store, w->name, gw_worker_strstate(next),
	    next == GW_WORKER_UP ? "" : why, clock_now_ms()) != 0)
		log_warnx("modem %s: cannot record state", w->name);
}

const struct modem_conf *
gw_worker_conf(const struct gw_worker *w)
{
	return config_modem(w->mods->gw->conf, w->name);
}

struct gw_modems *
gw_modems_new(struct gateway *gw)
{
	struct gw_modems *mods = xcalloc(1, sizeof(*mods));

	mods->gw = gw;
	mods->ev_tick = event_new(gw->base, -1, EV_PERSIST, gw_modems_tick_cb,
	    mods);
	mods->ev_chld = evsignal_new(gw->base, SIGCHLD, gw_modems_chld_cb,
	    mods);
	if (mods->ev_tick == NULL || mods->ev_chld == NULL)
		fatalx("gw_modems_new: event_new");
	{
		/* Also how soon a message queued by `stafeta send` leaves. */
		struct timeval tv = { 0, 250000 };
		event_add(mods->ev_tick, &tv);
	}
	event_add(mods->ev_chld, NULL);
	/* Whatever was handed to a modem when we last died is sent again:
	 * at-least-once for the one message in flight, never lost. */
	if (store_outbox_requeue_sending(gw->store, NULL) != 0)
		log_warnx("cannot requeue messages that were being sent");
	if (gw_modems_apply_config(mods) != 0)
		log_warnx("some modem workers could not be started");
	return mods;
}

int
gw_modems_apply_config(struct gw_modems *mods)
{
	const struct gw_config *conf = mods->gw->conf;
	int rc = 0;

	/* Stop workers whose modem left the configuration. */
	for (size_t i = 0; i < mods->n; i++) {
		struct gw_worker *w = mods->w[i];

		if (w->state != GW_WORKER_STOPPED &&
		    config_modem(conf, w->name) == NULL) {
			gw_worker_kill(w, "removed from configuration");
			w->state = GW_WORKER_STOPPED;
		}
	}
	/* Start workers for new modems.  A changed modem section takes
	 * effect at the worker's next restart. */
	for (size_t i = 0; i < conf->n_modems; i++) {
		const struct modem_conf *mc = &conf->modems[i];
		struct gw_worker *w = NULL;

		for (size_t j = 0; j < mods->n; j++)
			if (strcmp(mods->w[j]->name, mc->name) == 0)
				w = mods->w[j];
		if (w == NULL) {
			mods->w = xrealloc(mods->w,
			    (mods->n + 1) * sizeof(*mods->w));
			w = xcalloc(1, sizeof(*w));
			mods->w[mods->n++] = w;
			w->mods = mods;
			w->name = xstrdup(mc->name);
			gw_channel_init(&w->ch, &gw_worker_channel_ops, w,
			    w->name);
			gw_channel_load_count(&w->ch, mods->gw->store,
			    clock_now_ms());
			w->fd = -1;
			w->backoff_s = 1;
			w->concat_ref = (int)(clock_now_ms() % 256);
			w->ev_restart = evtimer_new(mods->gw->base,
			    gw_worker_restart_cb, w);
			w->state = GW_WORKER_STOPPED;
		}
		if (w->state == GW_WORKER_STOPPED) {
			if (mc->implicit)
				log_warnx("modem %s: no [modem] section "
				    "configured, using a dummy modem in %s",
				    mc->name, mc->device);
			if (gw_worker_spawn(w) != 0)
				rc = -1;
		}
	}
	return rc;
}

/* Forks the worker process for w. */
static int
gw_worker_spawn(struct gw_worker *w)
{
	const struct modem_conf *mc = gw_worker_conf(w);
	int sv[2];
	pid_t pid;

	if (mc == NULL)
		return -1;
	if (strcmp(mc->model, "dummy") == 0 && mkdir_p(mc->device, 0750) != 0)
		log_warn("modem %s: cannot create dummy folder", w->name);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("modem %s: socketpair", w->name);
		gw_worker_died(w, -1);
		return -1;
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_warn("modem %s: fork", w->name);
		close(sv[0]);
		close(sv[1]);
		gw_worker_died(w, -1);
		return -1;
	}
	if (pid == 0) {
		sigset_t all;
		int rc;

		/* The worker keeps only stdio and its socket: no database,
		 * no event loop descriptors, and above all not the state
		 * directory lock, which a successor daemon must be able to
		 * take the moment we die. */
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		sv[1] = 3;
		/* A worker must never outlive the gateway: its SIM would be
		 * read by nobody.  Closes the race with an early parent death
		 * by checking the parent after arming the signal. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_IGN);  /* Ctrl-C stops the parent, which */
		signal(SIGHUP, SIG_IGN);  /* then stops us cleanly */
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		rc = modem_worker_main(mc, sv[1]);
		_exit(rc);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0)
		log_warn("modem %s: O_NONBLOCK", w->name);
	w->pid = pid;
	w->fd = sv[0];
	w->started_at = clock_mono_ms();
	w->last_heard = w->started_at;
	w->ping_at = w->started_at;
	gw_channel_reset(&w->ch);
	w->receiving = 0;
	w->ussd_pending = 0;
	/* First balance check soon after start, then every balance_every_s. */
	w->next_balance_at = w->started_at + 5000;
	if (w->ev_read == NULL)
		w->ev_read = event_new(w->mods->gw->base, w->fd,
		    EV_READ | EV_PERSIST, gw_worker_read_cb, w);
	else
		event_assign(w->ev_read, w->mods->gw->base, w->fd,
		    EV_READ | EV_PERSIST, gw_worker_read_cb, w);
	event_add(w->ev_read, NULL);
	log_info("modem %s: worker started (pid %d)", w->name, (int)pid);
	gw_worker_enter_state(w, GW_WORKER_STARTING, NULL);
	return 0;
}

/* Closes our end of the socket and forgets the batch in progress. */
static void
gw_worker_close(struct gw_worker *w)
{
	if (w->ev_read != NULL)
		event_del(w->ev_read);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (size_t i = 0; i < w->n_batch; i++)
		modem_part_clear(&w->batch[i]);
	w->n_batch = 0;
	w->batch_retry_at = 0;
}

void
gw_worker_kill(struct gw_worker *w, const char *why)
{
	if (w->pid <= 0)
		return;
	log_warnx("modem %s: killing worker pid %d: %s", w->name, (int)w->pid,
	    why);
	kill(w->pid, SIGKILL);
	gw_worker_close(w);
}

/* The worker process is gone (status from waitpid, -1 if never ran). */
static void
gw_worker_died(struct gw_worker *w, int status)
{
	struct gateway *gw = w->mods->gw;
	struct timeval tv;
	char why[64];

	gw_worker_close(w);
	w->pid = 0;
	if (status == -1)
		snprintf(why, sizeof(why), "could not start");
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exited with %d",
		    WEXITSTATUS(status));
	/* Messages it had not confirmed go back to the queue. */
	gw_channel_requeue(&w->ch, gw->store);
	gw_channel_reset(&w->ch);
	if (w->state == GW_WORKER_STOPPED || w->mods->stopping) {
		log_info("modem %s: worker %s", w->name, why);
		return;
	}
	if (clock_mono_ms() - w->started_at > GW_STABLE_MS)
		w->backoff_s = 1;
	gw_worker_enter_state(w, GW_WORKER_DEAD, why);
	tv.tv_sec = w->backoff_s;
	tv.tv_usec = 0;
	log_info("modem %s: restarting worker in %d s", w->name, w->backoff_s);
	w->backoff_s = w->backoff_s * 2 > GW_BACKOFF_MAX_S ? GW_BACKOFF_MAX_S :
	    w->backoff_s * 2;
	evtimer_add(w->ev_restart, &tv);
	gw_modems_kick(w->mods);
}

static void
gw_worker_restart_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_worker *w = arg;

	UNUSED(fd);
	UNUSED(ev);
	if (w->state == GW_WORKER_STOPPED || w->mods->stopping ||
	    w->pid > 0)
		return;
	if (gw_worker_spawn(w) != 0)
		log_warnx("modem %s: restart failed", w->name);
}

static void
gw_modems_chld_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_modems *mods = arg;
	pid_t pid;
	int status;

	UNUSED(fd);
	UNUSED(ev);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < mods->n; i++) {
			if (mods->w[i]->pid == pid) {
				gw_worker_died(mods->w[i], status);
				break;
			}
		}
	}
}

static void
gw_worker_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_worker *w = arg;
	struct modem_ipc_msg msg;
	int rc, got = 0;

	UNUSED(ev);
	/* Drain what is there, but yield to the loop now and then so one
	 * busy modem cannot starve the others. */
	while (got < 256 && w->fd == fd) {
		rc = modem_ipc_recv(fd, &msg);
		if (rc < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			log_warn("modem %s: read from worker", w->name);
			gw_worker_close(w);
			break;
		}
		if (rc == 0) {
			/* EOF: the process is exiting; SIGCHLD restarts it. */
			gw_worker_close(w);
			break;
		}
		got++;
		w->last_heard = clock_mono_ms();
		gw_worker_dispatch(w, &msg);
		modem_ipc_free(&msg);
	}
	if (got > 0)
		gw_modems_kick(w->mods);
}

static void
gw_worker_dispatch(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	switch (msg->type) {
	case MODEM_IPC_HELLO:
		gw_worker_status(w, msg, 1);
		return;
	case MODEM_IPC_STATUS:
		gw_worker_status(w, msg, 0);
		return;
	case MODEM_IPC_SMS:
		if (w->n_batch == w->cap_batch) {
			w->cap_batch = w->cap_batch ? w->cap_batch * 2 : 64;
			w->batch = xrealloc(w->batch,
			    w->cap_batch * sizeof(*w->batch));
		}
		memset(&w->batch[w->n_batch], 0, sizeof(*w->batch));
		if (modem_ipc_get_part(msg, &w->batch[w->n_batch]) != 0) {
			log_warnx("modem %s: malformed SMS message from worker",
			    w->name);
			return;
		}
		w->n_batch++;
		return;
	case MODEM_IPC_BATCH_END: {
		struct modem_batch_end be;

		/* A malformed end still ends the batch: what we hold is
		 * stored and acknowledged, and sends are not held. */
		if (modem_ipc_get_batch_end(msg, &be) != 0)
			log_warnx("modem %s: malformed BATCH_END from worker",
			    w->name);
		w->receiving = be.more;
		gw_worker_batch_end(w);
		return;
	}
	case MODEM_IPC_SEND_RESULT:
		gw_worker_send_result(w, msg);
		return;
	case MODEM_IPC_USSD_RESULT:
		gw_worker_ussd_result(w, msg);
		return;
	case MODEM_IPC_PONG:
		return;
	case MODEM_IPC_DELETED:
		gw_worker_deleted(w, msg);
		return;
	case MODEM_IPC_POISON:
		gw_worker_poison(w, msg);
		return;
	default:
		log_warnx("modem %s: unexpected %s from worker", w->name,
		    modem_ipc_strtype(msg->type));
		return;
	}
}

/* The worker finished a read pass: store everything, then let it delete
 * exactly what was committed. */
static void
gw_worker_batch_end(struct gw_worker *w)
{
	struct modem_ipc_msg ack;
	int64_t *locs = NULL;
	int64_t busy0 = store_busy_count(w->mods->gw->store);
	int stored;

	stored = gw_inbound_batch(w->mods->gw, w->name, w->batch,
	    w->n_batch) == 0;
	if (!stored && store_busy_count(w->mods->gw->store) != busy0) {
		/* Another process holds the database's lock: keep the parts
		 * (not acknowledged, so still on the SIM) and store them
		 * from the loop a little later.  The worker is healthy. */
		if (w->batch_retry_at == 0)
			log_warnx("modem %s: database locked by another "
			    "process; %zu part(s) kept, stored when it is "
			    "free", w->name, w->n_batch);
		w->batch_retry_at = clock_mono_ms() + GW_BATCH_RETRY_MS;
		return;
	}
	if (w->batch_retry_at != 0)
		log_info("modem %s: database free again", w->name);
	w->batch_retry_at = 0;
	if (!stored) {
		/* Not stored: the parts stay on the SIM.  A fresh worker reads
		 * them again; its predecessor remembered them as pending. */
		for (size_t i = 0; i < w->n_batch; i++)
			modem_part_clear(&w->batch[i]);
		w->n_batch = 0;
		gw_worker_kill(w, "batch could not be stored");
		return;
	}
	/* One ACK datagram holds MODEM_IPC_ACK_MAX locations. */
	for (size_t i = 0; i < w->n_batch; i += MODEM_IPC_ACK_MAX) {
		size_t n = w->n_batch - i;

		if (n > MODEM_IPC_ACK_MAX)
			n = MODEM_IPC_ACK_MAX;
		locs = xrealloc(locs, n * sizeof(*locs));
		for (size_t j = 0; j < n; j++)
			locs[j] = w->batch[i + j].location;
		modem_ipc_init(&ack, MODEM_IPC_ACK);
		modem_ipc_put_ack(&ack, locs, n);
		if (w->fd >= 0 && modem_ipc_send(w->fd, &ack) != 0)
			log_warn("modem %s: cannot send ACK (parts will be "
			    "read again and recognised)", w->name);
		modem_ipc_free(&ack);
	}
	for (size_t i = 0; i < w->n_batch; i++)
		modem_part_clear(&w->batch[i]);
	w->n_batch = 0;
	free(locs);
}

/* The worker deleted what we ACKed: the dedup keys of those locations
 * are released (a failure only leaves them to age out). */
static void
gw_worker_deleted(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	int64_t *locs;
	long n;

	n = modem_ipc_get_ack(msg, &locs);
	if (n < 0) {
		log_warnx("modem %s: malformed DELETED from worker", w->name);
		return;
	}
	if (gw_inbound_deleted(w->mods->gw, w->name, locs, (size_t)n) != 0)
		log_debug("modem %s: keys of %ld deleted location(s) will "
		    "age out", w->name, n);
	free(locs);
}

/* A location the worker cannot read: keep its copy, then let the worker
 * delete it, and tell the administrators. */
static void
gw_worker_poison(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	struct modem_poison p;
	struct modem_ipc_msg ack;
	int64_t id;

	if (modem_ipc_get_poison(msg, &p) != 0) {
		log_warnx("modem %s: malformed POISON from worker", w->name);
		return;
	}
	/* Not stored: no ACK, the worker reports it again later. */
	if (gw_inbound_quarantine(w->mods->gw, w->name, &p, &id) != 0) {
		modem_poison_clear(&p);
		return;
	}
	log_warnx("modem %s: location %lld (folder %d) unreadable after %d "
	    "reads, quarantined as #%lld with %zu raw byte(s): %s", w->name,
	    (long long)p.location, p.folder, p.failures, (long long)id,
	    p.raw_len, p.error);
	modem_ipc_init(&ack, MODEM_IPC_ACK);
	modem_ipc_put_ack(&ack, &p.location, 1);
	if (w->fd >= 0 && modem_ipc_send(w->fd, &ack) != 0)
		log_warn("modem %s: cannot send ACK for quarantined location",
		    w->name);
	modem_ipc_free(&ack);
	gw_modems_alert(w->mods, "Stafeta: modemul %s avea un mesaj care nu "
	    "poate fi citit (locatia %lld); a fost pus deoparte (carantina "
	    "#%lld), vezi stafeta status.", w->name, (long long)p.location,
	    (long long)id);
	modem_poison_clear(&p);
}

static void
gw_worker_status(struct gw_worker *w, struct modem_ipc_msg *msg, int hello)
{
	struct gateway *gw = w->mods->gw;
	struct modem_status st;

	memset(&st, 0, sizeof(st));
	if (modem_ipc_get_status(msg, &st) != 0) {
		log_warnx("modem %s: malformed status from worker", w->name);
		return;
	}
	if (st.connected) {
		char net[160];

		snprintf(net, sizeof(net), "%s%s%s%s", st.network_name,
		    st.network_name[0] && st.network_code[0] ? " (" : "",
		    st.network_code, st.network_name[0] && st.network_code[0] ?
		    ")" : "");
		if (store_channel_set_health(gw->store, w->name,
		    st.signal_percent, net, clock_now_ms()) != 0)
			log_warnx("modem %s: cannot record health", w->name);
		/* We delete every part as soon as it is stored, so a full SIM
		 * means messages we cannot read (or another program's): new
		 * SMS bounce at the SMSC until someone looks. */
		if (st.sim_size > 0 && st.sim_used >= st.sim_size) {
			log_warnx("modem %s: SIM message memory full (%d/%d)",
			    w->name, st.sim_used, st.sim_size);
			if (!w->sim_full_alerted) {
				w->sim_full_alerted = 1;
				gw_modems_alert(w->mods, "Stafeta: memoria SIM a "
				    "modemului %s este plina; mesajele noi nu "
				    "pot ajunge.", w->name);
			}
		} else
			w->sim_full_alerted = 0;
		if (w->state != GW_WORKER_UP) {
			int was_down = w->down_alerted;

			w->ch.fail_streak = 0;
			gw_worker_enter_state(w, GW_WORKER_UP,
			    hello ? "connected" : NULL);
			if (was_down) {
				w->down_alerted = 0;
				gw_modems_alert(w->mods,
				    "Stafeta: modemul %s functioneaza din nou.",
				    w->name);
			}
		}
	} else if (w->state != GW_WORKER_DOWN) {
		gw_worker_enter_state(w, GW_WORKER_DOWN, st.error);
		if (!w->down_alerted) {
			char rest[160];

			w->down_alerted = 1;
			gw_modems_down_rest(w, rest, sizeof(rest));
			gw_modems_alert(w->mods,
			    "Stafeta: modemul %s NU functioneaza (%s). %s",
			    w->name, st.error[0] ? st.error : "fara raspuns",
			    rest);
		}
	}
	modem_status_clear(&st);
}


/*
 * The second sentence of a "modem down" alert, true for the modems there
 * are: the one other modem up by name, how many when several, or that
 * messages wait when none is (a single modem, or all down).
 */
static void
gw_modems_down_rest(const struct gw_worker *w, char *buf, size_t len)
{
	const struct gw_modems *mods = w->mods;
	const char *other = NULL;
	int up = 0;

	for (size_t i = 0; i < mods->n; i++)
		if (mods->w[i] != w && mods->w[i]->state == GW_WORKER_UP) {
			other = mods->w[i]->name;
			up++;
		}
	if (up == 0)
		snprintf(buf, len, "Niciun alt modem nu functioneaza: "
		    "mesajele asteapta pana revine.");
	else if (up == 1)
		snprintf(buf, len, "Mesajele trec prin modemul %s.", other);
	else
		snprintf(buf, len, "Mesajele trec prin celelalte %d modemuri.",
		    up);
}

void
gw_modems_alert(struct gw_modems *mods, const char *fmt, ...)
{
	struct gateway *gw = mods->gw;
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_info("alert: %s", text);
	if (gw->conf->n_admin_numbers == 0)
		return;
	if (store_begin(gw->store) != 0)
		return;
	if (store_outbox_add_each(gw->store, gw->conf->admin_numbers,
	    gw->conf->n_admin_numbers, text, STORE_PRIO_ALERT, clock_now_ms()) != 0 ||
	    store_commit(gw->store) != 0) {
		log_warnx("alert not queued: %s", store_errmsg(gw->store));
		store_rollback(gw->store);
	}
}

int
gw_modems_up(const struct gw_modems *mods)
{
	int up = 0;

	for (size_t i = 0; i < mods->n; i++)
		if (mods->w[i]->state == GW_WORKER_UP)
			up++;
	return up;
}

/* Every tick: watchdog, hung sends, balance checks, queue pick-up. */
static void
gw_modems_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_modems *mods = arg;
	const struct gw_config *conf = mods->gw->conf;
	int64_t mono = clock_mono_ms();
	int64_t wd = (int64_t)conf->watchdog_s * 1000;
	int64_t stall;

	UNUSED(fd);
	UNUSED(ev);
	/* A tick that comes late means this loop was not listening: the
	 * workers' silence over that time is ours, not theirs. */
	stall = mods->last_tick != 0 ? mono - mods->last_tick - 1000 : 0;
	mods->last_tick = mono;
	for (size_t i = 0; i < mods->n; i++) {
		struct gw_worker *w = mods->w[i];

		if (w->pid <= 0 || w->fd < 0)
			continue;
		if (stall > 0)
			w->last_heard += stall;
		if (w->batch_retry_at != 0 && mono >= w->batch_retry_at)
			gw_worker_batch_end(w);
		if (mono - w->last_heard > wd) {
			/* Read what is waiting first: a PONG may be there. */
			gw_worker_read_cb(w->fd, EV_READ, w);
			if (w->fd < 0)
				continue;
		}
		if (mono - w->last_heard > wd) {
			gw_worker_kill(w, "watchdog: no answer");
			continue;
		}
		if (w->ch.sending_id != 0 &&
		    mono - w->ch.sending_at > GW_SEND_TIMEOUT_MS) {
			gw_worker_kill(w, "send did not complete");
			continue;
		}
		if (w->fd >= 0 && mono - w->ping_at > wd / 3) {
			struct modem_ipc_msg m;

			modem_ipc_init(&m, MODEM_IPC_PING);
			modem_ipc_put_seq(&m, ++w->ping_seq);
			if (modem_ipc_send(w->fd, &m) != 0)
				log_warn("modem %s: cannot ping", w->name);
			modem_ipc_free(&m);
			w->ping_at = mono;
		}
		gw_worker_balance(w, mono);
	}
	gw_modems_kick(mods);
	gw_modems_alerts_check(mods, mono);
}

/* No modem up and alerts queued: a warning now, then at most once per
 * GW_ALERT_WARN_MS while it lasts; a modem coming up starts it over. */
static void
gw_modems_alerts_check(struct gw_modems *mods, int64_t mono)
{
	char line[768];

	if (mods->n == 0 || mods->stopping || gw_modems_up(mods) > 0) {
		mods->alert_check_at = 0;
		return;
	}
	if (mono < mods->alert_check_at)
		return;
	switch (gw_alerts_stuck(mods->gw->store, line, sizeof(line), NULL)) {
	case 1:
		log_warnx("%s", line);
		mods->alert_check_at = mono + GW_ALERT_WARN_MS;
		break;
	default:
		mods->alert_check_at = mono + GW_ALERT_CHECK_MS;
		break;
	}
}

void
gw_modems_free(struct gw_modems *mods)
{
	if (mods == NULL)
		return;
	mods->stopping = 1;
	/* Ask every worker to stop, then give them a moment to hang up the
	 * modem properly before the hard kill. */
	for (size_t i = 0; i < mods->n; i++) {
		struct gw_worker *w = mods->w[i];
		struct modem_ipc_msg m;

		if (w->pid <= 0 || w->fd < 0)
			continue;
		modem_ipc_init(&m, MODEM_IPC_STOP);
		if (modem_ipc_send(w->fd, &m) != 0)
			kill(w->pid, SIGTERM);
		modem_ipc_free(&m);
	}
	for (int tries = 0; tries < 50; tries++) {
		int alive = 0;

		for (size_t i = 0; i < mods->n; i++) {
			struct gw_worker *w = mods->w[i];
			int status;

			if (w->pid <= 0)
				continue;
			if (waitpid(w->pid, &status, WNOHANG) == w->pid)
				w->pid = 0;
			else
				alive++;
		}
		if (alive == 0)
			break;
		usleep(100000);
	}
	for (size_t i = 0; i < mods->n; i++) {
		struct gw_worker *w = mods->w[i];

		if (w->pid > 0) {
			log_warnx("modem %s: worker did not stop, killing",
			    w->name);
			kill(w->pid, SIGKILL);
			waitpid(w->pid, NULL, 0);
		}
		gw_worker_close(w);
		if (w->ev_read != NULL)
			event_free(w->ev_read);
		if (w->ev_restart != NULL)
			event_free(w->ev_restart);
		free(w->batch);
		free(w->name);
		free(w);
	}
	/* Whatever was handed out and not confirmed stays queued. */
	if (store_outbox_requeue_sending(mods->gw->store, NULL) != 0)
		log_warnx("cannot requeue in-flight messages at exit");
	event_free(mods->ev_tick);
	event_free(mods->ev_chld);
	free(mods->w);
	free(mods);
}
