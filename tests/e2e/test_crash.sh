# Crash test (issue 2): 500 messages arrive while the daemon and, in
# other rounds, the modem worker are killed with SIGKILL at random
# moments.  At the end every message is stored exactly once and answered
# exactly once.  The kill moments come from SEED (printed first; run with
# SEED=N to replay a failure).
. "$(dirname "$0")/lib.sh"

# One number sends all 500: the per-sender limit (test_flood.sh) is off.
EXTRA="[limits]
replies_per_hour = 0"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }

N=500
ROUNDS=15
PER=$((N / ROUNDS + 1))
sent=0
kills=0		# daemons that were running when killed
wkills=0	# workers the daemon saw die of our SIGKILL
planned=0	# daemon kills attempted
wplanned=0	# worker kills attempted
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	n=$PER
	[ $((sent + n)) -gt "$N" ] && n=$((N - sent))
	[ "$n" -gt 0 ] && inject m1 --count "$n" --number-texts \
	    "+40722300000" "Mesaj runda $r"
	sent=$((sent + n))
	# A random moment (50-600 ms, from SEED) within the processing of
	# this round's messages.  Only where the kill lands depends on it:
	# every assertion below must hold wherever it lands.
	rng 50 600
	sleep "$(printf '0.%03d' "$RND")"
	if [ $((r % 3)) -eq 0 ] && [ "$E2E_CHANNEL" = kannel ]; then
		: # no modem worker on the Kannel channel: nothing to kill
	elif [ $((r % 3)) -eq 0 ]; then
		wplanned=$((wplanned + 1))
		wpid=$(pgrep -P "$DPID" | head -n 1)
		died=$(grep -c -- "-> restarting: killed by signal 9" "$T/daemon.log")
		# Counted once the daemon has reaped it and scheduled the
		# restart (which is also what the next round needs).
		[ -n "$wpid" ] && kill -KILL "$wpid" &&
		    wait_log 10 "-> restarting: killed by signal 9" \
		    $((died + 1)) &&
		    wkills=$((wkills + 1))
	else
		planned=$((planned + 1))
		kill -KILL "$DPID"
		wait "$DPID" 2>/dev/null
		# 137 = 128 + SIGKILL: it was running and our signal ended it.
		[ $? -eq 137 ] && kills=$((kills + 1))
		start_daemon 1 > /dev/null ||
		    fail "daemon did not come back after kill in round $r"
	fi
done
ok "$kills daemon kills and $wkills worker kills while $sent messages arrived"
assert_eq "$kills" "$planned" "every daemon kill hit a running daemon"
if [ "$E2E_CHANNEL" = kannel ]; then
	echo "skip - worker kills: no modem worker on the Kannel channel"
else
	assert_eq "$wkills" "$wplanned" "every worker kill hit a running worker"
fi
assert_eq "$(grep -c "started: state" "$T/daemon.log")" $((kills + 1)) \
    "the daemon started once more than it was killed"

wait_for 120 "SELECT count(*) FROM inbound" "$N" ||
    fail "not all messages stored"
wait_for 120 "SELECT count(*) FROM outbox WHERE state = 2" "$N" ||
    fail "not all replies sent"
assert_eq "$(sql "SELECT count(*) FROM inbound")" "$N" \
    "every message stored"
assert_eq "$(sql "SELECT count(DISTINCT text) FROM inbound")" "$N" \
    "no message stored twice"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL")" \
    "$N" "one reply per message"
assert_eq "$(sql "SELECT count(DISTINCT in_reply_to) FROM outbox")" "$N" \
    "no message answered twice"
if [ "$E2E_CHANNEL" = kannel ]; then
	echo "skip - modem inbox: no dummy modem on the Kannel channel"
else
	assert_eq "$(ls "$T/state/modem-m1/sms/1" | wc -l)" 0 \
	    "modem inbox empty at the end"
fi
stop_daemon
assert_eq "$RC" 0 "clean stop after the crashes"
e2e_done
