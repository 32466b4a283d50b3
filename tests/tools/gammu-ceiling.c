/*
 * gammu-ceiling - the fastest a bare libgammu loop can go on a dummy
 * modem folder: the benchmark's ceiling reference.
 *
 *   gammu-ceiling DIR recv      read and delete every SMS in DIR
 *   gammu-ceiling DIR send N    send N one-part messages
 *
 * recv is GSM_GetNextSMS (Folder 0) + GSM_DeleteSMS per location until
 * ERR_EMPTY, with no decoding and no storage; send is GSM_SendSMS of one
 * pre-encoded part with the status callback.  Both print one line:
 *   recv N parts in S s = R parts/s
 *   send N msgs in S s = R msgs/s
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gammu.h>
#undef UNUSED

#include "clock.h"
#include "util.h"

static int sent_status = -1; /* set by the send-status callback */

static void
on_send(GSM_StateMachine *s, int status, int mr, void *ud)
{
	(void)s;
	(void)mr;
	(void)ud;
	sent_status = status;
}

static GSM_StateMachine *
ceiling_connect(const char *dir)
{
	GSM_StateMachine *s = GSM_AllocStateMachine();
	GSM_Config *c;
	GSM_Error e;

	if (s == NULL)
		return NULL;
	c = GSM_GetConfig(s, 0);
	(void)GSM_ReadConfig(NULL, c, 0);
	free(c->Device);
	c->Device = xstrdup(dir);
	free(c->Connection);
	c->Connection = xstrdup("none");
	strlcpy_s(c->Model, "dummy", sizeof(c->Model));
	c->UseGlobalDebugFile = FALSE;
	GSM_SetConfigNum(s, 1);
	e = GSM_InitConnection(s, 1);
	if (e != ERR_NONE) {
		fprintf(stderr, "gammu-ceiling: connect %s: %s\n", dir,
		    GSM_ErrorString(e));
		GSM_FreeStateMachine(s);
		return NULL;
	}
	/* The dummy driver crashes without it. */
	GSM_SetSendSMSStatusCallback(s, on_send, NULL);
	return s;
}

static int
ceiling_recv(GSM_StateMachine *s)
{
	GSM_MultiSMSMessage *m = xcalloc(1, sizeof(*m));
	GSM_SMSMessage *del = xcalloc(1, sizeof(*del));
	GSM_Error e;
	long parts = 0;
	int64_t t0 = clock_mono_ms(), t1;
	double secs;
	gboolean start = TRUE;

	for (;;) {
		m->SMS[0].Folder = 0;
		e = GSM_GetNextSMS(s, m, start);
		if (e == ERR_EMPTY)
			break;
		if (e != ERR_NONE) {
			fprintf(stderr, "gammu-ceiling: GetNextSMS: %s\n",
			    GSM_ErrorString(e));
			free(m);
			free(del);
			return 1;
		}
		start = FALSE;
		if (!m->SMS[0].InboxFolder)
			continue;
		parts += m->Number;
		/* Delete through a copy: DeleteSMS rewrites Folder/Location,
		 * which the next GetNextSMS needs as it returned them. */
		del->Folder = 0;
		del->Location = m->SMS[0].Location;
		e = GSM_DeleteSMS(s, del);
		if (e != ERR_NONE && e != ERR_EMPTY) {
			fprintf(stderr, "gammu-ceiling: DeleteSMS: %s\n",
			    GSM_ErrorString(e));
			free(m);
			free(del);
			return 1;
		}
	}
	t1 = clock_mono_ms();
	secs = (double)(t1 - t0) / 1000.0;
	printf("recv %ld parts in %.3f s = %.1f parts/s\n", parts, secs,
	    secs > 0 ? (double)parts / secs : 0.0);
	free(m);
	free(del);
	return 0;
}

static int
ceiling_send(GSM_StateMachine *s, long n)
{
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *multi = xcalloc(1, sizeof(*multi));
	GSM_SMSC smsc;
	GSM_Error e;
	unsigned char text[64], number[64];
	const char *t = "Mesaj de test", *num = "+40744555666";
	int64_t t0, t1;
	double secs;

	memset(text, 0, sizeof(text));
	memset(number, 0, sizeof(number));
	/* ASCII -> UCS-2BE by hand: EncodeUnicode depends on the locale. */
	for (size_t i = 0; t[i] != '\0'; i++)
		text[2 * i + 1] = (unsigned char)t[i];
	for (size_t i = 0; num[i] != '\0'; i++)
		number[2 * i + 1] = (unsigned char)num[i];
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = FALSE;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = text;
	e = GSM_EncodeMultiPartSMS(NULL, &info, multi);
	if (e != ERR_NONE) {
		fprintf(stderr, "gammu-ceiling: encode: %s\n",
		    GSM_ErrorString(e));
		free(multi);
		return 1;
	}
	memset(&smsc, 0, sizeof(smsc));
	smsc.Location = 1;
	if (GSM_GetSMSC(s, &smsc) != ERR_NONE)
		memset(&smsc, 0, sizeof(smsc));
	CopyUnicodeString(multi->SMS[0].SMSC.Number, smsc.Number);
	CopyUnicodeString(multi->SMS[0].Number, number);
	multi->SMS[0].PDU = SMS_Submit;

	t0 = clock_mono_ms();
	for (long i = 0; i < n; i++) {
		int64_t deadline = clock_mono_ms() + 60000;

		sent_status = -1;
		e = GSM_SendSMS(s, &multi->SMS[0]);
		if (e != ERR_NONE) {
			fprintf(stderr, "gammu-ceiling: SendSMS: %s\n",
			    GSM_ErrorString(e));
			free(multi);
			return 1;
		}
		while (sent_status == -1 && clock_mono_ms() < deadline)
			(void)GSM_ReadDevice(s, TRUE);
		if (sent_status != 0) {
			fprintf(stderr, "gammu-ceiling: send status %d\n",
			    sent_status);
			free(multi);
			return 1;
		}
	}
	t1 = clock_mono_ms();
	secs = (double)(t1 - t0) / 1000.0;
	printf("send %ld msgs in %.3f s = %.1f msgs/s\n", n, secs,
	    secs > 0 ? (double)n / secs : 0.0);
	free(multi);
	return 0;
}

int
main(int argc, char **argv)
{
	GSM_StateMachine *s;
	int rc;
	int64_t n = 0;

	if (argc < 3 || (strcmp(argv[2], "recv") != 0 &&
	    strcmp(argv[2], "send") != 0) ||
	    (strcmp(argv[2], "send") == 0 && (argc != 4 ||
	    parse_int64(argv[3], 1, 100000000, &n) == -1))) {
		fprintf(stderr, "usage: gammu-ceiling DIR recv\n"
		    "       gammu-ceiling DIR send N\n");
		return 2;
	}
	s = ceiling_connect(argv[1]);
	if (s == NULL)
		return 1;
	if (strcmp(argv[2], "recv") == 0)
		rc = ceiling_recv(s);
	else
		rc = ceiling_send(s, (long)n);
	(void)GSM_TerminateConnection(s);
	GSM_FreeStateMachine(s);
	return rc;
}
