/*
 * modem.h - everything that touches a GSM modem.
 *
 * One worker process per configured modem owns its GSM_StateMachine and
 * nothing else (no SQLite, no event loop).  The gateway talks to it over a
 * SOCK_SEQPACKET socketpair: one datagram is one typed message, built
 * with the modem_ipc_* writer and read with the modem_ipc_* reader below.
 * Only modem_gammu.c includes <gammu.h>.
 *
 * Receive contract (no loss, no duplicates): the worker reads every SMS on
 * the modem, sends one MODEM_IPC_SMS per physical part followed by one
 * MODEM_IPC_BATCH_END, and deletes a part from the modem only when the
 * gateway answers MODEM_IPC_ACK naming its location, which the gateway
 * sends only after its SQLite transaction committed.  Each part carries a
 * dedup key so the gateway recognises a part it already stored if the
 * worker dies between the commit and the delete.
 *
 * Send contract: MODEM_IPC_SEND carries one whole message (UTF-8) and the
 * concatenation reference the gateway allocated; the worker encodes,
 * sends every part and answers one MODEM_IPC_SEND_RESULT.
 *
 * Text helpers (modem_text.c) are pure functions used by both sides:
 * UTF-8 <-> UCS-2, GSM-7 fitness and part counting.
 */
#ifndef STAFETA_MODEM_H
#define STAFETA_MODEM_H

#include <stddef.h>
#include <stdint.h>

struct modem_conf;

#define MODEM_IPC_MAX 65536 /* largest datagram */

enum modem_ipc_type {
	MODEM_IPC_HELLO = 1,	 /* w->g: connected; imei, model, ... */
	MODEM_IPC_STATUS,	 /* w->g: health snapshot */
	MODEM_IPC_SMS,		 /* w->g: one physical part read */
	MODEM_IPC_BATCH_END,	 /* w->g: end of one batch of a read pass */
	MODEM_IPC_ACK,		 /* g->w: these locations are stored */
	MODEM_IPC_SEND,		 /* g->w: send one message */
	MODEM_IPC_SEND_RESULT,	 /* w->g: outcome of a SEND */
	MODEM_IPC_USSD,		 /* g->w: dial a USSD code */
	MODEM_IPC_USSD_RESULT,	 /* w->g: USSD answer */
	MODEM_IPC_PING,		 /* g->w: watchdog probe */
	MODEM_IPC_PONG,		 /* w->g: watchdog answer */
	MODEM_IPC_STOP,		 /* g->w: disconnect and exit 0 */
};

enum modem_pdu_kind {
	MODEM_PDU_DELIVER = 0,	/* an ordinary incoming SMS */
	MODEM_PDU_REPORT,	/* SMS-STATUS-REPORT (delivery report) */
	MODEM_PDU_UNDECODABLE,	/* text could not be decoded; stored as such */
	MODEM_PDU_OTHER,	/* submit/other PDU found in an inbox */
};

/* One physical part as read from the modem (MODEM_IPC_SMS). */
struct modem_part {
	int64_t location;	/* opaque modem location, echoed in ACK */
	int pdu_kind;		/* enum modem_pdu_kind */
	char *sender;		/* E.164 as received (reports: recipient) */
	int64_t smsc_time;	/* SMSC timestamp, unix seconds (0 unknown) */
	char *text;		/* UTF-8; "" for empty; status text for reports */
	int coding;		/* 7, 8 or 16 (bits per char as sent) */
	int concat_bits;	/* 0 = single part, 8 or 16 = reference width */
	int ref;		/* concatenation reference */
	int total;		/* parts in the whole message (1 if single) */
	int seq;		/* this part's number, 1-based */
	int mr;			/* reports: TP-MR of the message reported on */
	int status;		/* reports: TP-ST; 0 = delivered */
	char *dedup;		/* stable key of this part (hex digest) */
};

/* A health snapshot (MODEM_IPC_STATUS / HELLO). */
struct modem_status {
	int connected;		/* 1 if the state machine is connected */
	int signal_percent;	/* -1 unknown */
	int signal_dbm;		/* 0 unknown */
	char *network_code;	/* "226 01" or "" */
	char *network_name;	/* operator name or "" */
	int registered;		/* 1 home/roaming, 0 not */
	int sim_used;		/* SMS slots used, -1 unknown */
	int sim_size;		/* SMS slots total, -1 unknown */
	char *imei;		/* "" if unknown */
	char *error;		/* last error text, "" if none */
};

/* Outcome of a send (MODEM_IPC_SEND_RESULT). */
struct modem_send_result {
	int64_t outbox_id;	/* echoed from SEND */
	int ok;			/* 1 if every part was accepted */
	int parts;		/* parts accepted */
	int mr;			/* TP-MR of the last part, -1 unknown */
	int permanent;		/* 1 if retrying cannot help (bad number) */
	char *error;		/* "" on success */
};

/*
 * A message to send (MODEM_IPC_SEND).  Wire order: i64 outbox_id,
 * str recipient, str text, i64 concat_ref, i64 want_report.
 */
struct modem_send {
	int64_t outbox_id;	/* echoed in the SEND_RESULT */
	char *recipient;	/* "+40722123456" or national digits */
	char *text;		/* UTF-8, the whole message */
	int concat_ref;		/* 0..255, reference for concatenated parts */
	int want_report;	/* 1 = request a delivery report */
};

/*
 * A USSD answer (MODEM_IPC_USSD_RESULT).  Wire order: str code, i64 ok,
 * str text.  The request (MODEM_IPC_USSD) is a single str code.
 */
struct modem_ussd_result {
	char *code;		/* the code dialled, e.g. "*100#" */
	int ok;			/* 1 if the network answered */
	char *text;		/* UTF-8 answer, or the error text if !ok */
};

/*
 * Payloads of the other messages (all integers are i64):
 *   HELLO, STATUS  struct modem_status (modem_ipc_put_status)
 *   SMS            struct modem_part (modem_ipc_put_part)
 *   BATCH_END      i64 parts sent in this batch, i64 more (1 = the
 *                  pass continues; the gateway holds sends until 0)
 *   ACK            i64 n, then n x i64 location (modem_ipc_put_ack)
 *   SEND           struct modem_send (modem_ipc_put_send)
 *   SEND_RESULT    struct modem_send_result
 *   USSD           str code
 *   USSD_RESULT    struct modem_ussd_result
 *   PING, PONG     i64 seq (the PONG echoes the PING's)
 *   STOP           nothing
 * On the wire a datagram is u32 type (little-endian) then the payload.
 */
#define MODEM_IPC_ACK_MAX 4096 /* locations in one ACK datagram */

/* A datagram being built or read.  Owns data. */
struct modem_ipc_msg {
	int type;	/* enum modem_ipc_type */
	unsigned char *data; /* payload */
	size_t len;	/* payload bytes used */
	size_t cap;	/* bytes allocated (writer) */
	size_t pos;	/* read cursor (reader) */
	int bad;	/* set when a read ran past the end */
};

/* modem_ipc.c */
void modem_ipc_init(struct modem_ipc_msg *, int type);
void modem_ipc_free(struct modem_ipc_msg *);
void modem_ipc_put_i64(struct modem_ipc_msg *, int64_t);
void modem_ipc_put_str(struct modem_ipc_msg *, const char *);
int64_t modem_ipc_get_i64(struct modem_ipc_msg *);
/* Borrowed pointer into the message; "" and bad set when malformed. */
const char *modem_ipc_get_str(struct modem_ipc_msg *);
/* Sends one datagram; 0 or -1 (errno set).  Blocks only briefly. */
int modem_ipc_send(int fd, const struct modem_ipc_msg *)
    __attribute__((warn_unused_result));
/* Receives one datagram into msg (initialised here); 1 = got one,
 * 0 = peer closed, -1 = error or EAGAIN (errno set). */
int modem_ipc_recv(int fd, struct modem_ipc_msg *)
    __attribute__((warn_unused_result));
/* Typed pack/unpack; unpack returns 0 or -1 and allocates the strings,
 * which the matching *_clear frees. */
void modem_ipc_put_part(struct modem_ipc_msg *, const struct modem_part *);
int modem_ipc_get_part(struct modem_ipc_msg *, struct modem_part *);
void modem_part_clear(struct modem_part *);
void modem_ipc_put_status(struct modem_ipc_msg *, const struct modem_status *);
int modem_ipc_get_status(struct modem_ipc_msg *, struct modem_status *);
void modem_status_clear(struct modem_status *);
void modem_ipc_put_send_result(struct modem_ipc_msg *,
    const struct modem_send_result *);
int modem_ipc_get_send_result(struct modem_ipc_msg *,
    struct modem_send_result *);
void modem_send_result_clear(struct modem_send_result *);
void modem_ipc_put_send(struct modem_ipc_msg *, const struct modem_send *);
int modem_ipc_get_send(struct modem_ipc_msg *, struct modem_send *);
void modem_send_clear(struct modem_send *);
void modem_ipc_put_ussd_result(struct modem_ipc_msg *,
    const struct modem_ussd_result *);
int modem_ipc_get_ussd_result(struct modem_ipc_msg *,
    struct modem_ussd_result *);
void modem_ussd_result_clear(struct modem_ussd_result *);
/* ACK payload: at most MODEM_IPC_ACK_MAX locations per datagram. */
void modem_ipc_put_ack(struct modem_ipc_msg *, const int64_t *locs,
    size_t n);
/* Returns the count (0..MODEM_IPC_ACK_MAX) with a new array in *locs
 * (caller frees; NULL when 0), or -1 if malformed. */
long modem_ipc_get_ack(struct modem_ipc_msg *, int64_t **locs);
const char *modem_ipc_strtype(int type);

/* modem_worker.c */
/*
 * The worker process body: connects the modem described by conf, then
 * serves the gateway on fd until MODEM_IPC_STOP or EOF.  Reconnects with
 * backoff on modem errors, reporting each state through MODEM_IPC_STATUS.
 * Returns the process exit code.
 */
int modem_worker_main(const struct modem_conf *conf, int fd);

/* modem_text.c */
/* libgammu 1.42 sends at most this many parts (GSM_MAX_MULTI_SMS) and
 * silently drops the rest of a longer text. */
#define MODEM_TEXT_MAX_PARTS 50
/* GSM_EncodeMultiPartSMS measures GSM-7 text only up to 5000 septets;
 * past that it emits empty trailing parts up to 50 (gsmmulti.c:901). */
#define MODEM_TEXT_MAX_SEPTETS 5000
/* UTF-8 -> UCS-2BE code units (surrogate pairs for > U+FFFF).  Returns the
 * number of units written (at most max; a surrogate pair is never split,
 * the rest is dropped), or -1 on invalid UTF-8 (checked over all of len).
 * With out == NULL, returns the number of units the whole text needs.
 * U+0000 is accepted as a character. */
long modem_text_utf8_to_ucs2(const char *utf8, size_t len, uint16_t *out,
    size_t max);
/* UCS-2 units (with surrogates) -> newly allocated UTF-8; caller frees.
 * Lone surrogates and U+0000 become U+FFFD. */
char *modem_text_ucs2_to_utf8(const uint16_t *units, size_t n);
/* 1 if every character of the UTF-8 text exists in GSM 03.38 (default
 * table or extension table) as libgammu encodes it, 0 otherwise (also for
 * invalid UTF-8).  Romanian a-breve, i/a-circumflex, s/t comma-below and
 * cedilla are not GSM-7; e-acute, u/o/A-umlaut, N-tilde are. */
int modem_text_is_gsm7(const char *utf8);
/* Septets the text needs in GSM-7 (extension characters count 2), or -1
 * if it is not GSM-7 or not valid UTF-8. */
long modem_text_gsm7_septets(const char *utf8);
/* Parts libgammu's GSM_EncodeMultiPartSMS(SMS_ConcatenatedTextLong) makes
 * of the text, with UnicodeCoding = !modem_text_is_gsm7(text): GSM-7
 * 160 septets single else 153 per part (an extension character is never
 * split), UCS-2 70 units single else 67 per part (a surrogate pair, a
 * combining mark or a flag is never split).  "" is 1 part.  This is the
 * count needed to carry the whole text; see modem_text_sendable for the
 * texts libgammu cannot send whole.  -1 on invalid UTF-8 or NULL. */
int modem_text_parts(const char *utf8);
/* The same with concat_bits 8 (SMS_ConcatenatedTextLong, as above) or 16
 * (SMS_ConcatenatedTextLong16bit: 152 septets or 66 units per part). */
int modem_text_parts_ref(const char *utf8, int concat_bits);
/* 1 if libgammu 1.42 sends the whole text as counted above: valid UTF-8,
 * GSM-7 of at most MODEM_TEXT_MAX_SEPTETS, or UCS-2 in at most
 * MODEM_TEXT_MAX_PARTS parts (with either reference width).  The send
 * path must refuse (fail permanently) texts for which this is 0. */
int modem_text_sendable(const char *utf8);
/* Copy of the text with Romanian diacritics folded to ASCII (a-breve,
 * a/i-circumflex -> a, i; s/t with comma below or cedilla -> s, t; upper
 * case too; also decomposed forms), so a reply can go as GSM-7.  Other
 * characters are kept.  Caller frees; NULL only for NULL. */
char *modem_text_to_ascii_ro(const char *utf8);

#endif /* STAFETA_MODEM_H */
