#!/usr/bin/env bash
# bench/latency.sh - inbound-to-reply latency of stafetad on a dummy modem.
#
# For each of N messages, sent one at a time with a random pause between
# them (so this measures latency, not queueing):
#   T0        = just before the SMS file is renamed into the dummy inbox
#               (modem-m1/sms/1/1), as a modem would make it appear;
#   stored    = inbound.received_at (the daemon committed it);
#   handed    = outbox.sent_at of the reply (in_reply_to = that inbound
#               row), i.e. the dummy modem accepted the reply.
# Prints min/p50/p90/p99/max of handed - T0 (and the two halves) in ms, once
# per poll_ms value (default: 50 and the daemon's default 250).
#
# Usage: bench/latency.sh
# Env:   N=50  POLLS="50 250"  TEXT=AJUTOR  PAUSE_MS=100..400 (random)
#        BUILD=build  KEEP=1 (keep the scratch folder)
# Each message comes from its own number (+407220000NN), as N residents
# writing AJUTOR once each; every message gets the help reply.
source "$(dirname "$0")/lib.sh"

N=${N:-50}
POLLS=${POLLS:-50 250}
TEXT=${TEXT:-AJUTOR}
PAUSE_MIN=${PAUSE_MIN:-100}
PAUSE_MAX=${PAUSE_MAX:-400}
need_bin "$B/stafetad" daemon
need_bin "$B/tools/stafeta-inject" injector
need_cmd sqlite3

# Stage every message once, outside any phone folder: one folder each.
stage_all() {
	local i
	for i in $(seq 1 "$N"); do
		"$B/tools/stafeta-inject" "$W/stage/$i" "$(printf '+407220%05d' "$i")" "$TEXT" > /dev/null ||
		    die "stafeta-inject failed"
	done
}

run_one_poll() {
	local poll=$1; local d="$W/poll$poll" i f inbox got t0 id lat stored pause miss=0
	stafeta_conf "$d" "$poll"
	stafeta_start "$d"
	inbox="$d/state/modem-m1/sms/1"
	mkdir -p "$inbox"
	: > "$d/total.txt"; : > "$d/stored.txt"; : > "$d/reply.txt"
	sleep 0.5
	for i in $(seq 1 "$N"); do
		f=("$W/stage/$i/sms/1/"*)
		[ -e "${f[0]}" ] || die "no staged file for message $i"
		# the previous message must be gone from the inbox (bounded wait)
		for _ in $(seq 1 200); do [ -e "$inbox/1" ] || break; nap 0.01; done
		t0=$(now_us)
		mv "${f[0]}" "$inbox/1"
		got=""
		for _ in $(seq 1 600); do   # <= ~15 s
			got=$(sdb "$d" "SELECT i.id, i.received_at, min(o.sent_at) FROM inbound i
			    JOIN outbox o ON o.in_reply_to = i.id
			    WHERE i.id = (SELECT max(id) FROM inbound) AND o.state IN (2, 3)
			    GROUP BY i.id" 2>/dev/null)
			if [ -n "$got" ]; then
				IFS='|' read -r id stored lat <<< "$got"
				[ "$id" -gt "${last_id:-0}" ] && break
			fi
			got=""
			nap 0.025
		done
		if [ -z "$got" ]; then miss=$((miss + 1)); echo "  message $i: no reply within 15 s" >&2; continue; fi
		last_id=$id
		awk -v t0="$t0" -v s="$stored" -v h="$lat" -v T="$d/total.txt" -v S="$d/stored.txt" -v R="$d/reply.txt" \
		    'BEGIN { printf "%.3f\n", h - t0 / 1000 >> T; printf "%.3f\n", s - t0 / 1000 >> S; print h - s >> R }'
		pause=$(( PAUSE_MIN + RANDOM % (PAUSE_MAX - PAUSE_MIN + 1) ))
		sleep "$(fdiv "$pause" 1000 3)"
	done
	stafeta_stop
	last_id=0
	local nin nrep
	nin=$(sdb "$d" "SELECT count(*) FROM inbound")
	nrep=$(sdb "$d" "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL AND state IN (2, 3)")
	printf 'LATENCY poll_ms=%-4s inbox -> reply handed to modem (ms): %s\n' "$poll" "$(stats "$d/total.txt")"
	printf '        poll_ms=%-4s   inbox -> inbound stored    (ms): %s\n' "$poll" "$(stats "$d/stored.txt")"
	printf '        poll_ms=%-4s   stored -> reply handed     (ms): %s\n' "$poll" "$(stats "$d/reply.txt")"
	printf '        poll_ms=%-4s   inbound rows=%s replies sent=%s/%s no-reply=%s\n' "$poll" "$nin" "$nrep" "$N" "$miss"
}

note "stafetad latency, $N messages one at a time, pause ${PAUSE_MIN}-${PAUSE_MAX} ms, text '$TEXT', $(nproc) cores"
note "T0 = rename into modem-m1/sms/1; handed = outbox.sent_at (dummy modem accepted the reply)"
cpu_busy
for p in $POLLS; do
	rm -rf "$W/stage"; stage_all
	run_one_poll "$p"
done
