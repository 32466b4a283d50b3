/*
 * sms-path - drives the daemon's SMS path in-process, for callgrind.
 *
 *   sms-path CONF STATE_DIR NUMBER < lines
 *
 * Loads the configuration (CONF, with -S STATE_DIR semantics), opens the
 * store and the flow engine exactly as stafetad does, then hands every
 * stdin line to gw_inbound_batch() as one single-part SMS-DELIVER from
 * NUMBER read on modem "m1": dedup claim, inbound row, contact, flow
 * engine (session advance), reply queued in the outbox, one transaction
 * per message -- what the daemon does with a part a modem worker reported,
 * minus the worker (libgammu decode) and the socketpair.  At the end it
 * prints the number of inbound and outbox rows and the newest replies.
 *
 * Used by bench/callgrind.sh when the simulator (stafeta simulate) is not
 * usable, and beside it otherwise.  Built by callgrind.sh against
 * build/libstafeta.a.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "modem.h"
#include "store.h"

static int
print_out(const struct store_outbound *o, void *arg)
{
	int *left = arg;

	printf("reply to %s (state %d): %s\n", o->recipient, o->state,
	    o->text);
	return --*left <= 0;
}

int
main(int argc, char **argv)
{
	struct gateway gw;
	struct modem_part p;
	char err[512], line[2048], key[64];
	int64_t n = 0, nin = 0;
	int show = 4;

	if (argc != 4) {
		fprintf(stderr, "usage: %s CONF STATE_DIR NUMBER < lines\n",
		    argv[0]);
		return 2;
	}
	memset(&gw, 0, sizeof(gw));
	gw.config_path = argv[1];
	gw.state_override = argv[2];
	gw.conf = gw_config_load(argv[1], argv[2], err, sizeof(err));
	if (gw.conf == NULL) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	gw.store = gw_store_open(gw.conf->database, err, sizeof(err));
	if (gw.store == NULL) {
		fprintf(stderr, "store: %s\n", err);
		return 1;
	}
	gw.flows = flow_engine_new(gw.conf, NULL, 0, err, sizeof(err));
	if (gw.flows == NULL) {
		fprintf(stderr, "flows: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		memset(&p, 0, sizeof(p));
		p.location = 10001 + n;
		p.pdu_kind = MODEM_PDU_DELIVER;
		p.sender = argv[3];
		p.smsc_time = 1790000000 + n;
		p.text = line;
		p.coding = 7;
		p.total = 1;
		p.seq = 1;
		p.mr = -1;
		snprintf(key, sizeof(key), "bench%016llx", (unsigned long long)n);
		p.dedup = key;
		if (gw_inbound_batch(&gw, "m1", &p, 1) != 0) {
			fprintf(stderr, "line %lld: batch failed\n",
			    (long long)n + 1);
			return 1;
		}
		n++;
	}
	if (store_inbound_count(gw.store, &nin) != 0)
		return 1;
	printf("%lld lines, %lld inbound rows\n", (long long)n,
	    (long long)nin);
	if (store_outbox_list(gw.store, show, print_out, &show) != 0)
		return 1;
	flow_engine_free(gw.flows);
	store_close(gw.store);
	config_free(gw.conf);
	return 0;
}
