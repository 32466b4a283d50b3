/*
 * at-pdu - PDUs for the AT modem emulator, built and read with libgammu.
 *
 *   at-pdu deliver [--unicode] [--ref R] [--time UNIX] SENDER TEXT
 *       prints the SMS-DELIVER PDU(s) of TEXT from SENDER, hex with the
 *       SMSC address in front, one part per line in part order (shuffle
 *       or reverse the lines for out-of-order delivery); write them to
 *       the emulator's inject/ folder
 *   at-pdu decode
 *       reads PDU hex lines (with SMSC address, as the emulator stores
 *       what AT+CMGS sent) on stdin and prints one line per PDU:
 *       "NUMBER<TAB>PART<TAB>TOTAL<TAB>REPORT<TAB>TEXT" with the text in
 *       UTF-8, PART/TOTAL 1/1 for a single SMS, REPORT 1 if TP-SRR is set
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gammu.h>
#undef UNUSED

#include "gsm_text.h"
#include "util.h"

static void
put_ucs2(unsigned char *out, size_t maxunits, const char *utf8)
{
	uint16_t *u = xcalloc(maxunits + 1, sizeof(*u));
	long n = gsm_text_utf8_to_ucs2(utf8, strlen(utf8), u, maxunits);

	if (n < 0) {
		fprintf(stderr, "at-pdu: text is not valid UTF-8\n");
		exit(2);
	}
	for (long i = 0; i < n; i++) {
		out[2 * i] = (unsigned char)(u[i] >> 8);
		out[2 * i + 1] = (unsigned char)(u[i] & 0xff);
	}
	out[2 * n] = out[2 * n + 1] = 0;
	free(u);
}

static char *
get_utf8(const unsigned char *b, size_t max)
{
	uint16_t *u = xcalloc(max / 2 + 1, sizeof(*u));
	size_t n = 0;
	char *s;

	for (size_t i = 0; i + 1 < max; i += 2) {
		uint16_t v = (uint16_t)((b[i] << 8) | b[i + 1]);

		if (v == 0)
			break;
		u[n++] = v;
	}
	s = gsm_text_ucs2_to_utf8(u, n);
	free(u);
	return s != NULL ? s : xstrdup("?");
}

/* A whole decimal option value; exits 2 (a tool's usage error) if not. */
static int64_t
pdu_num(const char *s)
{
	int64_t v;

	if (parse_int64(s, 0, INT64_MAX, &v) != 0) {
		fprintf(stderr, "at-pdu: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static int
deliver(int argc, char **argv)
{
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi = xcalloc(1, sizeof(*multi));
	size_t maxunits = 50 * 160;
	unsigned char *ubuf = xcalloc(maxunits + 1, 2);
	int unicode = 0, i = 0;
	long ref = 42;
	time_t t = time(NULL);
	struct tm tm;
	GSM_Error e;

	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--unicode") == 0)
			unicode = 1;
		else if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc)
			ref = (long)pdu_num(argv[++i]);
		else if (strcmp(argv[i], "--time") == 0 && i + 1 < argc)
			t = (time_t)pdu_num(argv[++i]);
		else
			return 2;
		i++;
	}
	if (argc - i != 2)
		return 2;
	put_ucs2(ubuf, maxunits, argv[i + 1]);
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = unicode || !gsm_text_is_gsm7(argv[i + 1]);
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = ubuf;
	e = GSM_EncodeMultiPartSMS(NULL, &info, multi);
	if (e != ERR_NONE) {
		fprintf(stderr, "at-pdu: encode: %s\n", GSM_ErrorString(e));
		return 1;
	}
	gmtime_r(&t, &tm);
	for (int k = 0; k < multi->Number; k++) {
		GSM_SMSMessage *sms = &multi->SMS[k];
		unsigned char buf[400];
		int len = 0;

		sms->PDU = SMS_Deliver;
		memset(&sms->DateTime, 0, sizeof(sms->DateTime));
		sms->DateTime.Year = tm.tm_year + 1900;
		sms->DateTime.Month = tm.tm_mon + 1;
		sms->DateTime.Day = tm.tm_mday;
		sms->DateTime.Hour = tm.tm_hour;
		sms->DateTime.Minute = tm.tm_min;
		sms->DateTime.Second = tm.tm_sec;
		sms->SMSCTime = sms->DateTime;
		put_ucs2(sms->Number, GSM_MAX_NUMBER_LENGTH, argv[i]);
		put_ucs2(sms->SMSC.Number, GSM_MAX_NUMBER_LENGTH,
		    "+40744946000");
		if (sms->UDH.Type != UDH_NoUDH) {
			sms->UDH.ID8bit = (int)(ref & 0xff);
			sms->UDH.ID16bit = -1;
			GSM_EncodeUDHHeader(NULL, &sms->UDH);
		}
		memset(buf, 0, sizeof(buf));
		e = GSM_EncodeSMSFrame(NULL, sms, buf, PHONE_SMSDeliver, &len,
		    TRUE);
		if (e != ERR_NONE) {
			fprintf(stderr, "at-pdu: frame: %s\n",
			    GSM_ErrorString(e));
			return 1;
		}
		/* The layout is libgammu's fixed-offset frame; a PDU is the
		 * fields in order (as ATGEN_MakeSMSFrame does for SUBMIT). */
		{
			const GSM_SMSMessageLayout *l = &PHONE_SMSDeliver;
			unsigned char out[400];
			int o = 0, tl = len - l->Text;

			for (int b = 0; b <= buf[l->SMSCNumber]; b++)
				out[o++] = buf[l->SMSCNumber + b];
			out[o++] = buf[l->firstbyte];
			for (int b = 0; b < (buf[l->Number] + 1) / 2 + 2; b++)
				out[o++] = buf[l->Number + b];
			out[o++] = buf[l->TPPID];
			out[o++] = buf[l->TPDCS];
			for (int b = 0; b < 7; b++)
				out[o++] = buf[l->DateTime + b];
			out[o++] = buf[l->TPUDL];
			for (int b = 0; b < tl; b++)
				out[o++] = buf[l->Text + b];
			for (int b = 0; b < o; b++)
				printf("%02X", out[b]);
			printf("\n");
		}
	}
	free(multi);
	free(ubuf);
	return 0;
}

static int
decode(void)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		unsigned char buf[400];
		size_t n = 0, pos = 0, hexlen;
		GSM_SMSMessage sms;
		char *num, *text;
		int part = 1, total = 1, sca, srr;
		GSM_Error e;

		line[strcspn(line, "\r\n")] = '\0';
		/* The hex digits the line starts with, whole bytes, at most
		 * what buf holds. */
		hexlen = strspn(line, "0123456789ABCDEFabcdef") & ~(size_t)1;
		if (hexlen > 2 * sizeof(buf))
			hexlen = 2 * sizeof(buf);
		if (!DecodeHexBin(buf, (const unsigned char *)line, hexlen))
			continue;
		n = hexlen / 2;
		if (n < 2)
			continue;
		sca = buf[0];
		srr = (size_t)sca + 1 < n && (buf[sca + 1] & 0x20) != 0;
		memset(&sms, 0, sizeof(sms));
		e = GSM_DecodePDUFrame(NULL, &sms, buf, n, &pos, TRUE);
		if (e != ERR_NONE) {
			printf("?\t0\t0\t0\tundecodable: %s\n",
			    GSM_ErrorString(e));
			continue;
		}
		if (sms.UDH.Type != UDH_NoUDH && sms.UDH.AllParts > 0) {
			part = sms.UDH.PartNumber;
			total = sms.UDH.AllParts;
		}
		num = get_utf8(sms.Number, sizeof(sms.Number));
		text = get_utf8(sms.Text, sizeof(sms.Text));
		printf("%s\t%d\t%d\t%d\t%s\n", num, part, total, srr, text);
		free(num);
		free(text);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && strcmp(argv[1], "deliver") == 0)
		rc = deliver(argc - 2, argv + 2);
	else if (argc == 2 && strcmp(argv[1], "decode") == 0)
		rc = decode();
	if (rc == 2)
		fprintf(stderr, "usage: at-pdu deliver [--unicode] [--ref R] "
		    "[--time UNIX] SENDER TEXT\n       at-pdu decode < PDUS\n");
	return rc;
}
