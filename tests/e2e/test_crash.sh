# Crash test (issue 2): 500 messages arrive while the daemon and, in
# other rounds, the modem worker are killed with SIGKILL at random
# moments.  At the end every message is stored exactly once and answered
# exactly once.
. "$(dirname "$0")/lib.sh"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }

N=500
ROUNDS=15
PER=$((N / ROUNDS + 1))
sent=0
kills=0
wkills=0
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	n=$PER
	[ $((sent + n)) -gt "$N" ] && n=$((N - sent))
	[ "$n" -gt 0 ] && inject m1 --count "$n" --number-texts \
	    "+40722300000" "Mesaj runda $r"
	sent=$((sent + n))
	# A random moment within the processing of this round's messages.
	sleep "0.$(shuf -i 5-60 -n 1)"
	if [ $((r % 3)) -eq 0 ]; then
		wpid=$(pgrep -P "$DPID" | head -n 1)
		if [ -n "$wpid" ]; then
			kill -KILL "$wpid"
			wkills=$((wkills + 1))
		fi
		sleep 0.3
	else
		kill -KILL "$DPID"
		wait "$DPID" 2>/dev/null
		kills=$((kills + 1))
		start_daemon 1 > /dev/null || true
	fi
done
ok "$kills daemon kills and $wkills worker kills while $sent messages arrived"
[ "$kills" -ge 10 ] && ok "at least 10 daemon kills" || fail "too few kills"

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
assert_eq "$(ls "$T/state/modem-m1/sms/1" | wc -l)" 0 \
    "modem inbox empty at the end"
stop_daemon
assert_eq "$RC" 0 "clean stop after the crashes"
e2e_done
