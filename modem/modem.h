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
 * worker dies between the commit and the delete.  Once the delete is done
 * the worker answers MODEM_IPC_DELETED with the locations, and the gateway
 * forgets those keys: the location may now hold a new message, which may
 * be identical to the old one (same sender, text and SMSC second).
 *
 * Poisoned slots: a location whose read fails WORKER_POISON_READS times in
 * a row (in separate passes, over at least WORKER_POISON_MS) is reported
 * once as MODEM_IPC_POISON with whatever raw bytes the driver can give;
 * the gateway stores that copy, commits, raises an alert and ACKs the
 * location like a part, and only then does the worker delete it.  The
 * rest of the inbox is read on past a failing location meanwhile.
 *
 * Send contract: MODEM_IPC_SEND carries one whole message (UTF-8) and the
 * concatenation reference the gateway allocated; the worker encodes,
 * sends every part and answers one MODEM_IPC_SEND_RESULT.

 * Text coding (GSM-7, UCS-2, part counting) is the base library's
 * lib/gsm_text.h: it knows no modem.
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
	MODEM_IPC_DELETED,	 /* w->g: these ACKed locations are gone */
	MODEM_IPC_POISON,	 /* w->g: a location that cannot be read */
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
 * End of one batch of a read pass (MODEM_IPC_BATCH_END).  Wire order:
 * i64 parts, i64 more.
 */
struct modem_batch_end {
	int parts;		/* parts sent in this batch */
	int more;		/* 1 = the pass continues; sends wait for 0 */
};

/*
 * An unreadable location (MODEM_IPC_POISON).  Wire order: i64 location,
 * i64 folder, i64 failures, i64 raw_known, str error, blob raw (u32
 * length and the bytes, at most MODEM_POISON_RAW_MAX).
 */
#define MODEM_POISON_RAW_MAX 16384 /* raw bytes carried; the rest is cut */
struct modem_poison {
	int64_t location;	/* opaque modem location, echoed in ACK */
	int folder;		/* storage folder/memory, 0 unknown */
	int failures;		/* consecutive failed reads */
	char *error;		/* the driver's last error text */
	unsigned char *raw;	/* raw message bytes (file, PDU) or NULL */
	size_t raw_len;		/* bytes in raw; 0 when none or empty */
	int raw_known;		/* 1 if raw is the slot's content (maybe
				 * empty), 0 if the driver gave nothing */
};

/*
 * Payloads of the other messages (all integers are i64):
 *   HELLO, STATUS  struct modem_status (modem_ipc_put_status)
 *   SMS            struct modem_part (modem_ipc_put_part)
 *   BATCH_END      struct modem_batch_end (modem_ipc_put_batch_end)
 *   ACK            i64 n, then n x i64 location (modem_ipc_put_ack)
 *   DELETED        as ACK (modem_ipc_put_ack / modem_ipc_get_ack)
 *   POISON         struct modem_poison (modem_ipc_put_poison)
 *   SEND           struct modem_send (modem_ipc_put_send)
 *   SEND_RESULT    struct modem_send_result
 *   USSD           str code (modem_ipc_put_ussd)
 *   USSD_RESULT    struct modem_ussd_result
 *   PING, PONG     i64 seq, the PONG echoing the PING's (modem_ipc_put_seq)
 *   STOP           nothing (modem_ipc_init alone)
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

/* modem_mm.c */
/* The hint added to a modem's error when ModemManager may hold its port. */
#define MODEM_MM_HINT "ModemManager is running and may hold the port: " \
    "see docs/modems.md"
/* 1 if a process named ModemManager runs, by /PID/comm under proc_root
 * (NULL: /proc; a test passes a folder of its own), else 0. */
int modem_mm_running(const char *proc_root);

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
void modem_ipc_put_batch_end(struct modem_ipc_msg *,
    const struct modem_batch_end *);
int modem_ipc_get_batch_end(struct modem_ipc_msg *, struct modem_batch_end *);
void modem_ipc_put_poison(struct modem_ipc_msg *,
    const struct modem_poison *);
int modem_ipc_get_poison(struct modem_ipc_msg *, struct modem_poison *);
void modem_poison_clear(struct modem_poison *);
/* PING and PONG payload. */
void modem_ipc_put_seq(struct modem_ipc_msg *, int64_t seq);
int modem_ipc_get_seq(struct modem_ipc_msg *, int64_t *seq);
/* USSD request: the code to dial.  Get allocates *code (caller frees). */
void modem_ipc_put_ussd(struct modem_ipc_msg *, const char *code);
int modem_ipc_get_ussd(struct modem_ipc_msg *, char **code);
const char *modem_ipc_strtype(int type);

/* modem_worker.c */
/*
 * The worker process body: connects the modem described by conf, then
 * serves the gateway on fd until MODEM_IPC_STOP or EOF.  Reconnects with
 * backoff on modem errors, reporting each state through MODEM_IPC_STATUS.
 * Returns the process exit code.
 */
int modem_worker_main(const struct modem_conf *conf, int fd);

#endif /* STAFETA_MODEM_H */
