/*
 * cli_simulate.c - `stafeta simulate`: talk to the flows as a phone would,
 * without a modem or an aggregator.
 *
 *   stafeta simulate NUMBER [--channel sms|ussd] [--db FILE]
 *                    [--transcript FILE] [--code CODE]
 *
 * The engine runs in this process.  Without --db it works on a scratch
 * copy of the configured database (a consistent snapshot, deleted at
 * exit), so nothing real is touched; with --db on that database.
 *
 * Three ways to drive it:
 *   - stdin is a terminal: a chat, "> " prompt, replies shown as "< ".
 *   - stdin is not a terminal (the CONTRACT used by scripts): one inbound
 *     text per line; each reply is printed on stdout followed by a
 *     newline (an empty line when there is no reply).
 *   - --transcript FILE: lines "> inbound", "< expected reply" (a reply
 *     may span several "< " lines), "~ 4h" (advance the clock and run the
 *     timers; scratch copy only), "@ sms" / "@ ussd" (switch channel),
 *     "# comment"; a "# channel: ussd" comment sets the channel when
 *     --channel is not given.  Prints a diff-like report and exits 1 on
 *     any mismatch.  See docs/flows.md.
 *
 * On USSD the simulator plays the aggregator: a line like "*123#" dials
 * (a new session); other lines are answers, joined with '*' into the text
 * field; replies are shown as CON/END.  Replies are printed, never queued;
 * messages that flows queue for this number (action messages, re-prompts
 * and expiry notices after "~") are shown after the reply.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "phone.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define SIM_LINE_MAX	    1600	/* bytes of one inbound text */
#define SIM_DEFAULT_CODE    "*123#"
#define SIM_OUTBOX_SCAN	    200		/* newest outbox rows looked at */

struct sim {
	struct cli_ctx *ctx;
	struct store *store;	  /* the database simulated on */
	struct flow_engine *eng;
	char phone[32];		  /* E.164 */
	enum flow_channel channel;
	int channel_given;	  /* --channel was on the command line */
	char *scratch;		  /* scratch copy path, or NULL (--db) */
	const char *code;	  /* USSD service code when not dialled */
	int64_t clock_offset;	  /* ms added by "~" lines */
	int64_t last_out_id;	  /* outbox rows already looked at */
	int ussd_active;	  /* an aggregator session is open */
	char ussd_id[64];
	char ussd_code[41];
	struct buf ussd_text;	  /* answers joined by '*' */
	unsigned ussd_counter;
};

/* Collects outbox rows newer than the last shown, for one number. */
struct sim_scan {
	struct sim *s;
	int64_t max_id;
	int64_t *ids;
	char **texts;
	size_t n;
};

enum sim_step_kind {
	SIM_STEP_INBOUND = 0,	/* "> text" */
	SIM_STEP_WAIT,		/* "~ 4h" */
	SIM_STEP_CHANNEL,	/* "@ sms" or "@ ussd" */
};

struct sim_step {
	int line;		/* of the "> ", "~ " or "@ " line */
	enum sim_step_kind kind;
	char *text;		/* inbound text or the duration */
	struct buf expected;	/* "< " lines joined by "\n" */
};

static volatile sig_atomic_t sim_stop;

static int sim_usage(void);
static void sim_signal(int);
static int64_t sim_now(const struct sim *);
static int sim_scan_cb(const struct store_outbound *, void *);
static int sim_extras(struct sim *, struct buf *);
static int sim_inbound(struct sim *, const char *, struct buf *);
static int sim_sms(struct sim *, const char *, struct buf *);
static int sim_ussd(struct sim *, const char *, struct buf *);
static int sim_wait(struct sim *, const char *, struct buf *);
static int sim_channel(struct sim *, const char *);
static int parse_wait(const char *, int64_t *);
static int sim_open(struct sim *, const char *);
static void sim_close(struct sim *);
static int sim_chat(struct sim *, int);
static int sim_transcript(struct sim *, const char *);
static void chomp(char *);
static void print_prefixed(const char *, const char *);
static int is_dial(const char *);

void
cli_simulate_usage(FILE *f)
{
	fprintf(f, "usage: stafeta simulate NUMBER [--channel sms|ussd] "
	    "[--db FILE] [--transcript FILE] [--code CODE]\n");
}

static int
sim_usage(void)
{
	cli_simulate_usage(stderr);
	return 2;
}

static void
sim_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

static int64_t
sim_now(const struct sim *s)
{
	return clock_now_ms() + s->clock_offset;
}

static void
chomp(char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
}

static int
is_dial(const char *line)
{
	size_t n = strlen(line);

	return n >= 2 && line[0] == '*' && line[n - 1] == '#' &&
	    strspn(line, "*#0123456789") == n;
}

static int
sim_scan_cb(const struct store_outbound *o, void *arg)
{
	struct sim_scan *sc = arg;

	if (o->id > sc->max_id)
		sc->max_id = o->id;
	if (o->id <= sc->s->last_out_id || o->recipient == NULL ||
	    strcmp(o->recipient, sc->s->phone) != 0)
		return 0;
	sc->ids = xrealloc(sc->ids, (sc->n + 1) * sizeof(*sc->ids));
	sc->texts = xrealloc(sc->texts, (sc->n + 1) * sizeof(*sc->texts));
	sc->ids[sc->n] = o->id;
	sc->texts[sc->n++] = xstrdup(o->text != NULL ? o->text : "");
	return 0;
}

/* Appends messages queued for this number since the last look. */
static int
sim_extras(struct sim *s, struct buf *out)
{
	struct sim_scan sc;
	size_t i;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.max_id = s->last_out_id;
	if (store_outbox_list(s->store, SIM_OUTBOX_SCAN, sim_scan_cb,
	    &sc) != 0)
		rc = -1;
	/* The list is newest first; show them in the order queued. */
	for (i = sc.n; i-- > 0;) {
		if (out->len > 0)
			rc |= buf_add(out, "\n", 1);
		rc |= buf_addstr(out, sc.texts[i]);
		free(sc.texts[i]);
	}
	free(sc.texts);
	free(sc.ids);
	s->last_out_id = sc.max_id;
	return rc != 0 ? -1 : 0;
}

static int
sim_sms(struct sim *s, const char *line, struct buf *out)
{
	struct flow_reply reply;

	if (store_begin(s->store) != 0)
		return -1;
	if (flow_engine_inbound(s->eng, s->store, FLOW_CHANNEL_SMS, s->phone,
	    line, sim_now(s), &reply) != 0 || store_commit(s->store) != 0) {
		store_rollback(s->store);
		return -1;
	}
	if (reply.text != NULL && buf_addstr(out, reply.text) != 0) {
		flow_reply_clear(&reply);
		return -1;
	}
	flow_reply_clear(&reply);
	return 0;
}

static int
sim_ussd(struct sim *s, const char *line, struct buf *out)
{
	struct flow_ussd_request *req;
	struct flow_reply reply;
	int rc = -1;

	if (is_dial(line) || !s->ussd_active) {
		/* A new aggregator session. */
		s->ussd_active = 1;
		snprintf(s->ussd_id, sizeof(s->ussd_id), "sim-%ld-%u",
		    (long)getpid(), ++s->ussd_counter);
		strlcpy_s(s->ussd_code, is_dial(line) ? line : s->code,
		    sizeof(s->ussd_code));
		buf_reset(&s->ussd_text);
		if (!is_dial(line) && buf_addstr(&s->ussd_text, line) != 0)
			return -1;
	} else if ((s->ussd_text.len > 0 &&
	    buf_add(&s->ussd_text, "*", 1) != 0) ||
	    buf_addstr(&s->ussd_text, line) != 0)
		return -1;
	req = xcalloc(1, sizeof(*req));
	strlcpy_s(req->session_id, s->ussd_id, sizeof(req->session_id));
	strlcpy_s(req->service_code, s->ussd_code, sizeof(req->service_code));
	strlcpy_s(req->phone, s->phone, sizeof(req->phone));
	if (strlcpy_s(req->text, s->ussd_text.data != NULL ?
	    s->ussd_text.data : "", sizeof(req->text)) >= sizeof(req->text))
		goto done;
	if (store_begin(s->store) != 0)
		goto done;
	if (flow_engine_ussd(s->eng, s->store, req, sim_now(s), &reply) != 0 ||
	    store_commit(s->store) != 0) {
		store_rollback(s->store);
		goto done;
	}
	if (reply.end)
		s->ussd_active = 0;
	rc = buf_addstr(out, reply.text != NULL ? reply.text : "END");
	flow_reply_clear(&reply);
done:
	free(req);
	return rc;
}

static int
sim_inbound(struct sim *s, const char *line, struct buf *out)
{
	int rc;

	if (strlen(line) > SIM_LINE_MAX) {
		fprintf(stderr, "stafeta: inbound text longer than %d bytes\n",
		    SIM_LINE_MAX);
		return -1;
	}
	if (s->channel == FLOW_CHANNEL_USSD)
		rc = sim_ussd(s, line, out);
	else
		rc = sim_sms(s, line, out);
	if (rc == 0)
		rc = sim_extras(s, out);
	return rc;
}

/* "90s", "30m", "4h", "2d"; 0 or -1. */
static int
parse_wait(const char *v, int64_t *ms)
{
	char num[16];
	size_t n = strspn(v, "0123456789");
	int64_t x, mult;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_int64(num, 0, 1000000, &x) != 0)
		return -1;
	switch (v[n]) {
	case 's':
		mult = 1000;
		break;
	case 'm':
		mult = 60 * 1000;
		break;
	case 'h':
		mult = 3600 * 1000;
		break;
	case 'd':
		mult = 86400 * 1000;
		break;
	default:
		return -1;
	}
	if (v[n + 1] != '\0')
		return -1;
	*ms = x * mult;
	return 0;
}

/* "~ 4h": moves the clock and runs the timers as the daemon would. */
static int
sim_wait(struct sim *s, const char *arg, struct buf *out)
{
	int64_t ms;

	while (*arg == ' ')
		arg++;
	if (parse_wait(arg, &ms) != 0) {
		fprintf(stderr, "stafeta: \"~ %s\": write e.g. ~ 90s, ~ 4h, "
		    "~ 2d\n", arg);
		return -1;
	}
	if (s->scratch == NULL) {
		fprintf(stderr, "stafeta: \"~\" runs every timer of the "
		    "database; it is refused with --db\n");
		return -1;
	}
	s->clock_offset += ms;
	if (store_begin(s->store) != 0)
		return -1;
	if (flow_engine_tick(s->eng, s->store, sim_now(s)) != 0 ||
	    store_commit(s->store) != 0) {
		store_rollback(s->store);
		return -1;
	}
	/* A USSD session the timers ended is closed for the aggregator. */
	s->ussd_active = 0;
	return sim_extras(s, out);
}

/* "@ sms" / "@ ussd": the same number on the other channel. */
static int
sim_channel(struct sim *s, const char *arg)
{
	if (strcmp(arg, "sms") == 0)
		s->channel = FLOW_CHANNEL_SMS;
	else if (strcmp(arg, "ussd") == 0)
		s->channel = FLOW_CHANNEL_USSD;
	else {
		fprintf(stderr, "stafeta: \"@ %s\": write @ sms or @ ussd\n",
		    arg);
		return -1;
	}
	s->ussd_active = 0;
	return 0;
}

static void
print_prefixed(const char *prefix, const char *text)
{
	const char *nl;

	if (text == NULL || text[0] == '\0')
		return;
	for (;;) {
		nl = strchr(text, '\n');
		if (nl == NULL) {
			printf("%s%s\n", prefix, text);
			return;
		}
		printf("%s%.*s\n", prefix, (int)(nl - text), text);
		text = nl + 1;
	}
}

static int
sim_chat(struct sim *s, int interactive)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct buf out;
	int rc = 0;

	buf_init(&out, 0);
	if (interactive)
		printf("Simulating %s on %s (%s). Ctrl-D ends.%s\n", s->phone,
		    s->channel == FLOW_CHANNEL_USSD ? "USSD" : "SMS",
		    s->scratch != NULL ? "scratch copy of the database" :
		    "the --db database", s->channel == FLOW_CHANNEL_USSD ?
		    " Dial a code such as *123# first." : "");
	while (!sim_stop) {
		if (interactive) {
			printf("> ");
			fflush(stdout);
		}
		errno = 0;
		n = getline(&line, &cap, stdin);
		if (n < 0)
			break;
		chomp(line);
		buf_reset(&out);
		if (line[0] == '~')
			rc = sim_wait(s, line + 1, &out);
		else if (line[0] == '@')
			rc = sim_channel(s, line[1] == ' ' ? line + 2 :
			    line + 1);
		else
			rc = sim_inbound(s, line, &out);
		if (rc != 0) {
			fprintf(stderr, "stafeta: the engine failed on this "
			    "message (see the log above)\n");
			if (!interactive)
				break;
			rc = 0;
			continue;
		}
		if (interactive)
			print_prefixed("< ", out.data);
		else
			printf("%s\n", out.data != NULL ? out.data : "");
		fflush(stdout);
	}
	if (interactive)
		printf("\n");
	free(line);
	buf_free(&out);
	return rc != 0 ? 1 : 0;
}

static void
steps_free(struct sim_step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(steps[i].text);
		buf_free(&steps[i].expected);
	}
	free(steps);
}

static int
sim_transcript(struct sim *s, const char *path)
{
	FILE *f;
	struct sim_step *steps = NULL, *st;
	size_t n = 0, i, cap = 0;
	char *line = NULL;
	int lineno = 0, failures = 0, rc;
	char mark;
	struct buf got;
	const char *exp, *act;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "stafeta: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		chomp(line);
		if (strncmp(line, "# channel: ", 11) == 0 && n == 0 &&
		    !s->channel_given)
			s->channel = strcmp(line + 11, "ussd") == 0 ?
			    FLOW_CHANNEL_USSD : FLOW_CHANNEL_SMS;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (line[0] == '>' || line[0] == '~' || line[0] == '@') {
			steps = xrealloc(steps, (n + 1) * sizeof(*steps));
			st = &steps[n++];
			memset(st, 0, sizeof(*st));
			st->line = lineno;
			st->kind = line[0] == '>' ? SIM_STEP_INBOUND :
			    line[0] == '~' ? SIM_STEP_WAIT : SIM_STEP_CHANNEL;
			st->text = xstrdup(line[1] == ' ' ? line + 2 :
			    line + 1);
			buf_init(&st->expected, 0);
			continue;
		}
		if (line[0] != '<' || n == 0) {
			fprintf(stderr, "%s:%d: expected \"> inbound\", \"< "
			    "reply\", \"~ 4h\", \"@ sms\" or \"# comment\"\n",
			    path, lineno);
			free(line);
			fclose(f);
			steps_free(steps, n);
			return 1;
		}
		st = &steps[n - 1];
		if ((st->expected.data != NULL &&
		    buf_add(&st->expected, "\n", 1) != 0) ||
		    buf_addstr(&st->expected, line[1] == ' ' ? line + 2 :
		    line + 1) != 0)
			fatalx("transcript: out of memory");
	}
	free(line);
	fclose(f);
	printf("transcript %s (%s, %s)\n", path,
	    s->channel == FLOW_CHANNEL_USSD ? "ussd" : "sms", s->phone);
	buf_init(&got, 0);
	for (i = 0; i < n; i++) {
		st = &steps[i];
		buf_reset(&got);
		switch (st->kind) {
		case SIM_STEP_WAIT:
			rc = sim_wait(s, st->text, &got);
			break;
		case SIM_STEP_CHANNEL:
			rc = sim_channel(s, st->text);
			break;
		case SIM_STEP_INBOUND:
		default:
			rc = sim_inbound(s, st->text, &got);
			break;
		}
		exp = st->expected.data != NULL ? st->expected.data : "";
		act = got.data != NULL ? got.data : "";
		mark = st->kind == SIM_STEP_WAIT ? '~' :
		    st->kind == SIM_STEP_CHANNEL ? '@' : '>';
		if (rc == 0 && strcmp(exp, act) == 0) {
			printf("  ok   %4d  %c %s\n", st->line, mark, st->text);
			continue;
		}
		failures++;
		printf("  FAIL %4d  %c %s\n", st->line, mark, st->text);
		if (rc != 0)
			printf("    (the engine failed)\n");
		print_prefixed("    - ", exp[0] != '\0' ? exp : "(no reply)");
		print_prefixed("    + ", act[0] != '\0' ? act : "(no reply)");
	}
	printf("%zu step(s), %d failure(s)\n", n, failures);
	buf_free(&got);
	steps_free(steps, n);
	return failures > 0 ? 1 : 0;
}

/* Opens the database to simulate on: db, or a scratch copy. */
static int
sim_open(struct sim *s, const char *db)
{
	char err[512], tmpl[] = "/tmp/stafeta-sim-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	int fd;

	if (db != NULL) {
		s->store = gw_store_open(db, err, sizeof(err));
		if (s->store == NULL) {
			fprintf(stderr, "stafeta: %s\n", err);
			return -1;
		}
		return 0;
	}
	/* The copy is an SQLite file snapshot (VACUUM INTO): a shared
	 * PostgreSQL store is not copied onto the operator's machine. */
	if (store_locator_is_pg(s->ctx->conf->store_locator)) {
		fprintf(stderr, "stafeta: simulate: the store is PostgreSQL "
		    "and is not copied; try the flow on a scratch SQLite "
		    "database: --db FILE (created if missing)\n");
		return -1;
	}
	if (tmpdir != NULL && tmpdir[0] != '\0')
		s->scratch = xasprintf("%s/stafeta-sim-XXXXXX", tmpdir);
	else
		s->scratch = xstrdup(tmpl);
	fd = mkstemp(s->scratch);
	if (fd < 0) {
		fprintf(stderr, "stafeta: scratch copy: %s\n",
		    strerror(errno));
		free(s->scratch);
		s->scratch = NULL;
		return -1;
	}
	close(fd);
	if (store_session_snapshot(s->ctx->store, s->scratch) != 0) {
		fprintf(stderr, "stafeta: cannot copy %s: %s\n",
		    s->ctx->conf->database, store_errmsg(s->ctx->store));
		return -1;
	}
	s->store = gw_store_open(s->scratch, err, sizeof(err));
	if (s->store == NULL) {
		fprintf(stderr, "stafeta: %s\n", err);
		return -1;
	}
	return 0;
}

static void
sim_close(struct sim *s)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	size_t i;
	char *p;

	store_close(s->store);
	s->store = NULL;
	if (s->scratch != NULL) {
		for (i = 0; i < NELEM(sfx); i++) {
			p = xasprintf("%s%s", s->scratch, sfx[i]);
			(void)unlink(p);
			free(p);
		}
		free(s->scratch);
		s->scratch = NULL;
	}
	flow_engine_free(s->eng);
	s->eng = NULL;
	buf_free(&s->ussd_text);
}

int
cli_simulate_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sim s;
	struct sigaction sa;
	struct buf ignore;
	const char *db = NULL, *transcript = NULL, *channel = NULL;
	int i, rc;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.code = SIM_DEFAULT_CODE;
	buf_init(&s.ussd_text, FLOW_USSD_BODY_MAX - 1);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--channel") == 0 && i + 1 < argc)
			channel = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--transcript") == 0 && i + 1 < argc)
			transcript = argv[++i];
		else if (strcmp(argv[i], "--code") == 0 && i + 1 < argc)
			s.code = argv[++i];
		else if (argv[i][0] == '-' || s.phone[0] != '\0')
			return sim_usage();
		else if (phone_normalize(argv[i], "40", s.phone,
		    sizeof(s.phone)) != 0) {
			fprintf(stderr, "stafeta: %s: not a phone number\n",
			    argv[i]);
			return 2;
		}
	}
	if (s.phone[0] == '\0')
		return sim_usage();
	s.channel_given = channel != NULL;
	if (channel == NULL || strcmp(channel, "sms") == 0)
		s.channel = FLOW_CHANNEL_SMS;
	else if (strcmp(channel, "ussd") == 0)
		s.channel = FLOW_CHANNEL_USSD;
	else
		return sim_usage();
	if (!is_dial(s.code)) {
		fprintf(stderr, "stafeta: --code %s: not a USSD code\n",
		    s.code);
		return 2;
	}
	s.eng = cli_flow_engine(ctx);
	if (s.eng == NULL)
		return 1;
	if (sim_open(&s, db) != 0) {
		sim_close(&s);
		return 1;
	}
	/* Only what this session queues is shown. */
	buf_init(&ignore, 0);
	if (sim_extras(&s, &ignore) != 0)
		log_warnx("simulate: cannot read the outbox");
	buf_free(&ignore);
	/* No SA_RESTART: Ctrl-C interrupts getline and cleans up. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sim_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (transcript != NULL)
		rc = sim_transcript(&s, transcript);
	else
		rc = sim_chat(&s, isatty(STDIN_FILENO));
	sim_close(&s);
	return rc;
}
