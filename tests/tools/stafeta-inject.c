/*
 * stafeta-inject - put incoming SMS into a Gammu dummy modem's inbox.
 *
 *   stafeta-inject DIR [options] SENDER TEXT
 *
 * Writes SMS-DELIVER parts (or one status report) into DIR/sms/1/ in
 * Gammu's SMS-backup format, one physical part per file, as a real modem
 * stores them.  Each part is written to a temporary name in DIR and then
 * hard-linked to the first free location number, so a running daemon
 * never parses a half-written file and two injectors never collide.
 *
 * Options:
 *   --count N        inject N messages (default 1)
 *   --number-texts   append " #i" (i = 1..N) to each message's text
 *   --unicode        force UCS-2 even for GSM-7 text
 *   --concat16       16-bit concatenation references (default 8-bit,
 *                    or 16-bit when --count is above 256)
 *   --ref R          use reference R for every message (default: unique)
 *   --shuffle        write the parts of each message in random order
 *   --skip-part K    leave out part K of every message (incomplete)
 *   --report MR:ST   write a status report for SENDER instead, with TP-MR
 *                    MR and status text ST (Delivered, Failed, Pending)
 *   --time T         SMSC time YYYYMMDDTHHMMSS (UTC) of the first message
 *   --start N        first location number to try (default 1)
 *   --folder F       inbox folder, 1 (SIM) or 3 (phone); default 1
 *   --smsc NUMBER    SMSC number (default +40700000000; reports 123456)
 *   --seed S         seed for the random references and part order, so a
 *                    failing test can be replayed (default: time and pid)
 *
 * Message i is stamped with SMSC time T + i seconds: the gateway's dedup key
 * includes the SMSC time, so N copies of one text stay N messages.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gammu.h>
#undef UNUSED

#include "clock.h"
#include "gsm_text.h"
#include "modem.h"
#include "util.h"

struct inject_opts {
	const char *dir;	/* the dummy modem folder */
	const char *sender;	/* SENDER */
	const char *text;	/* TEXT (UTF-8) */
	long count;		/* messages */
	int number_texts;	/* append " #i" */
	int unicode;		/* force UCS-2 */
	int concat16;		/* 16-bit references */
	long ref;		/* fixed reference, -1 = unique */
	int shuffle;		/* random part order */
	long skip_part;		/* 1-based part to omit, 0 = none */
	int report;		/* write a status report */
	long report_mr;		/* its TP-MR */
	const char *report_status; /* its status text */
	time_t time0;		/* SMSC time of message 0 */
	long start;		/* first location to try */
	long folder;		/* 1 or 3 */
	const char *smsc;	/* SMSC number */
	long seed;		/* --seed, -1 = from time and pid */
};

static void usage(void) __attribute__((noreturn));
static long num_arg(const char *, const char *, long, long);
static time_t parse_time(const char *);
static void put_ucs2(unsigned char *, size_t, const char *);
static void to_datetime(time_t, GSM_DateTime *);
static int write_part(const struct inject_opts *, GSM_SMSMessage *,
    GSM_SMS_Backup *, long *, long *, long *);

static void
usage(void)
{
	fprintf(stderr, "usage: stafeta-inject DIR [--count N] "
	    "[--number-texts] [--unicode] [--concat16] [--ref R] [--shuffle]\n"
	    "       [--skip-part K] [--report MR:STATUS] "
	    "[--time YYYYMMDDTHHMMSS] [--start N]\n"
	    "       [--folder 1|3] [--smsc NUMBER] [--seed S] SENDER TEXT\n");
	exit(2);
}

static long
num_arg(const char *opt, const char *v, long min, long max)
{
	int64_t n;

	if (v == NULL || parse_int64(v, min, max, &n) == -1) {
		fprintf(stderr, "stafeta-inject: %s needs a number in "
		    "%ld..%ld\n", opt, min, max);
		exit(2);
	}
	return (long)n;
}

static time_t
parse_time(const char *s)
{
	struct tm tm;
	int64_t v[6];
	static const int off[6] = { 0, 4, 6, 9, 11, 13 };
	static const int len[6] = { 4, 2, 2, 2, 2, 2 };
	char part[5];

	if (strlen(s) != 15 || s[8] != 'T')
		goto bad;
	for (int i = 0; i < 6; i++) {
		memcpy(part, s + off[i], (size_t)len[i]);
		part[len[i]] = '\0';
		if (parse_int64(part, 0, 9999, &v[i]) == -1)
			goto bad;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		goto bad;
	return timegm(&tm);
bad:
	fprintf(stderr, "stafeta-inject: --time wants YYYYMMDDTHHMMSS\n");
	exit(2);
}

/* UTF-8 -> libgammu's UCS-2BE with two NULs; exits on invalid input. */
static void
put_ucs2(unsigned char *out, size_t maxunits, const char *utf8)
{
	uint16_t *u = xcalloc(maxunits + 1, sizeof(*u));
	long n = gsm_text_utf8_to_ucs2(utf8, strlen(utf8), u, maxunits);

	if (n < 0) {
		fprintf(stderr, "stafeta-inject: text is not valid UTF-8\n");
		exit(2);
	}
	for (long i = 0; i < n; i++) {
		out[2 * i] = (unsigned char)(u[i] >> 8);
		out[2 * i + 1] = (unsigned char)(u[i] & 0xff);
	}
	out[2 * n] = out[2 * n + 1] = 0;
	free(u);
}

static void
to_datetime(time_t t, GSM_DateTime *dt)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	memset(dt, 0, sizeof(*dt));
	dt->Year = tm.tm_year + 1900;
	dt->Month = tm.tm_mon + 1;
	dt->Day = tm.tm_mday;
	dt->Hour = tm.tm_hour;
	dt->Minute = tm.tm_min;
	dt->Second = tm.tm_sec;
	dt->Timezone = 0;
}

/*
 * Writes one part to a temporary file and links it to the first free
 * location at or after *next.  Updates *next, *first and *last.
 */
static int
write_part(const struct inject_opts *o, GSM_SMSMessage *sms,
    GSM_SMS_Backup *bk, long *next, long *first, long *last)
{
	char tmp[4096], path[4096];
	GSM_Error e;

	snprintf(tmp, sizeof(tmp), "%s/.inject.%ld.tmp", o->dir,
	    (long)getpid());
	(void)unlink(tmp); /* GSM_AddSMSBackupFile appends */
	bk->SMS[0] = sms;
	bk->SMS[1] = NULL;
	e = GSM_AddSMSBackupFile(tmp, bk);
	if (e != ERR_NONE) {
		fprintf(stderr, "stafeta-inject: %s: %s\n", tmp,
		    GSM_ErrorString(e));
		return -1;
	}
	for (;; (*next)++) {
		if (*next > 10000) {
			fprintf(stderr, "stafeta-inject: %s/sms/%ld is full "
			    "(10000 locations)\n", o->dir, o->folder);
			(void)unlink(tmp);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/sms/%ld/%ld", o->dir,
		    o->folder, *next);
		/* link() fails if the name exists: no overwrite, no race. */
		if (link(tmp, path) == 0)
			break;
		if (errno != EEXIST) {
			fprintf(stderr, "stafeta-inject: %s: %s\n", path,
			    strerror(errno));
			(void)unlink(tmp);
			return -1;
		}
	}
	(void)unlink(tmp);
	if (*first == 0)
		*first = *next;
	*last = *next;
	(*next)++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct inject_opts o;
	const char *pos[3];
	int npos = 0;
	GSM_SMS_Backup *bk;
	GSM_MultiSMSMessage *multi;
	GSM_MultiPartSMSInfo info;
	unsigned char *ubuf;
	size_t maxunits = 50 * 160;
	long next, first = 0, last = 0, files = 0, ref_base;
	unsigned int seed;
	char path[4096];
	char *encoded_for = NULL;
	int parts_per_msg = 0;

	memset(&o, 0, sizeof(o));
	o.count = 1;
	o.ref = -1;
	o.start = 1;
	o.folder = 1;
	o.seed = -1;
	/* The phone network's clock follows the test clock (clock.h), like
	 * the daemon's. */
	o.time0 = (time_t)(clock_now_ms() / 1000);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--count") == 0) {
			o.count = num_arg(a, v, 1, 1000000);
			i++;
		} else if (strcmp(a, "--number-texts") == 0)
			o.number_texts = 1;
		else if (strcmp(a, "--unicode") == 0)
			o.unicode = 1;
		else if (strcmp(a, "--concat16") == 0)
			o.concat16 = 1;
		else if (strcmp(a, "--ref") == 0) {
			o.ref = num_arg(a, v, 0, 65535);
			i++;
		} else if (strcmp(a, "--shuffle") == 0)
			o.shuffle = 1;
		else if (strcmp(a, "--skip-part") == 0) {
			o.skip_part = num_arg(a, v, 1, 255);
			i++;
		} else if (strcmp(a, "--report") == 0) {
			const char *colon = v != NULL ? strchr(v, ':') : NULL;
			char mr[16];

			if (colon == NULL || (size_t)(colon - v) >= sizeof(mr))
				usage();
			memcpy(mr, v, (size_t)(colon - v));
			mr[colon - v] = '\0';
			o.report = 1;
			o.report_mr = num_arg(a, mr, 0, 255);
			o.report_status = colon + 1;
			i++;
		} else if (strcmp(a, "--time") == 0) {
			if (v == NULL)
				usage();
			o.time0 = parse_time(v);
			i++;
		} else if (strcmp(a, "--start") == 0) {
			o.start = num_arg(a, v, 1, 10000);
			i++;
		} else if (strcmp(a, "--folder") == 0) {
			o.folder = num_arg(a, v, 1, 3);
			if (o.folder == 2)
				usage();
			i++;
		} else if (strcmp(a, "--smsc") == 0) {
			if (v == NULL)
				usage();
			o.smsc = v;
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			o.seed = num_arg(a, v, 0, 2147483647);
			i++;
		} else if (strncmp(a, "--", 2) == 0 && a[2] != '\0')
			usage();
		else if (npos < 3)
			pos[npos++] = a;
		else
			usage();
	}
	if (npos != 3)
		usage();
	o.dir = pos[0];
	o.sender = pos[1];
	o.text = pos[2];
	if (o.smsc == NULL)
		o.smsc = o.report ? "123456" : "+40700000000";
	/* 8-bit references repeat after 256 messages, and parts of two
	 * pending messages with the same (sender, ref, total) would mix. */
	if (o.count > 256 && o.ref < 0 && !o.concat16) {
		fprintf(stderr, "stafeta-inject: more than 256 messages: "
		    "using 16-bit references\n");
		o.concat16 = 1;
	}

	snprintf(path, sizeof(path), "%s/sms/%ld", o.dir, o.folder);
	if (mkdir_p(path, 0755) == -1) {
		fprintf(stderr, "stafeta-inject: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	bk = xcalloc(1, sizeof(*bk)); /* ~800 kB, never on the stack */
	multi = xcalloc(1, sizeof(*multi));
	ubuf = xcalloc(maxunits + 1, 2);
	seed = o.seed >= 0 ? (unsigned int)o.seed :
	    (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 8);
	ref_base = (long)(rand_r(&seed) % 65536);
	next = o.start;

	for (long n = 0; n < o.count; n++) {
		char *text = o.number_texts ?
		    xasprintf("%s #%ld", o.text, n + 1) : xstrdup(o.text);
		int order[GSM_MAX_MULTI_SMS];
		GSM_DateTime dt;

		to_datetime(o.time0 + n, &dt);
		if (o.report) {
			GSM_SMSMessage sms;

			memset(&sms, 0, sizeof(sms));
			sms.PDU = SMS_Status_Report;
			sms.State = SMS_UnRead;
			sms.Folder = (int)o.folder;
			sms.InboxFolder = TRUE;
			sms.Class = -1;
			sms.UDH.Type = UDH_NoUDH;
			sms.Coding = SMS_Coding_Default_No_Compression;
			sms.MessageReference = (unsigned char)o.report_mr;
			sms.DateTime = dt;
			sms.SMSCTime = dt;
			put_ucs2(sms.Text, GSM_MAX_SMS_LENGTH, o.report_status);
			sms.Length = (int)UnicodeLength(sms.Text);
			put_ucs2(sms.Number, GSM_MAX_NUMBER_LENGTH, o.sender);
			put_ucs2(sms.SMSC.Number, GSM_MAX_NUMBER_LENGTH,
			    o.smsc);
			if (write_part(&o, &sms, bk, &next, &first, &last))
				return 1;
			files++;
			free(text);
			continue;
		}
		/* Encode once unless the text changes per message. */
		if (encoded_for == NULL || strcmp(encoded_for, text) != 0) {
			GSM_Error e;

			put_ucs2(ubuf, maxunits, text);
			GSM_ClearMultiPartSMSInfo(&info);
			info.Class = -1;
			info.EntriesNum = 1;
			info.UnicodeCoding = o.unicode ||
			    !gsm_text_is_gsm7(text);
			info.Entries[0].ID = o.concat16 ?
			    SMS_ConcatenatedTextLong16bit :
			    SMS_ConcatenatedTextLong;
			info.Entries[0].Buffer = ubuf;
			e = GSM_EncodeMultiPartSMS(NULL, &info, multi);
			if (e != ERR_NONE) {
				fprintf(stderr, "stafeta-inject: encode: %s\n",
				    GSM_ErrorString(e));
				return 1;
			}
			free(encoded_for);
			encoded_for = xstrdup(text);
			parts_per_msg = multi->Number;
		}
		for (int i = 0; i < multi->Number; i++)
			order[i] = i;
		if (o.shuffle) {
			for (int i = multi->Number - 1; i > 0; i--) {
				int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
		}
		for (int k = 0; k < multi->Number; k++) {
			GSM_SMSMessage sms = multi->SMS[order[k]];

			if (o.skip_part == order[k] + 1 && multi->Number > 1)
				continue;
			sms.PDU = SMS_Deliver;
			sms.State = SMS_UnRead;
			sms.Folder = (int)o.folder;
			sms.InboxFolder = TRUE;
			sms.DateTime = dt;
			sms.SMSCTime = dt;
			put_ucs2(sms.Number, GSM_MAX_NUMBER_LENGTH, o.sender);
			put_ucs2(sms.SMSC.Number, GSM_MAX_NUMBER_LENGTH,
			    o.smsc);
			if (sms.UDH.Type != UDH_NoUDH) {
				long r = o.ref >= 0 ? o.ref : ref_base + n;

				if (sms.UDH.Type ==
				    UDH_ConcatenatedMessages16bit) {
					sms.UDH.ID8bit = -1;
					sms.UDH.ID16bit = (int)(r % 65536);
				} else {
					sms.UDH.ID8bit = (int)(r % 256);
					sms.UDH.ID16bit = -1;
				}
				GSM_EncodeUDHHeader(NULL, &sms.UDH);
			}
			if (write_part(&o, &sms, bk, &next, &first, &last))
				return 1;
			files++;
		}
		free(text);
	}
	if (o.report)
		printf("wrote %ld status report(s) to %s/sms/%ld, locations "
		    "%ld..%ld\n", files, o.dir, o.folder, first, last);
	else
		printf("wrote %ld message(s) x %d part(s) = %ld file(s) to "
		    "%s/sms/%ld, locations %ld..%ld\n", o.count,
		    parts_per_msg, files, o.dir, o.folder, first, last);
	free(encoded_for);
	free(ubuf);
	free(multi);
	free(bk);
	return 0;
}
