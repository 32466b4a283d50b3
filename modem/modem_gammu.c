/*
 * modem_gammu.c - the only file that talks to libgammu.
 *
 * It wraps one GSM_StateMachine for the worker process: connect with a
 * configuration built from struct modem_conf (no gammurc), read the inbox
 * one location at a time and turn every physical part into a struct
 * modem_part, delete, send, dial USSD and take health snapshots.
 *
 * libgammu 1.42 pitfalls handled here (see gammu-notes.md):
 *  - GSM_InitConnection resets every callback, and the dummy driver
 *    crashes without a send-status callback, so callbacks are installed
 *    after each successful connect;
 *  - GSM_LinkSMS mixes senders, so parts are never linked here: the
 *    gateway reassembles them;
 *  - GSM_EncodeMultiPartSMS derives the concatenation reference from the
 *    clock, so we overwrite it with the gateway's;
 *  - DecodeUnicode/EncodeUnicode depend on the locale and
 *    DecodeUnicodeString uses a static buffer, so all text conversion
 *    goes through gsm_text.c.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>
/* gammu-misc.h defines UNUSED as an attribute; ours is a statement. */
#undef UNUSED

#include "clock.h"
#include "config.h"
#include "gsm_text.h"
#include "log.h"
#include "modem.h"
#include "modem_int.h"
#include "util.h"

#define MG_PUSHED_MAX 32 /* pushed messages kept between two takes */
/* Locations of reports in "SR" memory are handed out as MG_SR_BASE +
 * index (above any flat location of libgammu's SM/ME numbering), so the
 * gateway's delete finds them there again. */
#define MG_SR_BASE 1000000
#define MG_IND_MAX 32	 /* +CMTI locations kept between two reads */
#define MG_PROBE_WAIT_MS 4000 /* a probe unanswered this long: hung */
#define MG_CONNECT_WAIT_MS 20000 /* connect (handshake, ~40 commands) */
#define MG_OP_WAIT_MS 8000	 /* read, delete: a few commands */
#define MG_STATUS_WAIT_MS 10000 /* status: about ten commands */

struct mg {
	const struct modem_conf *conf; /* borrowed; outlives the worker */
	GSM_StateMachine *s;	       /* NULL when not connected */
	GSM_MultiSMSMessage *cur;      /* inbox iteration cursor (~1 MB) */
	int pin_rejected;	       /* never retry a rejected PIN */
	GSM_SMSC smsc;		       /* cached per connection */
	int have_smsc;		       /* smsc is valid */
	char imei[GSM_MAX_IMEI_LENGTH + 1]; /* "" if unknown */
	int send_done;		       /* send-status callback fired */
	int send_status;	       /* its status, 0 = accepted */
	int send_mr;		       /* its TP-MR */
	int ussd_done;		       /* USSD callback fired */
	GSM_USSDMessage ussd;	       /* its answer */
	int incoming;		       /* a new message was indicated */
	int announces;		       /* AT+CNMI accepted: +CMTI comes */
	struct modem_part pushed[MG_PUSHED_MAX]; /* +CDS/+CMT, in order */
	int n_pushed;		       /* entries in pushed[] */
	int ind_folder[MG_IND_MAX];    /* +CMTI: folder (1 SIM, 3 phone) */
	int ind_loc[MG_IND_MAX];       /* +CMTI: index in that memory */
	int ind_sr[MG_IND_MAX];	       /* +CDSI: a report in "SR" memory */
	int n_ind;		       /* entries in ind_*[] */
	int is_dummy;		       /* model "dummy": inbox is folders */
	int have_mark;		       /* mark[] is trustworthy */
	struct timespec mark[2];       /* sms/1 and sms/3 mtimes at mark */
	int64_t failed_at;	       /* location of the last failed read */
	int failed_folder;	       /* its folder, 0 unknown */
};

#define MG_DUMMY_MAX_SMS 10000 /* dummy: location = folder * this + n */

static int mg_rc(GSM_Error);
static void mg_alarm_cb(int);
static void mg_deadline(struct mg *, int64_t);
static int mg_inbox_mtimes(const struct mg *, struct timespec *);
static void mg_errtext(char *, size_t, const char *, GSM_Error);
static void mg_on_send(GSM_StateMachine *, int, int, void *);
static void mg_on_ussd(GSM_StateMachine *, GSM_USSDMessage *, void *);
static void mg_on_sms(GSM_StateMachine *, GSM_SMSMessage *, void *);
static int mg_enter_pin(struct mg *, char *, size_t);
static size_t mg_units(const unsigned char *, size_t, uint16_t *);
static char *mg_utf8(const unsigned char *, size_t);
static char *mg_hex(const unsigned char *, size_t);
static int64_t mg_unix_time(const GSM_DateTime *);
static void mg_make_part(const GSM_SMSMessage *, struct modem_part *);
static int mg_put_ucs2(const char *, unsigned char *, size_t);
static int mg_valid_number(const char *);
static uint64_t mg_fnv(uint64_t, const void *, size_t);
static uint64_t mg_fnv_field(uint64_t, const void *, size_t);
static uint64_t mg_fnv_int(uint64_t, int64_t);
static void mg_result(struct modem_send_result *, int, int, const char *,
    ...) __attribute__((format(printf, 4, 5)));

struct mg *
mg_new(const struct modem_conf *conf)
{
	struct mg *g = xcalloc(1, sizeof(*g));

	g->conf = conf;
	g->cur = xcalloc(1, sizeof(*g->cur));
	g->is_dummy = conf->model != NULL && strcmp(conf->model, "dummy") == 0;
	return g;
}

void
mg_free(struct mg *g)
{
	if (g == NULL)
		return;
	mg_disconnect(g);
	while (g->n_pushed > 0)
		modem_part_clear(&g->pushed[--g->n_pushed]);
	free(g->cur);
	free(g);
}

/*
 * Our own deadline on a libgammu call that talks to the modem.
 * libgammu 1.42's AT driver waits about 18 s for a reply that does not
 * come, then tries to reset the modem (AT+CFUN=1,1, AT^SRESET) with the
 * same wait, and nothing interrupts it: GSM_AbortOperation is not
 * checked by that wait, and a closed descriptor only makes it wait on
 * (both tried).  So a hung modem would hold the worker until the
 * gateway's watchdog.  Instead, when the deadline passes, SIGALRM ends
 * the worker process at once (exit code MODEM_WORKER_HUNG); the gateway
 * restarts it with backoff, and a send in flight goes back to the queue
 * as after any worker crash.  The worker is a process of its own and
 * uses no other timer.  ms <= 0 disarms.
 */
static char mg_alarm_msg[160];
static size_t mg_alarm_len;

static void
mg_alarm_cb(int sig)
{
	UNUSED(sig);
	(void)!write(2, mg_alarm_msg, mg_alarm_len);
	_exit(MODEM_WORKER_HUNG);
}

static void
mg_deadline(struct mg *g, int64_t ms)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&it, 0, sizeof(it));
	if (ms <= 0) {
		(void)setitimer(ITIMER_REAL, &it, NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mg_alarm_cb;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, NULL);
	snprintf(mg_alarm_msg, sizeof(mg_alarm_msg), "modem %s: no answer "
	    "from the modem within %lld ms; worker exits (hung modem)\n",
	    g->conf->name, (long long)ms);
	mg_alarm_len = strlen(mg_alarm_msg);
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/* Errors that mean the modem is gone rather than one call failing. */
static int
mg_rc(GSM_Error e)
{
	switch (e) {
	case ERR_NONE:
		return MG_OK;
	case ERR_EMPTY:
		return MG_EMPTY;
	case ERR_DEVICENOTEXIST:
	case ERR_DEVICEOPENERROR:
	case ERR_DEVICEREADERROR:
	case ERR_DEVICEWRITEERROR:
	case ERR_TIMEOUT:
	case ERR_NOTCONNECTED:
		return MG_LOST;
	default:
		return MG_ERROR;
	}
}

static void
mg_errtext(char *err, size_t errlen, const char *what, GSM_Error e)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, GSM_ErrorString(e));
}

static void
mg_on_send(GSM_StateMachine *s, int status, int mr, void *ud)
{
	struct mg *g = ud;

	UNUSED(s);
	g->send_done = 1;
	g->send_status = status;
	g->send_mr = mr;
}

static void
mg_on_ussd(GSM_StateMachine *s, GSM_USSDMessage *ussd, void *ud)
{
	struct mg *g = ud;

	UNUSED(s);
	g->ussd = *ussd;
	g->ussd_done = 1;
}

/*
 * +CMTI and friends (only a location is known): note it, the worker runs
 * an inbox pass.  A message pushed whole (+CDS status report, +CMT) is
 * stored nowhere on the modem, so it is kept here until the worker takes
 * it; if MG_PUSHED_MAX are already waiting it is dropped with a warning.
 */
static void
mg_on_sms(GSM_StateMachine *s, GSM_SMSMessage *sms, void *ud)
{
	struct mg *g = ud;

	UNUSED(s);
	if (sms->PDU == SMS_Status_Report && sms->Memory == MEM_SR) {
		/* +CDSI: a delivery report stored in the modem's "SR"
		 * memory.  Only this announcement says where; a full pass
		 * lists SM and ME, not SR. */
		if (sms->Location > 0 && g->n_ind < MG_IND_MAX) {
			g->ind_folder[g->n_ind] = sms->Folder;
			g->ind_loc[g->n_ind] = sms->Location;
			g->ind_sr[g->n_ind] = 1;
			g->n_ind++;
		} else
			log_warnx("modem %s: delivery report in SR memory "
			    "not read (location %d)", g->conf->name,
			    sms->Location);
		return;
	}
	if (sms->PDU != SMS_Status_Report && sms->PDU != SMS_Deliver) {
		/* Stored on the modem (+CMTI): read that location at once;
		 * more than we can remember, or no location: a full pass. */
		if (sms->Location > 0 && g->n_ind < MG_IND_MAX) {
			g->ind_folder[g->n_ind] = sms->Folder;
			g->ind_loc[g->n_ind] = sms->Location;
			g->ind_sr[g->n_ind] = 0;
			g->n_ind++;
		} else
			g->incoming = 1;
		return;
	}
	if (g->n_pushed >= MG_PUSHED_MAX) {
		log_warnx("modem %s: too many pushed messages waiting; one "
		    "dropped", g->conf->name);
		return;
	}
	mg_make_part(sms, &g->pushed[g->n_pushed]);
	g->pushed[g->n_pushed].location = 0;
	g->n_pushed++;
}

int
mg_take_pushed(struct mg *g, struct modem_part *part)
{
	if (g->n_pushed == 0)
		return 0;
	*part = g->pushed[0];
	memmove(&g->pushed[0], &g->pushed[1],
	    (size_t)(g->n_pushed - 1) * sizeof(g->pushed[0]));
	g->n_pushed--;
	return 1;
}

int
mg_announces(const struct mg *g)
{
	return g->s != NULL && g->announces;
}

int
mg_device_gone(const struct mg *g)
{
	struct stat sb;
	const char *dev = g->conf->device;

	if (dev == NULL || dev[0] != '/')
		return 0;
	/* proxyat and friends: the device is a command line. */
	if (g->conf->connection != NULL &&
	    strncmp(g->conf->connection, "proxy", 5) == 0)
		return 0;
	return stat(dev, &sb) == -1 && errno == ENOENT;
}

int
mg_is_connected(const struct mg *g)
{
	return g->s != NULL;
}

static int
mg_enter_pin(struct mg *g, char *err, size_t errlen)
{
	GSM_SecurityCodeType st;
	GSM_SecurityCode code;
	GSM_Error e;

	e = GSM_GetSecurityStatus(g->s, &st);
	if (e == ERR_NOTSUPPORTED || e == ERR_NOTIMPLEMENTED)
		return MG_OK;
	if (e != ERR_NONE) {
		mg_errtext(err, errlen, "security status", e);
		return mg_rc(e) == MG_LOST ? MG_LOST : MG_ERROR;
	}
	if (st == SEC_None)
		return MG_OK;
	if (st != SEC_Pin) {
		snprintf(err, errlen, "SIM asks for a code other than the PIN "
		    "(type %d); it needs an operator", (int)st);
		return MG_ERROR;
	}
	if (g->conf->sim_pin == NULL || g->conf->sim_pin[0] == '\0') {
		snprintf(err, errlen, "SIM asks for a PIN and sim_pin is not "
		    "configured");
		return MG_ERROR;
	}
	/* A wrong PIN tried three times locks the SIM: one attempt only. */
	if (g->pin_rejected) {
		snprintf(err, errlen, "SIM PIN was rejected; not retrying "
		    "(fix sim_pin and restart)");
		return MG_ERROR;
	}
	memset(&code, 0, sizeof(code));
	code.Type = SEC_Pin;
	if (strlen(g->conf->sim_pin) >= sizeof(code.Code)) {
		g->pin_rejected = 1;
		snprintf(err, errlen, "sim_pin is too long");
		return MG_ERROR;
	}
	strlcpy_s(code.Code, g->conf->sim_pin, sizeof(code.Code));
	e = GSM_EnterSecurityCode(g->s, &code);
	memset(&code, 0, sizeof(code));
	if (e != ERR_NONE) {
		if (e == ERR_SECURITYERROR || e == ERR_UNKNOWN)
			g->pin_rejected = 1;
		mg_errtext(err, errlen, "entering SIM PIN", e);
		return MG_ERROR;
	}
	log_info("modem %s: SIM PIN accepted", g->conf->name);
	return MG_OK;
}

int
mg_connect(struct mg *g, char *err, size_t errlen)
{
	GSM_Config *c;
	GSM_Error e;
	int rc;

	err[0] = '\0';
	mg_disconnect(g);
	/* libgammu's dummy driver would recreate a removed folder, and a
	 * modem whose folder is gone must stay down. */
	if (mg_device_gone(g)) {
		snprintf(err, errlen, "device %s does not exist",
		    g->conf->device);
		return MG_LOST;
	}
	g->s = GSM_AllocStateMachine();
	if (g->s == NULL)
		fatalx("modem %s: GSM_AllocStateMachine failed", g->conf->name);
	c = GSM_GetConfig(g->s, 0);
	/* Defaults for every field (returns "using default values"). */
	(void)GSM_ReadConfig(NULL, c, 0);
	free(c->Device);
	c->Device = xstrdup(g->conf->device);
	free(c->Connection);
	c->Connection = xstrdup(g->conf->connection != NULL ?
	    g->conf->connection : "at");
	strlcpy_s(c->Model, g->conf->model != NULL ? g->conf->model : "",
	    sizeof(c->Model));
	c->UseGlobalDebugFile = FALSE;
	GSM_SetConfigNum(g->s, 1);

	/* A modem that answers nothing fails the connect in seconds, not
	 * after libgammu's waits and reset attempts (mg_deadline). */
	mg_deadline(g, MG_CONNECT_WAIT_MS);
	e = GSM_InitConnection(g->s, 1);
	mg_deadline(g, 0);
	if (e != ERR_NONE) {
		mg_errtext(err, errlen, "connect", e);
		/* A port that will not open: ModemManager opens modem ports
		 * exclusively (docs/modems.md). */
		if ((e == ERR_DEVICEBUSY || e == ERR_DEVICELOCKED ||
		    e == ERR_DEVICEOPENERROR) && modem_mm_running(NULL)) {
			size_t o = strlen(err);

			/* The worker logs err and the gateway records it as
			 * the modem's last error (stafeta status). */
			snprintf(err + o, errlen - o, " (%s)", MODEM_MM_HINT);
		}
		GSM_FreeStateMachine(g->s);
		g->s = NULL;
		return mg_rc(e) == MG_LOST ? MG_LOST : MG_ERROR;
	}
	/* InitConnection cleared these; the dummy crashes without the
	 * send-status one. */
	GSM_SetSendSMSStatusCallback(g->s, mg_on_send, g);
	GSM_SetIncomingUSSDCallback(g->s, mg_on_ussd, g);
	GSM_SetIncomingSMSCallback(g->s, mg_on_sms, g);

	rc = mg_enter_pin(g, err, errlen);
	if (rc != MG_OK) {
		mg_disconnect(g);
		return rc;
	}
	e = GSM_SetIncomingSMS(g->s, TRUE);
	/* The dummy accepts this but never announces anything. */
	g->announces = e == ERR_NONE && !g->is_dummy;
	if (e != ERR_NONE)
		log_debug("modem %s: no new-message indications (%s); "
		    "polling only", g->conf->name, GSM_ErrorString(e));
	g->imei[0] = '\0';
	e = GSM_GetIMEI(g->s, g->imei);
	if (e != ERR_NONE)
		g->imei[0] = '\0';
	g->imei[sizeof(g->imei) - 1] = '\0';
	g->have_smsc = 0;
	g->incoming = 0;
	g->n_ind = 0;
	g->have_mark = 0;
	return MG_OK;
}

void
mg_disconnect(struct mg *g)
{
	if (g->s == NULL)
		return;
	if (GSM_IsConnected(g->s)) {
		mg_deadline(g, MG_PROBE_WAIT_MS);
		(void)GSM_TerminateConnection(g->s);
		mg_deadline(g, 0);
	}
	GSM_FreeStateMachine(g->s);
	g->s = NULL;
	g->have_smsc = 0;
}

/*
 * The dummy driver has no new-message indication, and its empty pass
 * probes 5 x 10000 paths (~70 ms).  Any file added to or removed from an
 * inbox folder changes the folder's mtime, so a pass is only needed when
 * an mtime moved since the last pass began.  Timestamps are coarse (a few
 * ms), so a folder modified within the last 50 ms is never called quiet.
 */
static int
mg_inbox_mtimes(const struct mg *g, struct timespec *mt)
{
	static const int folders[2] = { 1, 3 };
	char path[4096];
	struct stat sb;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/sms/%d", g->conf->device,
		    folders[i]);
		if (stat(path, &sb) == -1)
			return -1;
		mt[i] = sb.st_mtim;
	}
	return 0;
}

void
mg_inbox_mark(struct mg *g)
{
	struct timespec now;
	int64_t age;

	g->have_mark = 0;
	if (!g->is_dummy || mg_inbox_mtimes(g, g->mark) == -1)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	for (int i = 0; i < 2; i++) {
		age = ((int64_t)now.tv_sec - g->mark[i].tv_sec) * 1000 +
		    (now.tv_nsec - g->mark[i].tv_nsec) / 1000000;
		if (age < 50)
			return;
	}
	g->have_mark = 1;
}

int
mg_inbox_quiet(const struct mg *g)
{
	struct timespec mt[2];

	if (!g->have_mark || mg_inbox_mtimes(g, mt) == -1)
		return 0;
	for (int i = 0; i < 2; i++)
		if (mt[i].tv_sec != g->mark[i].tv_sec ||
		    mt[i].tv_nsec != g->mark[i].tv_nsec)
			return 0;
	return 1;
}

int
mg_take_incoming(struct mg *g)
{
	int v = g->incoming;

	g->incoming = 0;
	return v;
}

void
mg_idle(struct mg *g)
{
	if (g->s != NULL)
		(void)GSM_ReadDevice(g->s, FALSE);
}

/* UCS-2BE bytes (terminated by two NULs or by max bytes) -> units. */
static size_t
mg_units(const unsigned char *b, size_t max, uint16_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < max; i += 2) {
		uint16_t u = (uint16_t)((b[i] << 8) | b[i + 1]);

		if (u == 0)
			break;
		out[n++] = u;
	}
	return n;
}

/* libgammu's internal UCS-2BE string -> newly allocated UTF-8. */
static char *
mg_utf8(const unsigned char *b, size_t max)
{
	uint16_t *u = xcalloc(max / 2 + 1, sizeof(*u));
	size_t n = mg_units(b, max, u);
	char *s = gsm_text_ucs2_to_utf8(u, n);

	free(u);
	return s;
}

static char *
mg_hex(const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	char *s = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 0x0f];
	}
	s[2 * n] = '\0';
	return s;
}

/*
 * GSM_DateTime -> unix seconds.  Timezone is the offset from UTC in
 * seconds (0, i.e. UTC, when the SMSC gave none).  0 if unset or absurd.
 */
static int64_t
mg_unix_time(const GSM_DateTime *dt)
{
	int64_t y = dt->Year, m = dt->Month, d = dt->Day, era, yoe, doy, doe;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    dt->Hour < 0 || dt->Hour > 23 || dt->Minute < 0 ||
	    dt->Minute > 59 || dt->Second < 0 || dt->Second > 60)
		return 0;
	/* Days from civil (H. Hinnant), proleptic Gregorian. */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + dt->Hour * 3600 +
	    dt->Minute * 60 + dt->Second - dt->Timezone;
}

/* One physical part -> struct modem_part; never fails, never skips. */
static void
mg_make_part(const GSM_SMSMessage *sms, struct modem_part *p)
{
	const GSM_UDHHeader *udh = &sms->UDH;
	char *text = NULL;

	memset(p, 0, sizeof(*p));
	p->location = sms->Location;
	p->sender = mg_utf8(sms->Number, sizeof(sms->Number));
	p->smsc_time = mg_unix_time(&sms->DateTime);
	p->mr = -1;
	p->status = -1;
	p->total = 1;
	p->seq = 1;
	switch (sms->Coding) {
	case SMS_Coding_Unicode_No_Compression:
	case SMS_Coding_Unicode_Compression:
		p->coding = 16;
		break;
	case SMS_Coding_8bit:
		p->coding = 8;
		break;
	case SMS_Coding_Default_No_Compression:
	case SMS_Coding_Default_Compression:
	default:
		p->coding = 7;
		break;
	}
	/* The decoder fills the ids for any UDH that carries a
	 * concatenation element, also next to other elements. */
	if (udh->Type != UDH_NoUDH && udh->AllParts >= 1 &&
	    udh->AllParts <= 255 && udh->PartNumber >= 1 &&
	    udh->PartNumber <= 255) {
		if (udh->Type == UDH_ConcatenatedMessages16bit ||
		    (udh->ID16bit >= 0 && udh->ID16bit <= 65535 &&
		    udh->ID8bit < 0)) {
			p->concat_bits = 16;
			p->ref = udh->ID16bit & 0xffff;
		} else if (udh->ID8bit >= 0) {
			p->concat_bits = 8;
			p->ref = udh->ID8bit & 0xff;
		}
		if (p->concat_bits != 0) {
			p->total = udh->AllParts;
			p->seq = udh->PartNumber;
		}
	}

	if (sms->PDU == SMS_Status_Report) {
		p->pdu_kind = MODEM_PDU_REPORT;
		p->mr = sms->MessageReference;
		p->status = sms->DeliveryStatus;
		text = mg_utf8(sms->Text, sizeof(sms->Text));
	} else if (sms->Coding == SMS_Coding_8bit) {
		size_t n = sms->Length > 0 ? (size_t)sms->Length : 0;

		if (n > sizeof(sms->Text))
			n = sizeof(sms->Text);
		p->pdu_kind = MODEM_PDU_UNDECODABLE;
		text = mg_hex(sms->Text, n);
	} else if (sms->Coding == SMS_Coding_Unicode_Compression ||
	    sms->Coding == SMS_Coding_Default_Compression) {
		/* libgammu cannot decompress; keep what it gave us. */
		uint16_t *u = xcalloc(sizeof(sms->Text) / 2 + 1, sizeof(*u));
		size_t n = mg_units(sms->Text, sizeof(sms->Text), u);

		free(u);
		p->pdu_kind = MODEM_PDU_UNDECODABLE;
		text = mg_hex(sms->Text, 2 * n);
	} else {
		p->pdu_kind = sms->PDU == SMS_Submit ? MODEM_PDU_OTHER :
		    MODEM_PDU_DELIVER;
		text = mg_utf8(sms->Text, sizeof(sms->Text));
		if (text == NULL) {
			uint16_t *u = xcalloc(sizeof(sms->Text) / 2 + 1,
			    sizeof(*u));
			size_t n = mg_units(sms->Text, sizeof(sms->Text), u);

			free(u);
			p->pdu_kind = MODEM_PDU_UNDECODABLE;
			text = mg_hex(sms->Text, 2 * n);
		}
	}
	p->text = text != NULL ? text : xstrdup("");
	p->dedup = xmalloc(33);
	modem_part_digest(p, p->dedup);
}

int
mg_read_next(struct mg *g, int start, struct modem_part *parts, int *n,
    char *err, size_t errlen)
{
	GSM_MultiSMSMessage *m = g->cur;
	GSM_Error e;

	*n = 0;
	if (g->s == NULL) {
		snprintf(err, errlen, "modem not connected");
		return MG_LOST;
	}
	if (start)
		memset(m, 0, sizeof(*m));
	/* Folder 0: Location then encodes the folder (as gammu-smsd). */
	m->SMS[0].Folder = 0;
	mg_deadline(g, MG_OP_WAIT_MS);
	e = GSM_GetNextSMS(g->s, m, start ? TRUE : FALSE);
	mg_deadline(g, 0);
	if (e == ERR_EMPTY)
		return MG_EMPTY;
	g->failed_at = 0;
	g->failed_folder = 0;
	if (e != ERR_NONE) {
		mg_errtext(err, errlen, "reading SMS", e);
		/* Where the iteration stopped.  The dummy leaves the folder
		 * and the number within it; other drivers keep the location
		 * encoded as GSM_DeleteSMS with Folder 0 takes it. */
		g->failed_folder = m->SMS[0].Folder;
		if (g->is_dummy && m->SMS[0].Folder >= 1 &&
		    m->SMS[0].Folder <= 5 && m->SMS[0].Location > 0 &&
		    m->SMS[0].Location < MG_DUMMY_MAX_SMS) {
			g->failed_at = (int64_t)m->SMS[0].Folder *
			    MG_DUMMY_MAX_SMS + m->SMS[0].Location;
			/* The cursor in the encoded form a successful read
			 * leaves, so that reading on with Folder 0 goes past
			 * this slot instead of rescanning from folder 0. */
			m->SMS[0].Location = (int)g->failed_at;
		} else if (!g->is_dummy && m->SMS[0].Location > 0)
			g->failed_at = m->SMS[0].Location;
		return mg_rc(e);
	}
	if (!m->SMS[0].InboxFolder)
		return MG_OK;
	for (int i = 0; i < m->Number && i < MG_MAX_PARTS; i++) {
		mg_make_part(&m->SMS[i], &parts[*n]);
		/* All parts of one location are deleted together. */
		parts[*n].location = m->SMS[0].Location;
		(*n)++;
	}
	return MG_OK;
}

int64_t
mg_read_failed_at(const struct mg *g, int *folder)
{
	*folder = g->failed_folder;
	return g->failed_at;
}

int
mg_read_raw(struct mg *g, int64_t location, size_t max, unsigned char **raw,
    size_t *len)
{
	char path[4096];
	unsigned char *b;
	size_t n;
	FILE *f;

	*raw = NULL;
	*len = 0;
	if (!g->is_dummy || location <= MG_DUMMY_MAX_SMS ||
	    location >= 6 * MG_DUMMY_MAX_SMS)
		return 0;
	snprintf(path, sizeof(path), "%s/sms/%lld/%lld", g->conf->device,
	    (long long)(location / MG_DUMMY_MAX_SMS),
	    (long long)(location % MG_DUMMY_MAX_SMS));
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	b = xmalloc(max > 0 ? max : 1);
	n = fread(b, 1, max, f);
	if (ferror(f)) {
		fclose(f);
		free(b);
		return 0;
	}
	fclose(f);
	if (n == 0) {
		free(b);
		b = NULL;
	}
	*raw = b;
	*len = n;
	return 1;
}

int
mg_read_indicated(struct mg *g, struct modem_part *parts, int *n, char *err,
    size_t errlen)
{
	GSM_MultiSMSMessage *m = g->cur;
	GSM_Error e;
	int sr, ind;

	*n = 0;
	if (g->s == NULL) {
		snprintf(err, errlen, "modem not connected");
		return MG_LOST;
	}
	if (g->n_ind == 0)
		return MG_EMPTY;
	ind = g->ind_loc[0];
	memset(m, 0, sizeof(*m));
	m->Number = 1;
	/* libgammu 1.42's AT driver numbers a folder's locations from 1
	 * above the modem's index (ATGEN_SetSMSLocation logs "folder 1 &
	 * location 1 -> SMS folder 0 & location 2"), while +CMTI hands the
	 * raw index; the guards below send anything unexpected to a pass. */
	m->SMS[0].Folder = g->ind_folder[0];
	m->SMS[0].Location = g->ind_loc[0] + 1;
	sr = g->ind_sr[0];
	if (sr) {
		/* libgammu 1.42 selects SR with AT+CPMS="SR" when asked for
		 * that memory; the location is numbered as for SM. */
		m->SMS[0].Memory = MEM_SR;
	}
	g->n_ind--;
	memmove(&g->ind_folder[0], &g->ind_folder[1],
	    (size_t)g->n_ind * sizeof(g->ind_folder[0]));
	memmove(&g->ind_loc[0], &g->ind_loc[1],
	    (size_t)g->n_ind * sizeof(g->ind_loc[0]));
	memmove(&g->ind_sr[0], &g->ind_sr[1],
	    (size_t)g->n_ind * sizeof(g->ind_sr[0]));
	mg_deadline(g, MG_OP_WAIT_MS);
	e = GSM_GetSMS(g->s, m);
	mg_deadline(g, 0);
	if (sr && e != ERR_NONE) {
		/* No pass reads SR: say so rather than loop. */
		mg_errtext(err, errlen, "reading a stored delivery report", e);
		return e == ERR_EMPTY ? MG_OK : mg_rc(e);
	}
	if (e == ERR_EMPTY) {
		/* Read by a pass meanwhile, or not where we looked. */
		g->incoming = 1;
		return MG_OK;
	}
	if (e != ERR_NONE) {
		/* The safety net: a full pass finds it. */
		g->incoming = 1;
		mg_errtext(err, errlen, "reading announced SMS", e);
		return mg_rc(e);
	}
	/* A just announced message is unread; anything else means we did
	 * not read what was announced: a pass will. */
	if (m->SMS[0].State != SMS_UnRead)
		g->incoming = 1;
	if (!m->SMS[0].InboxFolder && m->SMS[0].PDU != SMS_Deliver &&
	    m->SMS[0].PDU != SMS_Status_Report)
		return MG_OK;
	/* GetSMS turned Folder/Location into the encoded location that
	 * GetNextSMS gives and DeleteSMS takes (Folder 0). */
	for (int i = 0; i < m->Number && i < MG_MAX_PARTS; i++) {
		mg_make_part(&m->SMS[i], &parts[*n]);
		parts[*n].location = sr ? MG_SR_BASE + ind + 1 :
		    m->SMS[0].Location;
		(*n)++;
	}
	return MG_OK;
}

int
mg_delete(struct mg *g, int64_t location, int *gone, char *err,
    size_t errlen)
{
	GSM_SMSMessage *sms;
	GSM_Error e;

	*gone = 0;
	if (g->s == NULL) {
		snprintf(err, errlen, "modem not connected");
		return MG_LOST;
	}
	if (location <= 0 || location > INT_MAX) {
		snprintf(err, errlen, "bad location %lld",
		    (long long)location);
		return MG_OK; /* nothing we could ever delete */
	}
	sms = xcalloc(1, sizeof(*sms));
	sms->Folder = 0;
	sms->Location = (int)location;
	if (location > MG_SR_BASE) {
		/* A report read from "SR" (+CDSI): that memory, the
		 * location as the read took it. */
		sms->Folder = 1;
		sms->Memory = MEM_SR;
		sms->Location = (int)(location - MG_SR_BASE);
	}
	mg_deadline(g, MG_OP_WAIT_MS);
	e = GSM_DeleteSMS(g->s, sms);
	mg_deadline(g, 0);
	free(sms);
	*gone = e == ERR_NONE;
	if (e == ERR_NONE || e == ERR_EMPTY)
		return MG_OK;
	mg_errtext(err, errlen, "deleting SMS", e);
	return mg_rc(e);
}

/* UTF-8 -> libgammu UCS-2BE with two NULs; 0 or -1 (invalid/too long). */
static int
mg_put_ucs2(const char *utf8, unsigned char *out, size_t maxunits)
{
	long n;
	uint16_t *u = xcalloc(maxunits + 1, sizeof(*u));

	n = gsm_text_utf8_to_ucs2(utf8, strlen(utf8), u, maxunits);
	if (n < 0 || (n == (long)maxunits &&
	    gsm_text_utf8_to_ucs2(utf8, strlen(utf8), NULL, 0) > n)) {
		free(u);
		return -1;
	}
	for (long i = 0; i < n; i++) {
		out[2 * i] = (unsigned char)(u[i] >> 8);
		out[2 * i + 1] = (unsigned char)(u[i] & 0xff);
	}
	out[2 * n] = out[2 * n + 1] = 0;
	free(u);
	return 0;
}

/* "+" then 1..20 digits, or 1..20 digits. */
static int
mg_valid_number(const char *s)
{
	size_t n = 0;

	if (*s == '+')
		s++;
	for (; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 1 && n <= 20;
}

static void
mg_result(struct modem_send_result *res, int ok, int permanent,
    const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	res->ok = ok;
	res->permanent = permanent;
	free(res->error);
	res->error = xstrdup(buf);
}

int
mg_send(struct mg *g, const struct modem_send *snd,
    struct modem_send_result *res)
{
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi = NULL;
	unsigned char *ubuf = NULL;
	unsigned char rcpt[(GSM_MAX_NUMBER_LENGTH + 1) * 2];
	size_t maxunits = (size_t)MG_MAX_PARTS * 160;
	GSM_Error e;
	int rc = MG_OK, parts;

	memset(res, 0, sizeof(*res));
	res->outbox_id = snd->outbox_id;
	res->mr = -1;
	res->error = xstrdup("");
	if (g->s == NULL) {
		mg_result(res, 0, 0, "modem not connected");
		return MG_LOST;
	}
	if (!mg_valid_number(snd->recipient)) {
		mg_result(res, 0, 1, "invalid recipient number");
		return MG_OK;
	}
	parts = gsm_text_parts(snd->text);
	if (parts < 1 || parts > MG_MAX_PARTS) {
		mg_result(res, 0, 1, "message needs %d parts (at most %d)",
		    parts, MG_MAX_PARTS);
		return MG_OK;
	}
	ubuf = xcalloc(maxunits + 1, 2);
	if (mg_put_ucs2(snd->text, ubuf, maxunits) == -1 ||
	    mg_put_ucs2(snd->recipient, rcpt, GSM_MAX_NUMBER_LENGTH) == -1) {
		mg_result(res, 0, 1, "text is not valid UTF-8");
		goto out;
	}
	multi = xcalloc(1, sizeof(*multi));
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = gsm_text_is_gsm7(snd->text) ? FALSE : TRUE;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = ubuf;
	e = GSM_EncodeMultiPartSMS(NULL, &info, multi);
	if (e != ERR_NONE || multi->Number < 1) {
		mg_result(res, 0, 1, "cannot encode message: %s",
		    GSM_ErrorString(e));
		goto out;
	}

	if (!g->have_smsc) {
		memset(&g->smsc, 0, sizeof(g->smsc));
		g->smsc.Location = 1;
		e = GSM_GetSMSC(g->s, &g->smsc);
		if (e != ERR_NONE) {
			/* Most modems then use the SIM's default SMSC. */
			log_debug("modem %s: no SMSC from the SIM: %s",
			    g->conf->name, GSM_ErrorString(e));
			memset(&g->smsc, 0, sizeof(g->smsc));
			if (mg_rc(e) == MG_LOST) {
				mg_result(res, 0, 0, "reading SMSC: %s",
				    GSM_ErrorString(e));
				rc = MG_LOST;
				goto out;
			}
		}
		g->have_smsc = 1;
	}

	for (int i = 0; i < multi->Number; i++) {
		GSM_SMSMessage *p = &multi->SMS[i];
		int64_t deadline;

		if (p->UDH.Type != UDH_NoUDH) {
			/* Our reference, not one derived from the clock. */
			p->UDH.ID8bit = snd->concat_ref & 0xff;
			p->UDH.ID16bit = -1;
			GSM_EncodeUDHHeader(NULL, &p->UDH);
		}
		CopyUnicodeString(p->SMSC.Number, g->smsc.Number);
		/* A location makes libgammu ask the modem again (AT+CSCA?)
		 * for every part (PHONE_EncodeSMSFrame); the number read once
		 * per connection is the same. */
		if (g->smsc.Number[0] != 0 || g->smsc.Number[1] != 0)
			p->SMSC.Location = 0;
		CopyUnicodeString(p->Number, rcpt);
		/* Status_Report here means "request a delivery report". */
		p->PDU = snd->want_report ? SMS_Status_Report : SMS_Submit;
		g->send_done = 0;
		g->send_status = -1;
		g->send_mr = -1;
		deadline = clock_mono_ms() + 1000 *
		    (int64_t)(g->conf->send_timeout_s > 0 ?
		    g->conf->send_timeout_s : 8);
		/* GSM_SendSMS itself waits for the "> " prompt and +CMGS. */
		mg_deadline(g, deadline - clock_mono_ms() + 1500);
		e = GSM_SendSMS(g->s, p);
		if (e != ERR_NONE) {
			mg_deadline(g, 0);
			mg_result(res, 0, 0, "part %d/%d: %s", i + 1,
			    multi->Number, GSM_ErrorString(e));
			rc = mg_rc(e) == MG_LOST ? MG_LOST : MG_ERROR;
			goto out;
		}
		/* Below the watchdog: a swallowed send fails and is retried
		 * rather than stalling the worker until it is killed. */
		while (!g->send_done && clock_mono_ms() < deadline)
			(void)GSM_ReadDevice(g->s, TRUE);
		mg_deadline(g, 0);
		if (!g->send_done) {
			mg_result(res, 0, 0, "part %d/%d: no answer from the "
			    "modem", i + 1, multi->Number);
			rc = MG_LOST;
			goto out;
		}
		if (g->send_status != 0) {
			mg_result(res, 0, 0, "part %d/%d refused by the "
			    "network (error %d)", i + 1, multi->Number,
			    g->send_status);
			rc = MG_ERROR;
			goto out;
		}
		res->parts = i + 1;
		res->mr = g->send_mr >= 0 && g->send_mr <= 255 ?
		    g->send_mr : -1;
	}
	mg_result(res, 1, 0, "%s", "");
out:
	free(multi);
	free(ubuf);
	return rc;
}

int
mg_ussd(struct mg *g, const char *code, struct modem_ussd_result *res)
{
	char buf[GSM_MAX_USSD_LENGTH + 1];
	GSM_Error e;
	int64_t deadline;

	memset(res, 0, sizeof(*res));
	res->code = xstrdup(code);
	if (g->s == NULL) {
		res->text = xstrdup("modem not connected");
		return MG_LOST;
	}
	if (strlen(code) >= sizeof(buf) || code[0] == '\0') {
		res->text = xstrdup("invalid USSD code");
		return MG_OK;
	}
	strlcpy_s(buf, code, sizeof(buf));
	e = GSM_SetIncomingUSSD(g->s, TRUE);
	if (e != ERR_NONE) {
		res->text = xasprintf("enabling USSD: %s", GSM_ErrorString(e));
		return mg_rc(e) == MG_LOST ? MG_LOST : MG_ERROR;
	}
	g->ussd_done = 0;
	/* Our wait below ends at MG_USSD_WAIT_MS; the alarm only catches a
	 * modem that hangs inside libgammu. */
	mg_deadline(g, MG_USSD_WAIT_MS + 2000);
	e = GSM_DialService(g->s, buf);
	if (e != ERR_NONE) {
		mg_deadline(g, 0);
		res->text = xasprintf("dialling USSD: %s", GSM_ErrorString(e));
		return mg_rc(e) == MG_LOST ? MG_LOST : MG_ERROR;
	}
	/* The dummy answers inside DialService; AT answers with +CUSD. */
	deadline = clock_mono_ms() + MG_USSD_WAIT_MS;
	while (!g->ussd_done && clock_mono_ms() < deadline)
		(void)GSM_ReadDevice(g->s, TRUE);
	mg_deadline(g, 0);
	if (!g->ussd_done) {
		res->text = xstrdup("no USSD answer");
		return MG_ERROR;
	}
	res->text = mg_utf8(g->ussd.Text, sizeof(g->ussd.Text));
	switch (g->ussd.Status) {
	case USSD_NoActionNeeded:
	case USSD_ActionNeeded:
	case USSD_Unknown:
		res->ok = 1;
		break;
	case USSD_Terminated:
	case USSD_AnotherClient:
	case USSD_NotSupported:
	case USSD_Timeout:
	default:
		res->ok = res->text[0] != '\0' &&
		    g->ussd.Status == USSD_Terminated;
		if (!res->ok) {
			free(res->text);
			res->text = xasprintf("USSD failed (status %d)",
			    (int)g->ussd.Status);
		}
		break;
	}
	return MG_OK;
}

int
mg_probe(struct mg *g, char *err, size_t errlen)
{
	GSM_SignalQuality sig;
	GSM_Error e;

	if (g->s == NULL) {
		snprintf(err, errlen, "modem not connected");
		return MG_LOST;
	}
	memset(&sig, 0, sizeof(sig));
	mg_deadline(g, MG_PROBE_WAIT_MS);
	e = GSM_GetSignalQuality(g->s, &sig);
	mg_deadline(g, 0);
	if (e == ERR_NONE || e == ERR_NOTSUPPORTED || e == ERR_NOTIMPLEMENTED)
		return MG_OK;
	mg_errtext(err, errlen, "modem does not answer", e);
	return mg_rc(e);
}

int
mg_status(struct mg *g, struct modem_status *st)
{
	GSM_SignalQuality sig;
	GSM_NetworkInfo *net;
	GSM_SMSMemoryStatus sms;
	GSM_Error e;
	int lost = 0;

	memset(st, 0, sizeof(*st));
	st->signal_percent = -1;
	st->sim_used = -1;
	st->sim_size = -1;
	st->connected = g->s != NULL;
	st->imei = xstrdup(g->imei);
	st->error = xstrdup("");
	if (g->s == NULL) {
		st->network_code = xstrdup("");
		st->network_name = xstrdup("");
		return MG_LOST;
	}
	mg_deadline(g, MG_STATUS_WAIT_MS);
	memset(&sig, 0, sizeof(sig));
	e = GSM_GetSignalQuality(g->s, &sig);
	if (e == ERR_NONE) {
		if (sig.SignalPercent >= 0 && sig.SignalPercent <= 100)
			st->signal_percent = sig.SignalPercent;
		if (sig.SignalStrength != -1 && sig.SignalStrength >= -1000 &&
		    sig.SignalStrength <= 1000)
			st->signal_dbm = sig.SignalStrength;
	} else if (mg_rc(e) == MG_LOST)
		lost = 1;

	net = xcalloc(1, sizeof(*net));
	e = lost ? ERR_NOTCONNECTED : GSM_GetNetworkInfo(g->s, net);
	if (e == ERR_NONE) {
		net->NetworkCode[sizeof(net->NetworkCode) - 1] = '\0';
		st->network_code = xstrdup(net->NetworkCode);
		st->network_name = mg_utf8(net->NetworkName,
		    sizeof(net->NetworkName));
		st->registered = net->State == GSM_HomeNetwork ||
		    net->State == GSM_RoamingNetwork;
	} else {
		st->network_code = xstrdup("");
		st->network_name = xstrdup("");
		if (mg_rc(e) == MG_LOST)
			lost = 1;
	}
	free(net);

	memset(&sms, 0, sizeof(sms));
	e = lost ? ERR_NOTCONNECTED : GSM_GetSMSStatus(g->s, &sms);
	if (e == ERR_NONE) {
		st->sim_used = sms.SIMUsed + sms.PhoneUsed;
		st->sim_size = sms.SIMSize + sms.PhoneSize;
	} else if (mg_rc(e) == MG_LOST)
		lost = 1;
	mg_deadline(g, 0);
	if (lost) {
		free(st->error);
		st->error = xasprintf("status: %s", GSM_ErrorString(e));
	}
	return lost ? MG_LOST : MG_OK;
}

/*
 * FNV-1a 64 over the fields, each length-prefixed so that no two
 * different field lists hash the same byte stream.
 */
static uint64_t
mg_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
mg_fnv_field(uint64_t h, const void *p, size_t n)
{
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (8 * i));
	h = mg_fnv(h, len, sizeof(len));
	return mg_fnv(h, p, n);
}

static uint64_t
mg_fnv_int(uint64_t h, int64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	return mg_fnv_field(h, b, sizeof(b));
}

void
modem_part_digest(const struct modem_part *p, char *out)
{
	/* Two different offset bases give two independent-enough hashes. */
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	const char *sender = p->sender != NULL ? p->sender : "";
	const char *text = p->text != NULL ? p->text : "";

	for (int k = 0; k < 2; k++) {
		h[k] = mg_fnv_int(h[k], p->pdu_kind);
		h[k] = mg_fnv_field(h[k], sender, strlen(sender));
		h[k] = mg_fnv_int(h[k], p->smsc_time);
		h[k] = mg_fnv_int(h[k], p->concat_bits);
		h[k] = mg_fnv_int(h[k], p->ref);
		h[k] = mg_fnv_int(h[k], p->total);
		h[k] = mg_fnv_int(h[k], p->seq);
		h[k] = mg_fnv_field(h[k], text, strlen(text));
		h[k] = mg_fnv_int(h[k], p->mr);
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0],
	    (unsigned long long)h[1]);
}
