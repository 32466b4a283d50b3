/*
 * at-emulator - a GSM modem that speaks AT on stdin/stdout, for tests.
 *
 *   at-emulator [--profile huawei|sim800] [--data FILE] DIR
 *
 * libgammu runs it as the modem with `connection = proxyat` and
 * `device = /path/at-emulator --profile huawei DIR`: the real AT driver
 * then talks to it exactly as to /dev/ttyUSB0 (echo, V1 result codes,
 * PDU mode, unsolicited result codes between commands).  All state lives
 * in DIR, so the process can be killed and started again (libgammu
 * starts one per connection) and the SIM keeps its messages:
 *
 *   DIR/commands.log   every command line received, one per line, as
 *                      "<ms since epoch> <command>" (a PDU after AT+CMGS
 *                      is logged as "PDU <hex>"); tests count these
 *   DIR/emulator.log   the emulator's own notes (starts, faults applied)
 *   DIR/sim/N          SIM location N: "<stat> <PDU hex with SCA>"
 *   DIR/inject/NAME    a file of PDU hex lines (SMS-DELIVER with SCA, as
 *                      tests/tools/at-pdu prints them); each line is
 *                      stored at the first free location and announced
 *                      with +CMTI: "SM",N; the file is then removed
 *                      (write it elsewhere and rename it in)
 *   DIR/sent/NNNNNN.pdu the PDU hex of every AT+CMGS, in order
 *   DIR/ussd           the answer text to AT+CUSD=1,<code> (ASCII), default
 *                      "Soldul curent este 5.78 Euro, valabil pana la
 *                      31.12.2026."
 *   DIR/control        faults, one per line, read before every command:
 *        error PREFIX [once]    answer ERROR to commands starting so
 *        cms500 PREFIX [once]   answer +CMS ERROR: 500
 *        swallow PREFIX [once]  echo, then never answer (for AT+CMGS:
 *                               the prompt is given and the PDU taken)
 *        hang                   no output at all, not even echo or URCs
 *        noise                  ^RSSI/^BOOT/RING lines before every
 *                               answer and every second when idle
 *        vanish                 exit now (the device is gone) and at
 *                               every start while the line is there
 *        noreport               no +CDS for sends requesting a report
 *        cdsi                   reports are stored in "SR" memory
 *                               (DIR/sr/N, offered by AT+CPMS=?) and
 *                               announced with +CDSI: "SR",N instead
 *        delay MS               wait MS before every answer
 *        simdelay MS            wait MS more for SIM storage commands
 *                               (CPMS, CMGL, CMGR, CMGD, CMGS)
 *      "once" lines are removed from the file after they fired.
 *
 * A send that asks for a status report (TP-SRR) is followed 300 ms later
 * by +CDS: an SMS-STATUS-REPORT "delivered" with the TP-MR the modem
 * gave in +CMGS.
 *
 * The answers come from a data file per dialect, tests/tools/at-data/
 * PROFILE.at (--data FILE; see its header for the format): fixed answers
 * to identity and capability commands, and templates for the answers
 * the emulator fills in (+CMGR/+CMGL headers, +CMTI, +CDS, +CUSD, the
 * +CREG location form, +CPMS counts).  Where gammu's recordings of real
 * modems (gammu/gammu tests/at-sms, at-ussd, at-creg, at-cpms, at-cnmi,
 * at-cscs-huawei, atgen) hold the line, it is copied with its origin
 * noted; the rest follows the vendors' AT manuals and says so.  Without
 * --data, or for a line the file lacks, built-in answers of the same
 * dialects are used.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EMU_SIM_SIZE 30		/* locations on the emulated SIM */
#define EMU_LINE_MAX 4096	/* longest command or PDU */
#define EMU_PDU_MAX 400		/* bytes of one PDU */

struct emu_profile {
	const char *name;	/* --profile */
	const char *cgmi;	/* manufacturer */
	const char *cgmm;	/* model */
	const char *cgmr;	/* firmware */
	const char *imei;	/* AT+CGSN */
	const char *imsi;	/* AT+CIMI */
	const char *oper;	/* numeric operator */
	const char *oper_name;	/* long operator name */
	const char *smsc;	/* AT+CSCA? */
	int empty_is_error;	/* empty AT+CMGR: +CMS ERROR: 321 */
	int ussd_packed;	/* +CUSD text as packed GSM-7 hex */
};

static const struct emu_profile emu_profiles[] = {
	{ .name = "huawei", .cgmi = "huawei", .cgmm = "E3131",
	  .cgmr = "21.158.13.00.00", .imei = "867123045678901",
	  .imsi = "226100000000001", .oper = "22610",
	  .oper_name = "Orange RO", .smsc = "+40744946000",
	  .empty_is_error = 1, .ussd_packed = 1 },
	{ .name = "sim800", .cgmi = "SIMCOM_Ltd", .cgmm = "SIMCOM_SIM800L",
	  .cgmr = "Revision:1418B04SIM800L24", .imei = "869123045678902",
	  .imsi = "226010000000002", .oper = "22601",
	  .oper_name = "RO VODAFONE", .smsc = "+40722004000",
	  .empty_is_error = 0, .ussd_packed = 0 },
};

#define EMU_DATA_MAX 64	/* entries in a data file */

/* One answer of the data file: a command or an @template. */
struct emu_entry {
	char key[64];		/* "AT+CGMI", "@cmgr" */
	char *body;		/* "line\r\n" ..., owned */
};

struct emu {
	const struct emu_profile *p; /* the dialect */
	struct emu_entry data[EMU_DATA_MAX]; /* from --data */
	int n_data;		/* entries in data */
	int ussd_mode;		/* 0 packed GSM-7, 1 text, 2 UCS-2 hex */
	int empty_is_error;	/* empty AT+CMGR: an error, not OK */
	const char *dir;	/* state folder */
	int echo;		/* ATE1 */
	int creg_mode;		/* AT+CREG=n */
	int cgreg_mode;		/* AT+CGREG=n */
	int cops_format;	/* AT+COPS=3,n */
	int mem_me;		/* current read memory is ME (always empty) */
	int mem_sr;		/* current read memory is SR (DIR/sr/N) */
	int in_pdu;		/* after AT+CMGS=n, reading the PDU */
	char line[EMU_LINE_MAX]; /* input being collected */
	size_t len;		/* bytes in line */
	int64_t next_noise;	/* ms */
	int noise_k;		/* which noise line next */
	int64_t ussd_at;	/* ms the +CUSD answer is due, 0 = none */
	int64_t cds_at;		/* ms the +CDS is due, 0 = none */
	char cds_pdu[EMU_PDU_MAX * 2 + 1]; /* the report to send */
};

/* Control state, read before every command. */
struct emu_ctl {
	int hang;		/* say nothing */
	int noise;		/* unsolicited noise */
	int vanish;		/* exit */
	int noreport;		/* no +CDS */
	int cdsi;		/* reports stored in SR, +CDSI: "SR",n */
	int delay_ms;		/* per answer */
	int simdelay_ms;	/* extra for SIM storage commands */
};

static int emu_int(const char *);
static int hexbyte(const char *);
static int emu_word(const char **, char *, size_t);

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
emu_note(const struct emu *e, const char *fmt, ...)
{
	char path[4096];
	FILE *f;
	va_list ap;

	snprintf(path, sizeof(path), "%s/emulator.log", e->dir);
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%lld [%d] ", (long long)now_ms(), (int)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void
emu_logcmd(const struct emu *e, const char *what, const char *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/commands.log", e->dir);
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%lld %s%s\n", (long long)now_ms(), what, s);
	fclose(f);
}

static void
emu_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			exit(0);	/* libgammu closed the pipe */
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
emu_out(const char *fmt, ...)
{
	char buf[EMU_LINE_MAX * 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		emu_write(buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/* An information line: "\r\n<text>\r\n". */
static void
emu_info(const char *fmt, ...)
{
	char buf[EMU_LINE_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emu_out("\r\n%s\r\n", buf);
}

static void
emu_ok(void)
{
	emu_out("\r\nOK\r\n");
}

static void
emu_error(void)
{
	emu_out("\r\nERROR\r\n");
}

/* ---- the data file ---- */

/* What the templates are filled with; unset numbers print as 0. */
struct emu_vars {
	int idx, stat, len, used, total, mr;
	const char *hex;	/* a PDU or an encoded text */
	const char *text;	/* plain text */
};

static void
emu_data_load(struct emu *e, const char *file)
{
	char line[EMU_LINE_MAX];
	struct emu_entry *cur = NULL;
	size_t have = 0;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "at-emulator: %s: %s\n", file, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "set ", 4) == 0) {
			const char *v = strchr(line + 4, ' ');

			if (v == NULL)
				continue;
			v++;
			if (strncmp(line + 4, "empty_is_error ", 15) == 0)
				e->empty_is_error = emu_int(v);
			else if (strncmp(line + 4, "ussd ", 5) == 0)
				e->ussd_mode = strcmp(v, "text") == 0 ? 1 :
				    strcmp(v, "ucs2") == 0 ? 2 : 0;
			continue;
		}
		if (strncmp(line, "> ", 2) == 0) {
			if (e->n_data >= EMU_DATA_MAX) {
				fprintf(stderr, "at-emulator: %s: more than "
				    "%d entries\n", file, EMU_DATA_MAX);
				exit(2);
			}
			cur = &e->data[e->n_data++];
			snprintf(cur->key, sizeof(cur->key), "%.63s", line + 2);
			cur->body = calloc(1, 1);
			have = 0;
			continue;
		}
		if (line[0] == '<' && cur != NULL && cur->body != NULL) {
			const char *t = line[1] == ' ' ? line + 2 : line + 1;
			size_t n = strlen(t);
			char *b = realloc(cur->body, have + n + 3);

			if (b == NULL)
				exit(2);
			memcpy(b + have, t, n);
			memcpy(b + have + n, "\r\n", 3);
			have += n + 2;
			cur->body = b;
		}
	}
	fclose(f);
}

static const struct emu_entry *
emu_data_find(const struct emu *e, const char *key)
{
	for (int i = 0; i < e->n_data; i++)
		if (strcasecmp(e->data[i].key, key) == 0)
			return &e->data[i];
	return NULL;
}

/*
 * Writes the data file's answer for key ("\r\n" then its lines), the
 * {names} filled from v: 1, or 0 if the file has no such entry.
 */
static int
emu_data_answer(const struct emu *e, const char *key,
    const struct emu_vars *v)
{
	static const struct emu_vars none;
	const struct emu_entry *d = emu_data_find(e, key);
	char out[EMU_LINE_MAX * 2];
	size_t o = 0;

	if (d == NULL)
		return 0;
	if (v == NULL)
		v = &none;
	for (const char *p = d->body; *p != '\0' && o + 1 < sizeof(out);) {
		char name[16], val[EMU_LINE_MAX];
		size_t n = *p == '{' ? strcspn(p + 1, "}") : 0;

		if (n == 0 || n >= sizeof(name) || p[1 + n] != '}') {
			out[o++] = *p++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
		p += n + 2;
		val[0] = '\0';
		if (strcmp(name, "hex") == 0 || strcmp(name, "text") == 0)
			snprintf(val, sizeof(val), "%s",
			    (name[0] == 'h' ? v->hex : v->text) != NULL ?
			    (name[0] == 'h' ? v->hex : v->text) : "");
		else
			snprintf(val, sizeof(val), "%d",
			    strcmp(name, "idx") == 0 ? v->idx :
			    strcmp(name, "stat") == 0 ? v->stat :
			    strcmp(name, "len") == 0 ? v->len :
			    strcmp(name, "used") == 0 ? v->used :
			    strcmp(name, "total") == 0 ? v->total :
			    strcmp(name, "mr") == 0 ? v->mr : 0);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", val);
		if (o >= sizeof(out))
			o = sizeof(out) - 1;
	}
	out[o] = '\0';
	emu_out("\r\n%s", out);
	return 1;
}

/* ---- control file ---- */

/*
 * Reads DIR/control.  If cmd is not NULL, returns the fault action
 * ("error", "cms500", "swallow") whose prefix matches cmd, or NULL, and
 * removes a matching "once" line.
 */
static const char *
emu_control(const struct emu *e, struct emu_ctl *c, const char *cmd)
{
	static char action[32];
	char path[4096], tmp[4100], buf[512];
	const char *hit = NULL;
	FILE *f, *o = NULL;
	int drop_line = 0;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/control", e->dir);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char a[32] = "", pre[256] = "", once[16] = "";
		const char *wp = buf;
		int n = emu_word(&wp, a, sizeof(a));

		if (n == 1) {
			n += emu_word(&wp, pre, sizeof(pre));
			if (n == 2)
				n += emu_word(&wp, once, sizeof(once));
		}
		int dropped = 0;

		if (n < 1 || a[0] == '#')
			goto keep;
		if (strcmp(a, "hang") == 0)
			c->hang = 1;
		else if (strcmp(a, "noise") == 0)
			c->noise = 1;
		else if (strcmp(a, "vanish") == 0)
			c->vanish = 1;
		else if (strcmp(a, "noreport") == 0)
			c->noreport = 1;
		else if (strcmp(a, "cdsi") == 0)
			c->cdsi = 1;
		else if (strcmp(a, "delay") == 0 && n >= 2)
			c->delay_ms = emu_int(pre);
		else if (strcmp(a, "simdelay") == 0 && n >= 2)
			c->simdelay_ms = emu_int(pre);
		else if (cmd != NULL && hit == NULL && n >= 2 &&
		    strncasecmp(cmd, pre, strlen(pre)) == 0) {
			snprintf(action, sizeof(action), "%s", a);
			hit = action;
			if (n >= 3 && strcmp(once, "once") == 0) {
				dropped = 1;
				drop_line = 1;
			}
		}
keep:
		if (!dropped) {
			if (o == NULL)
				o = fopen(tmp, "w");
			if (o != NULL)
				fputs(buf, o);
		}
	}
	fclose(f);
	if (o == NULL && drop_line)
		o = fopen(tmp, "w");
	if (o != NULL) {
		fclose(o);
		if (drop_line)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	return hit;
}

/* ---- the SIM ---- */

static int
emu_sim_read(const struct emu *e, const char *store, int idx, int *stat,
    char *pdu, size_t len)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s/%d", e->dir, store, idx);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fscanf(f, "%d %800s", stat, pdu) == 2;
	fclose(f);
	(void)len;
	return ok ? 0 : -1;
}

static void
emu_sim_write(const struct emu *e, const char *store, int idx, int stat,
    const char *pdu)
{
	char path[4096], tmp[4100];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%d", e->dir, store, idx);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%d %s\n", stat, pdu);
	fclose(f);
	rename(tmp, path);
}

static int
emu_sim_used(const struct emu *e, const char *store)
{
	char pdu[EMU_PDU_MAX * 2 + 1];
	int n = 0, st;

	for (int i = 1; i <= EMU_SIM_SIZE; i++)
		if (emu_sim_read(e, store, i, &st, pdu, sizeof(pdu)) == 0)
			n++;
	return n;
}

/* TPDU length of a PDU-with-SCA hex string. */
static int
emu_tpdu_len(const char *hex)
{
	int sca = hexbyte(hex);

	if (sca < 0)
		return 0;
	return (int)(strlen(hex) / 2) - 1 - sca;
}

/* Moves injected PDUs onto the SIM and announces each with +CMTI. */
static void
emu_take_injected(struct emu *e, int announce)
{
	char path[4096], file[4400], buf[EMU_PDU_MAX * 2 + 16];
	struct dirent **names;
	int n;

	snprintf(path, sizeof(path), "%s/inject", e->dir);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		FILE *f;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		free(names[i]);
		if ((f = fopen(file, "r")) == NULL)
			continue;
		while (fgets(buf, sizeof(buf), f) != NULL) {
			char pdu[EMU_PDU_MAX * 2 + 1], tmp[EMU_PDU_MAX * 2 + 1];
			const char *wp = buf;
			int st, idx;

			if (emu_word(&wp, pdu, sizeof(pdu)) != 1)
				continue;
			for (idx = 1; idx <= EMU_SIM_SIZE; idx++)
				if (emu_sim_read(e, "sim", idx, &st, tmp,
				    sizeof(tmp)) == -1)
					break;
			if (idx > EMU_SIM_SIZE) {
				emu_note(e, "SIM full, message dropped");
				continue;
			}
			emu_sim_write(e, "sim", idx, 0, pdu);
			emu_note(e, "stored injected message at %d", idx);
			if (announce) {
				struct emu_vars v = { .idx = idx };

				if (!emu_data_answer(e, "@cmti", &v))
					emu_info("+CMTI: \"SM\",%d", idx);
			}
		}
		fclose(f);
		unlink(file);
	}
	free(names);
}

/* ---- PDUs ---- */

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The byte written as two hex digits at s, or -1. */
static int
hexbyte(const char *s)
{
	int hi = hexdigit((unsigned char)s[0]);
	int lo = hi < 0 ? -1 : hexdigit((unsigned char)s[1]);

	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* Copies the next blank-separated word of *p into out (cut to outlen - 1
 * bytes) and moves *p past it: 1, or 0 at the end of the line. */
static int
emu_word(const char **p, char *out, size_t outlen)
{
	size_t len;

	*p += strspn(*p, " \t\r\n");
	len = strcspn(*p, " \t\r\n");
	if (len == 0)
		return 0;
	snprintf(out, outlen, "%.*s", (int)len, *p);
	*p += len;
	return 1;
}

/* A decimal AT argument or control value; 0 when there is none (what a
 * modem takes a missing argument for). */
static int
emu_int(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno != 0 || v < 0 || v > 1000000)
		return 0;
	return (int)v;
}

/*
 * Builds the SMS-STATUS-REPORT for a submitted PDU (hex, with SCA) that
 * got TP-MR mr: "delivered", recipient copied from TP-DA.  Returns 1 if
 * the submit asked for a report (TP-SRR), else 0.
 */
static int
emu_make_report(struct emu *e, const char *sub, int mr)
{
	size_t n = strlen(sub) / 2, pos, len;
	int sca, fo, dalen, dabytes;
	char *o = e->cds_pdu;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;

	if ((sca = hexbyte(sub)) < 0 || (size_t)sca + 4 > n)
		return 0;
	pos = 1 + (size_t)sca;
	fo = hexbyte(sub + 2 * pos);
	if (fo < 0 || (fo & 0x20) == 0)
		return 0;
	pos += 2;	/* first octet, TP-MR */
	dalen = hexbyte(sub + 2 * pos);
	if (dalen < 0)
		return 0;
	dabytes = 2 + (dalen + 1) / 2;	/* length, type, digits */
	if (pos + (size_t)dabytes > n)
		return 0;
	gmtime_r(&t, &tm);
	/* Semi-octet timestamp, zone 00. */
	snprintf(ts, sizeof(ts), "%c%c%c%c%c%c%c%c%c%c%c%c00",
	    '0' + tm.tm_year % 10, '0' + (tm.tm_year / 10) % 10,
	    '0' + (tm.tm_mon + 1) % 10, '0' + (tm.tm_mon + 1) / 10,
	    '0' + tm.tm_mday % 10, '0' + tm.tm_mday / 10,
	    '0' + tm.tm_hour % 10, '0' + tm.tm_hour / 10,
	    '0' + tm.tm_min % 10, '0' + tm.tm_min / 10,
	    '0' + tm.tm_sec % 10, '0' + tm.tm_sec / 10);
	/* An empty SMSC address (not counted in the +CDS length), then
	 * first octet 06: SMS-STATUS-REPORT. */
	len = 6 + (size_t)dabytes * 2 + 2 * strlen(ts) + 2;
	if (len >= sizeof(e->cds_pdu))
		return 0;
	snprintf(o, 7, "0006%02X", (unsigned)mr & 0xff);
	o += 6;
	memcpy(o, sub + 2 * pos, (size_t)dabytes * 2);
	o += dabytes * 2;
	snprintf(o, sizeof(e->cds_pdu) - (size_t)(o - e->cds_pdu), "%s%s00",
	    ts, ts);
	return 1;
}

/* ASCII text -> packed GSM-7 hex (ASCII letters, digits and most
 * punctuation have the same code in the GSM default alphabet). */
static void
emu_pack7(const char *s, char *out, size_t outlen)
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s != '\0' && n + 4 < outlen; s++) {
		acc |= ((unsigned)*s & 0x7f) << bits;
		bits += 7;
		while (bits >= 8) {
			snprintf(out + n, outlen - n, "%02X", acc & 0xff);
			n += 2;
			acc >>= 8;
			bits -= 8;
		}
	}
	if (bits > 0 && n + 2 < outlen) {
		snprintf(out + n, outlen - n, "%02X", acc & 0xff);
		n += 2;
	}
	out[n] = '\0';
}

static void
emu_ussd_answer(struct emu *e)
{
	char path[4096], text[200] = "Soldul curent este 5.78 Euro, valabil "
	    "pana la 31.12.2026.", hex[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ussd", e->dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(text, sizeof(text), f) != NULL)
			text[strcspn(text, "\r\n")] = '\0';
		fclose(f);
	}
	if (e->ussd_mode == 2) {
		size_t n = 0;

		for (const char *t = text; *t != '\0' && n + 5 < sizeof(hex);
		    t++, n += 4)
			snprintf(hex + n, sizeof(hex) - n, "00%02X",
			    (unsigned)*t & 0x7f);
		hex[n] = '\0';
	} else
		emu_pack7(text, hex, sizeof(hex));
	{
		struct emu_vars v = { .hex = hex, .text = text };

		if (emu_data_answer(e, "@cusd", &v))
			return;
	}
	if (e->ussd_mode == 1)
		emu_info("+CUSD: 0,\"%s\",15", text);
	else
		emu_info("+CUSD: 0,\"%s\",%d", hex, e->ussd_mode == 2 ? 72 : 15);
}

/* ---- commands ---- */

static int
is_sim_command(const char *c)
{
	return strncasecmp(c, "AT+CPMS", 7) == 0 ||
	    strncasecmp(c, "AT+CMGL", 7) == 0 ||
	    strncasecmp(c, "AT+CMGR", 7) == 0 ||
	    strncasecmp(c, "AT+CMGD", 7) == 0 ||
	    strncasecmp(c, "AT+CMGS", 7) == 0;
}

static void
emu_noise(struct emu *e)
{
	static const char *lines[] = { "^RSSI: 17", "^BOOT:20952548,0,0,0,72",
	    "RING", "^MODE: 5,4", "^RSSI: 19" };

	emu_info("%s", lines[e->noise_k++ % 5]);
}

static void
emu_cmgs_done(struct emu *e, const char *pdu)
{
	char path[4096];
	struct emu_ctl c;
	const char *fault;
	FILE *f;
	int mr = 0, k = 0;

	emu_logcmd(e, "PDU ", pdu);
	fault = emu_control(e, &c, "AT+CMGS");
	/* The TP-MR counter and the sent folder persist across starts. */
	snprintf(path, sizeof(path), "%s/mr", e->dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%d", &mr) != 1)
			mr = 0;
		fclose(f);
	}
	if (c.hang)
		return;
	if (c.delay_ms + c.simdelay_ms > 0)
		usleep((useconds_t)(c.delay_ms + c.simdelay_ms) * 1000);
	if (fault != NULL) {
		emu_note(e, "fault %s on AT+CMGS", fault);
		if (strcmp(fault, "swallow") == 0)
			return;
		if (strcmp(fault, "cms500") == 0)
			emu_info("+CMS ERROR: 500");
		else
			emu_error();
		return;
	}
	mr = (mr + 1) % 256;
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%d\n", mr);
		fclose(f);
	}
	for (k = 1; k < 1000000; k++) {
		snprintf(path, sizeof(path), "%s/sent/%06d.pdu", e->dir, k);
		if (access(path, F_OK) == -1)
			break;
	}
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%s\n", pdu);
		fclose(f);
	}
	if (c.noise)
		emu_noise(e);
	emu_info("+CMGS: %d", mr);
	emu_ok();
	if (!c.noreport && emu_make_report(e, pdu, mr))
		e->cds_at = now_ms() + 300;
}

static void
emu_list(struct emu *e, int one)
{
	char pdu[EMU_PDU_MAX * 2 + 1];
	int st;

	const char *store = e->mem_sr ? "sr" : "sim";

	for (int i = 1; i <= EMU_SIM_SIZE && !e->mem_me; i++) {
		if (emu_sim_read(e, store, i, &st, pdu, sizeof(pdu)) == -1)
			continue;
		if (one > 0 && i != one)
			continue;
		struct emu_vars v = { .idx = i, .stat = st,
		    .len = emu_tpdu_len(pdu) };

		if (one > 0) {
			if (!emu_data_answer(e, "@cmgr", &v))
				emu_info("+CMGR: %d,,%d", st, v.len);
		} else if (!emu_data_answer(e, "@cmgl", &v))
			emu_info("+CMGL: %d,%d,,%d", i, st, v.len);
		emu_out("%s\r\n", pdu);
		if (st == 0)
			emu_sim_write(e, store, i, 1, pdu);
		if (one > 0) {
			emu_ok();
			return;
		}
	}
	if (one > 0) {
		if (emu_data_answer(e, "@cmgr_empty", NULL))
			return;
		if (e->empty_is_error)
			emu_info("+CMS ERROR: 321");
		else
			emu_ok();
		return;
	}
	emu_ok();
}

/* The due report stored in SR at the first free index, announced with
 * +CDSI (a modem set to AT+CNMI=...,2 for reports). */
static void
emu_store_report(struct emu *e)
{
	char tmp[EMU_PDU_MAX * 2 + 1];
	int st, idx;

	for (idx = 1; idx <= EMU_SIM_SIZE; idx++)
		if (emu_sim_read(e, "sr", idx, &st, tmp, sizeof(tmp)) == -1)
			break;
	if (idx > EMU_SIM_SIZE) {
		emu_note(e, "SR memory full, report dropped");
		return;
	}
	emu_sim_write(e, "sr", idx, 0, e->cds_pdu);
	emu_note(e, "stored delivery report at SR %d", idx);
	{
		struct emu_vars v = { .idx = idx };

		if (!emu_data_answer(e, "@cdsi", &v))
			emu_info("+CDSI: \"SR\",%d", idx);
	}
}

static void
emu_cpms(struct emu *e, const char *args, int cdsi)
{
	int used;

	if (strcmp(args, "=?") == 0 && cdsi) {
		/* Reports go to "SR": the modem must offer it, or libgammu
		 * ignores +CDSI. */
		if (!emu_data_answer(e, "@cpms_sr", NULL)) {
			emu_info("+CPMS: (\"SM\",\"ME\",\"SR\"),(\"SM\",\"ME\"),"
			    "(\"SM\",\"ME\")");
			emu_ok();
		}
		return;
	}
	if (strcmp(args, "=?") == 0) {
		emu_info("+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")");
		emu_ok();
		return;
	}
	used = emu_sim_used(e, "sim");
	if (strcmp(args, "?") == 0) {
		emu_info("+CPMS: \"SM\",%d,%d,\"SM\",%d,%d,\"SM\",%d,%d", used,
		    EMU_SIM_SIZE, used, EMU_SIM_SIZE, used, EMU_SIM_SIZE);
		emu_ok();
		return;
	}
	e->mem_me = strncasecmp(args, "=\"ME\"", 5) == 0;
	e->mem_sr = strncasecmp(args, "=\"SR\"", 5) == 0;
	used = emu_sim_used(e, e->mem_sr ? "sr" : "sim");
	if (e->mem_me)
		emu_info("+CPMS: 0,%d,0,%d,0,%d", 23, 23, 23);
	else {
		struct emu_vars v = { .used = used, .total = EMU_SIM_SIZE };

		if (!emu_data_answer(e, "@cpms_set", &v))
			emu_info("+CPMS: %d,%d,%d,%d,%d,%d", used,
			    EMU_SIM_SIZE, used, EMU_SIM_SIZE, used,
			    EMU_SIM_SIZE);
	}
	emu_ok();
}

static void
emu_command(struct emu *e, char *cmd)
{
	const struct emu_profile *p = e->p;
	struct emu_ctl c;
	const char *fault;
	char *a;

	emu_logcmd(e, "", cmd);
	/* AT+CMGS faults apply once the PDU is in (emu_cmgs_done). */
	fault = emu_control(e, &c, strncasecmp(cmd, "AT+CMGS=", 8) == 0 ?
	    NULL : cmd);
	if (c.vanish) {
		emu_note(e, "vanishing");
		exit(0);
	}
	if (c.hang)
		return;
	if (e->echo)
		emu_out("%s\r", cmd);
	if (c.delay_ms > 0)
		usleep((useconds_t)c.delay_ms * 1000);
	if (c.simdelay_ms > 0 && is_sim_command(cmd))
		usleep((useconds_t)c.simdelay_ms * 1000);
	if (c.noise)
		emu_noise(e);
	if (fault != NULL) {
		emu_note(e, "fault %s on %s", fault, cmd);
		if (strcmp(fault, "swallow") == 0)
			return;
		if (strcmp(fault, "cms500") == 0)
			emu_info("+CMS ERROR: 500");
		else
			emu_error();
		return;
	}
	if (strncasecmp(cmd, "AT", 2) != 0) {
		emu_error();
		return;
	}
	if (!(c.cdsi && strcasecmp(cmd, "AT+CPMS=?") == 0) &&
	    emu_data_answer(e, cmd, NULL))
		return;
	a = cmd + 2;
#define IS(s) (strcasecmp(a, s) == 0)
#define HAS(s) (strncasecmp(a, s, strlen(s)) == 0)
	if (*a == '\0' || IS("Z") || IS("&F") || IS("Q0") || IS("V1") ||
	    HAS("+CMEE=") || HAS("+CMGF=0") || HAS("+CSCS=\"") ||
	    HAS("+CNMI=2") || HAS("+CFUN=") || HAS("+CSMS=") ||
	    IS("+CUSD=0") || IS("+CUSD=1") || IS("+CUSD=2") ||
	    HAS("+CLIP=") ||
	    HAS("+CRC=") || (HAS("^") && strcmp(p->name, "huawei") == 0 &&
	    strchr(a, '=') != NULL && strchr(a, '?') == NULL)) {
		emu_ok();
	} else if (IS("E0") || IS("E1") || IS("E")) {
		e->echo = a[1] == '1';
		emu_ok();
	} else if (IS("+CGMI") || IS("+GMI")) {
		emu_info("%s", p->cgmi);
		emu_ok();
	} else if (IS("+CGMM") || IS("+GMM")) {
		emu_info("%s", p->cgmm);
		emu_ok();
	} else if (IS("+CGMR") || IS("+GMR")) {
		emu_info("%s", p->cgmr);
		emu_ok();
	} else if (IS("+CGSN") || IS("+GSN")) {
		emu_info("%s", p->imei);
		emu_ok();
	} else if (IS("+CIMI")) {
		emu_info("%s", p->imsi);
		emu_ok();
	} else if (IS("+CPIN?")) {
		emu_info("+CPIN: READY");
		emu_ok();
	} else if (IS("+CFUN?")) {
		emu_info("+CFUN: 1");
		emu_ok();
	} else if (IS("+CMGF=?")) {
		emu_info("+CMGF: (0,1)");
		emu_ok();
	} else if (IS("+CSCS=?")) {
		emu_info("+CSCS: (\"IRA\",\"GSM\",\"UCS2\")");
		emu_ok();
	} else if (IS("+CSCS?")) {
		emu_info("+CSCS: \"GSM\"");
		emu_ok();
	} else if (IS("+CNMI=?")) {
		emu_info("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)");
		emu_ok();
	} else if (HAS("+CREG=") && a[6] != '?') {
		e->creg_mode = emu_int(a + 6);
		emu_ok();
	} else if (IS("+CREG?")) {
		if (e->creg_mode == 2 && emu_data_answer(e, "@creg2", NULL))
			;
		else if (e->creg_mode == 2)
			emu_info("+CREG: 2,1,\"00B0\",\"1F2E\"");
		else
			emu_info("+CREG: %d,1", e->creg_mode);
		emu_ok();
	} else if (HAS("+CGREG=") && a[7] != '?') {
		e->cgreg_mode = emu_int(a + 7);
		emu_ok();
	} else if (IS("+CGREG?")) {
		if (e->cgreg_mode == 2)
			emu_info("+CGREG: 2,1,\"00B0\",\"1F2E\"");
		else
			emu_info("+CGREG: %d,1", e->cgreg_mode);
		emu_ok();
	} else if (IS("+CGATT?")) {
		emu_info("+CGATT: 1");
		emu_ok();
	} else if (HAS("+COPS=3,")) {
		e->cops_format = emu_int(a + 8);
		emu_ok();
	} else if (IS("+COPS?")) {
		if (e->cops_format == 2)
			emu_info("+COPS: 0,2,\"%s\",2", p->oper);
		else
			emu_info("+COPS: 0,%d,\"%s\",2", e->cops_format,
			    p->oper_name);
		emu_ok();
	} else if (IS("+CSQ")) {
		emu_info("+CSQ: 18,99");
		emu_ok();
	} else if (HAS("+CPMS")) {
		emu_cpms(e, a + 5, c.cdsi);
	} else if (HAS("+CMGL")) {
		emu_list(e, 0);
	} else if (HAS("+CMGR=")) {
		emu_list(e, emu_int(a + 6) > 0 ? emu_int(a + 6) : -1);
	} else if (HAS("+CMGD=")) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s/%d", e->dir,
		    e->mem_sr ? "sr" : "sim",
		    emu_int(a + 6));
		unlink(path);
		emu_ok();
	} else if (IS("+CSCA?")) {
		emu_info("+CSCA: \"%s\",145", p->smsc);
		emu_ok();
	} else if (HAS("+CMGS=")) {
		emu_out("\r\n> ");
		e->in_pdu = 1;
	} else if (HAS("+CUSD=1,")) {
		emu_ok();
		e->ussd_at = now_ms() + 200;
	} else
		emu_error();
#undef IS
#undef HAS
}

static void
emu_input(struct emu *e, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (e->in_pdu) {
			if (ch == 0x1a || ch == 0x1b) {
				e->line[e->len] = '\0';
				e->in_pdu = 0;
				if (ch == 0x1a)
					emu_cmgs_done(e, e->line);
				else
					emu_ok();
				e->len = 0;
			} else if (ch != '\r' && ch != '\n' &&
			    e->len + 1 < sizeof(e->line))
				e->line[e->len++] = ch;
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			if (e->len == 0)
				continue;
			e->line[e->len] = '\0';
			e->len = 0;
			emu_command(e, e->line);
			continue;
		}
		if (e->len + 1 < sizeof(e->line))
			e->line[e->len++] = ch;
	}
}

int
main(int argc, char **argv)
{
	struct emu e;
	struct emu_ctl c;
	char path[4096];
	const char *data = NULL;
	int i = 1;

	memset(&e, 0, sizeof(e));
	e.p = &emu_profiles[0];
	e.echo = 1;
	if (argc >= i + 2 && strcmp(argv[i], "--profile") == 0) {
		e.p = NULL;
		for (size_t k = 0; k < sizeof(emu_profiles) /
		    sizeof(emu_profiles[0]); k++)
			if (strcmp(argv[i + 1], emu_profiles[k].name) == 0)
				e.p = &emu_profiles[k];
		if (e.p == NULL) {
			fprintf(stderr, "at-emulator: unknown profile %s\n",
			    argv[i + 1]);
			return 2;
		}
		i += 2;
	}
	e.empty_is_error = e.p->empty_is_error;
	e.ussd_mode = e.p->ussd_packed ? 0 : 1;
	if (argc >= i + 2 && strcmp(argv[i], "--data") == 0) {
		data = argv[i + 1];
		emu_data_load(&e, data);
		i += 2;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: at-emulator [--profile huawei|sim800] "
		    "[--data FILE] DIR\n");
		return 2;
	}
	e.dir = argv[i];
	signal(SIGPIPE, SIG_IGN);
	snprintf(path, sizeof(path), "%s/sim", e.dir);
	mkdir(e.dir, 0777);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/sent", e.dir);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/sr", e.dir);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/inject", e.dir);
	mkdir(path, 0777);
	(void)emu_control(&e, &c, NULL);
	if (c.vanish) {
		emu_note(&e, "start refused: vanished");
		return 1;
	}
	emu_note(&e, "start profile %s, %d answers from %s", e.p->name,
	    e.n_data, e.n_data > 0 ? data : "(built in)");
	/* Messages injected while no one was connected wait on the SIM,
	 * as on a real modem (no +CMTI for them). */
	emu_take_injected(&e, 0);
	e.next_noise = now_ms() + 1000;

	for (;;) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		char buf[1024];
		int64_t now;
		int r = poll(&pfd, 1, 50);

		if (r > 0) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n <= 0)
				break;
			emu_input(&e, buf, (size_t)n);
		}
		if (e.in_pdu || e.len > 0)
			continue;
		(void)emu_control(&e, &c, NULL);
		if (c.vanish) {
			emu_note(&e, "vanishing");
			break;
		}
		if (c.hang)
			continue;
		now = now_ms();
		if (e.ussd_at != 0 && now >= e.ussd_at) {
			e.ussd_at = 0;
			emu_ussd_answer(&e);
		}
		if (e.cds_at != 0 && now >= e.cds_at && c.cdsi) {
			e.cds_at = 0;
			emu_store_report(&e);
		}
		if (e.cds_at != 0 && now >= e.cds_at) {
			e.cds_at = 0;
			struct emu_vars v = {
				.len = (int)strlen(e.cds_pdu) / 2 - 1,
				.hex = e.cds_pdu };

			if (!emu_data_answer(&e, "@cds", &v)) {
				emu_info("+CDS: %d", v.len);
				emu_out("%s\r\n", e.cds_pdu);
			}
		}
		if (c.noise && now >= e.next_noise) {
			e.next_noise = now + 1000;
			emu_noise(&e);
		}
		emu_take_injected(&e, 1);
	}
	emu_note(&e, "exit");
	return 0;
}
