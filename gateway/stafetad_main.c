/*
 * stafetad_main.c - the daemon's entry point: options, start-up order,
 * signals, periodic housekeeping and shutdown.
 *
 *   stafetad -c FILE [-S DIR] [-n] [-f] [-d]
 *
 * -n loads and checks everything the daemon would load (configuration,
 * flow files, indicator table) and exits 0 or 1 with "file:line: message"
 * errors; systemd runs it as ExecStartPre.  -f stays in the foreground
 * (systemd and tests); -d logs at debug level.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "gw_kannel.h"
#include "gw_metrics.h"
#include "web.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define HOUSEKEEPING_S 5
#define PURGE_EVERY_MS (24LL * 3600 * 1000)
#define PURGE_MAX_BATCHES 20 /* per class and housekeeping pass */

struct daemon_timers {
	struct gateway *gw;
	struct event *ev_house;	  /* housekeeping */
	struct event *ev_wd;	  /* systemd watchdog */
	struct event *ev_term;
	struct event *ev_int;
	struct event *ev_hup;
	struct event *ev_usr2;	  /* test clock only: housekeeping now */
	int64_t last_flood;	  /* ms, last hourly limiter clean-up */
	int64_t last_purge;	  /* ms, start of the last daily purge */
	int purge_more;		  /* that purge is not finished yet */
};

static void usage(FILE *, int) __attribute__((noreturn));
static int check_only(const char *, const char *);
static int lock_state_dir(const char *);
static void signal_stop_cb(evutil_socket_t, short, void *);
static void signal_hup_cb(evutil_socket_t, short, void *);
static void housekeeping_cb(evutil_socket_t, short, void *);
static void housekeeping_now_cb(evutil_socket_t, short, void *);
static void watchdog_cb(evutil_socket_t, short, void *);
static void purge_report_cb(void *, const char *, int64_t, int64_t);
static void daily_purge(struct daemon_timers *, int64_t);

/* Prints usage on f and exits with code (0 for -h/--help, 2 otherwise). */
static void
usage(FILE *f, int code)
{
	fprintf(f, "usage: stafetad [-c FILE] [-S DIR] [-n] [-f] [-d]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -S DIR   state directory: database, dummy modem folders\n"
	    "  -n       check the configuration and exit\n"
	    "  -f       stay in the foreground\n"
	    "  -d       debug logging\n"
	    "  -h       this help\n", CONFIG_DEFAULT_PATH);
	exit(code);
}

/* Everything -n checks, the same steps as a start and a reload;
 * 0 if the daemon would start with it. */
static int
check_only(const char *path, const char *state)
{
	char err[CONFIG_ERR_LEN];
	struct gw_config *conf;
	struct gw_services *services = NULL;
	struct flow_engine *flows = NULL;
	int rc = 1;

	conf = gw_config_load(path, state, err, sizeof(err));
	if (conf != NULL)
		services = gw_services_new(conf, 1, err, sizeof(err));
	if (services != NULL) {
		const struct flow_action_set *sets;
		size_t n;

		sets = gw_services_actions(services, &n);
		flows = flow_engine_new(conf, sets, n, err, sizeof(err));
	}
	if (flows != NULL) {
		printf("configuration OK\n");
		rc = 0;
	} else
		fprintf(stderr, "%s\n", err);
	flow_engine_free(flows);
	gw_services_free(services);
	config_free(conf);
	return rc;
}

/*
 * Two daemons on one state directory would read the same modems and
 * answer every message twice; the lock makes the second one fail loudly.
 * The descriptor stays open (and locked) until exit.
 */
static int
lock_state_dir(const char *dir)
{
	char *path = xasprintf("%s/stafetad.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0) {
		log_warn("%s", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_warnx("%s: another stafetad is running on this state "
		    "directory", path);
		free(path);
		close(fd);
		return -1;
	}
	free(path);
	return fd;
}

static void
signal_stop_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon_timers *t = arg;

	UNUSED(ev);
	log_info("signal %d: stopping", (int)sig);
	gw_notify_stopping();
	event_base_loopbreak(t->gw->base);
}

/* SIGHUP: a complete new configuration, with every service's new state,
 * replaces the old one only if all of it loads cleanly, flows included:
 * the same steps as `stafetad -n`. */
static void
signal_hup_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon_timers *t = arg;
	struct gateway *gw = t->gw;
	struct gw_config *next, *old;
	struct gw_services *next_svc = NULL, *old_svc;
	const struct flow_action_set *sets;
	size_t n;
	char err[CONFIG_ERR_LEN];

	UNUSED(sig);
	UNUSED(ev);
	gw_notify_reloading();
	log_info("SIGHUP: reloading %s", gw->config_path);
	next = gw_config_load(gw->config_path, gw->state_override, err,
	    sizeof(err));
	if (next != NULL)
		next_svc = gw_services_new(next, 0, err, sizeof(err));
	if (next_svc != NULL) {
		sets = gw_services_actions(next_svc, &n);
		if (flow_engine_reload(gw->flows, next, sets, n, err,
		    sizeof(err)) != 0) {
			gw_services_free(next_svc);
			next_svc = NULL;
		}
	}
	if (next_svc == NULL) {
		log_warnx("reload refused, keeping the running configuration: "
		    "%s", err);
		config_free(next);
		gw_notify_ready();
		return;
	}
	old = gw->conf;
	old_svc = gw->services;
	gw->conf = next;
	gw->services = next_svc;
	log_set_level((enum log_level)next->log_level);
	if (old->http_listen == NULL || next->http_listen == NULL ||
	    strcmp(old->http_listen, next->http_listen) != 0)
		log_warnx("[http] listen changes take effect at restart");
	/* [http] limits and [metrics] listen are read when a listener
	 * starts; [http] allow/secret and [metrics] allow apply at once. */
	if (gw_modems_apply_config(gw->modems) != 0)
		log_warnx("reload: some modem workers could not be started");
	gw_services_free(old_svc);
	config_free(old);
	log_info("configuration reloaded");
	gw_notify_ready();
}

static void
housekeeping_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct daemon_timers *t = arg;
	struct gateway *gw = t->gw;
	int64_t now = clock_now_ms();
	int64_t busy0 = store_busy_count(gw->store);
	int expired = 0;

	UNUSED(fd);
	UNUSED(ev);
	if (gw_reasm_expire(gw, now) != 0)
		log_warnx("could not deliver timed-out concatenated messages");
	/* The gateway's own due work, then the flows', then each service's:
	 * every owner in a transaction of its own. */
	if (store_begin(gw->store) == 0) {
		int ok = store_outbox_expire(gw->store,
		    now - (int64_t)gw->conf->send_max_age_s * 1000,
		    &expired) == 0;
		/* The limiter's old counters go hourly (the retention purge
		 * takes dedup keys and the rest, daily). */
		if (ok && now - t->last_flood > 3600 * 1000) {
			ok = gw_flood_housekeeping(gw, now) == 0;
			t->last_flood = now;
		}
		if (ok)
			ok = gw_privacy_housekeeping(gw) == 0;
		if (!ok || store_commit(gw->store) != 0) {
			log_warnx("housekeeping failed: %s",
			    store_errmsg(gw->store));
			store_rollback(gw->store);
		} else if (expired > 0)
			log_warnx("%d queued message(s) expired unsent after "
			    "%d s", expired, gw->conf->send_max_age_s);
	}
	/* Another process holds the database's lock: the rest waits for the
	 * next tick too, rather than each part waiting for it in turn. */
	if (store_busy_count(gw->store) != busy0) {
		gw_modems_kick(gw->modems);
		return;
	}
	if (store_begin(gw->store) == 0) {
		if (flow_engine_tick(gw->flows, gw->store, now) != 0 ||
		    store_commit(gw->store) != 0) {
			log_warnx("flows: due re-prompts and expiries failed, "
			    "retried next time: %s", store_errmsg(gw->store));
			store_rollback(gw->store);
		}
	}
	(void)gw_services_tick(gw->services, gw->store, gw->conf, now);
	daily_purge(t, now);
	gw_modems_kick(gw->modems);
	gw_kannel_kick(gw->kannel);
}

/* Logs what the purge deleted: a class and a count, nothing personal. */
static void
purge_report_cb(void *arg, const char *cls, int64_t rows, int64_t before)
{
	UNUSED(arg);
	UNUSED(before);
	if (rows > 0)
		log_info("purge: %s: %lld row(s) past retention deleted", cls,
		    (long long)rows);
}

/* Once a day (and at start), the retention purge; a long one goes on in
 * bounded slices on the next housekeeping passes. */
static void
daily_purge(struct daemon_timers *t, int64_t now)
{
	struct gateway *gw = t->gw;

	if (!t->purge_more && t->last_purge != 0 &&
	    now - t->last_purge < PURGE_EVERY_MS)
		return;
	if (!t->purge_more)
		t->last_purge = now;
	if (gw_purge(gw->services, gw->store, gw->conf, now, 0,
	    PURGE_MAX_BATCHES, purge_report_cb, NULL, &t->purge_more) != 0) {
		t->purge_more = 0;
		log_warnx("purge: failed, retried tomorrow");
	}
}

/*
 * SIGUSR2, only under a test clock (clock.h): a test that has moved the
 * clock forward runs the due work (timeouts, expiries, schedules) now
 * instead of waiting up to HOUSEKEEPING_S for the tick, and waits for the
 * log line, which is written after the work is committed.
 */
static void
housekeeping_now_cb(evutil_socket_t fd, short ev, void *arg)
{
	housekeeping_cb(fd, ev, arg);
	log_info("housekeeping done (SIGUSR2)");
}

static void
watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	UNUSED(fd);
	UNUSED(ev);
	UNUSED(arg);
	gw_notify_watchdog();
}

int
main(int argc, char **argv)
{
	const char *config_path = CONFIG_DEFAULT_PATH, *state = NULL;
	int opt, check = 0, foreground = 0, debug = 0, lockfd, rc = 1;
	char err[CONFIG_ERR_LEN];
	struct gateway gw;
	struct daemon_timers t;
	uint64_t wd_usec = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "c:S:nfdh", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	log_init(LOG_LEVEL_INFO, "stafetad");
	if (check)
		return check_only(config_path, state);
	/* The database (and SQLite's -wal and -shm, which copy its mode)
	 * is no one else's business: 0640 at most, whoever started us. */
	umask(umask(0) | 027);

	memset(&gw, 0, sizeof(gw));
	memset(&t, 0, sizeof(t));
	gw.config_path = config_path;
	gw.state_override = state;
	gw.conf = gw_config_load(config_path, state, err, sizeof(err));
	if (gw.conf == NULL) {
		fprintf(stderr, "stafetad: %s\n", err);
		return 1;
	}
	log_set_level(debug ? LOG_LEVEL_DEBUG :
	    (enum log_level)gw.conf->log_level);
	if (mkdir_p(gw.conf->state_dir, 0750) != 0) {
		log_warn("state directory %s", gw.conf->state_dir);
		goto out_conf;
	}
	lockfd = lock_state_dir(gw.conf->state_dir);
	if (lockfd < 0)
		goto out_conf;
	if (!foreground && daemon(0, 1) != 0) {
		log_warn("daemon");
		goto out_conf;
	}
	signal(SIGPIPE, SIG_IGN);
	gw.store = gw_store_open(gw.conf->store_locator, err, sizeof(err));
	if (gw.store == NULL) {
		log_warnx("database %s: %s", gw.conf->database, err);
		goto out_conf;
	}
	/* Migrated (above, with the long wait: nothing runs yet); from now
	 * on the loop waits a few ms for another process's lock at most and
	 * retries the work later (gw_control.c, gw_modems.c, gw_http.c). */
	if (store_set_busy_timeout(gw.store, GW_STORE_BUSY_MS) != 0) {
		log_warnx("database %s: cannot set the busy timeout",
		    gw.conf->database);
		goto out_store;
	}
	if (gw_admin_init(&gw) != 0) {
		log_warnx("database %s: could not read the pause state",
		    gw.conf->database);
		goto out_store;
	}
	gw.services = gw_services_new(gw.conf, 0, err, sizeof(err));
	if (gw.services == NULL) {
		log_warnx("%s", err);
		goto out_store;
	}
	{
		const struct flow_action_set *sets;
		size_t n;

		sets = gw_services_actions(gw.services, &n);
		gw.flows = flow_engine_new(gw.conf, sets, n, err, sizeof(err));
	}
	if (gw.flows == NULL) {
		log_warnx("%s", err);
		goto out_services;
	}
	gw.base = event_base_new();
	if (gw.base == NULL) {
		log_warnx("event_base_new failed");
		goto out_flows;
	}
	t.gw = &gw;
	t.ev_term = evsignal_new(gw.base, SIGTERM, signal_stop_cb, &t);
	t.ev_int = evsignal_new(gw.base, SIGINT, signal_stop_cb, &t);
	t.ev_hup = evsignal_new(gw.base, SIGHUP, signal_hup_cb, &t);
	t.ev_house = event_new(gw.base, -1, EV_PERSIST, housekeeping_cb, &t);
	event_add(t.ev_term, NULL);
	event_add(t.ev_int, NULL);
	event_add(t.ev_hup, NULL);
	/* Production leaves SIGUSR2 at its default action. */
	if (clock_is_test()) {
		t.ev_usr2 = evsignal_new(gw.base, SIGUSR2, housekeeping_now_cb,
		    &t);
		event_add(t.ev_usr2, NULL);
	}
	{
		struct timeval tv = { HOUSEKEEPING_S, 0 };
		event_add(t.ev_house, &tv);
	}
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		struct timeval tv = { (time_t)(wd_usec / 2000000),
			(suseconds_t)(wd_usec / 2 % 1000000) };
		t.ev_wd = event_new(gw.base, -1, EV_PERSIST, watchdog_cb, &t);
		event_add(t.ev_wd, &tv);
	}
	gw.modems = gw_modems_new(&gw);
	gw.kannel = gw_kannel_new(&gw, err, sizeof(err)); /* [channel] */
	if (gw.kannel == NULL) {
		log_warnx("kannel: %s", err);
		goto out_loop;
	}
	if (gw.conf->http_listen != NULL) {
		gw.http = gw_http_new(&gw, err, sizeof(err));
		if (gw.http == NULL) {
			log_warnx("http: %s", err);
			goto out_loop;
		}
	}
	/* [metrics] listen: the Prometheus endpoint, off by default. */
	if (gw.conf->metrics_listen != NULL) {
		gw.metrics = gw_metrics_new(&gw, err, sizeof(err));
		if (gw.metrics == NULL) {
			log_warnx("metrics: %s", err);
			goto out_loop;
		}
	}
	/* [web] listen: the SPAS back office (HTTPS), off by default. */
	if (gw.conf->web_listen != NULL) {
		gw.web = gw_web_new(&gw, err, sizeof(err));
		if (gw.web == NULL) {
			log_warnx("web: %s", err);
			goto out_loop;
		}
	}
	gw.control = gw_control_new(&gw, err, sizeof(err));
	if (gw.control == NULL) {
		log_warnx("control socket: %s", err);
		goto out_loop;
	}
	log_info("started: state %s, %zu modem(s)%s%s", gw.conf->state_dir,
	    gw.conf->n_modems, gw.http != NULL ? ", http " : "",
	    gw.http != NULL ? gw.conf->http_listen : "");
	gw_notify_ready();
	if (event_base_dispatch(gw.base) != 0)
		log_warnx("event loop failed");
	else
		rc = 0;
	log_info("stopping");
out_loop:
	gw_web_free(gw.web);
	gw_metrics_free(gw.metrics);
	gw_control_free(gw.control);
	gw_http_free(gw.http);
	gw_kannel_free(gw.kannel);
	gw_modems_free(gw.modems);
	if (t.ev_wd != NULL)
		event_free(t.ev_wd);
	event_free(t.ev_house);
	if (t.ev_usr2 != NULL)
		event_free(t.ev_usr2);
	event_free(t.ev_hup);
	event_free(t.ev_int);
	event_free(t.ev_term);
	event_base_free(gw.base);
out_flows:
	flow_engine_free(gw.flows);
out_services:
	gw_services_free(gw.services);
out_store:
	store_close(gw.store);
out_conf:
	config_free(gw.conf);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
