#!/bin/sh
# tests/long/durability.sh - the long durability run (issue 9), outside
# `make ci` (it takes minutes).
#
# The real stafetad on two dummy modems and an HTTP listener with a
# secret is killed with SIGKILL CYCLES times (default 100) and restarted
# after each kill; in every third cycle one of its modem workers is killed
# first.  Each kill lands at a random moment (from SEED) while work is in
# flight: 3-part UCS-2 messages and a single-part one arriving on both
# modems, outbound messages just queued, and USSD requests over HTTP.
# At the end:
#   * every injected message is stored exactly once (by sender and text),
#     whole (3 parts, not flagged incomplete);
#   * every stored message is answered exactly once;
#   * every queued send is sent (state 2), and no message went out twice
#     more often than there were kills (the one in flight, counted from the
#     workers' "outbox N sent in" log lines);
#   * no row is left SENDING, and PRAGMA integrity_check says ok;
#   * every USSD request the gateway answered has its session stored;
#   * the daemon stops cleanly.
# The last line is a summary with the figures.
#
#   sh tests/long/durability.sh                 100 cycles
#   CYCLES=300 sh tests/long/durability.sh
#   SEED=N sh tests/long/durability.sh          replay the kill moments
#   BUILD=build-san sh tests/long/durability.sh sanitizer build
. "$(dirname "$0")/../e2e/lib.sh"

CYCLES=${CYCLES:-100}
MP=${MP:-3}	# 3-part messages per modem per cycle
OUTN=${OUTN:-8}	# sends queued per cycle
USSDN=${USSDN:-3}	# USSD requests per cycle
PORT=$((22000 + $$ % 20000))
SECRET=long-durability-secret
URL="http://127.0.0.1:$PORT/ussd"
# Many numbers get several answers: the per-sender limit is off.
EXTRA="[limits]
replies_per_hour = 0

[http]
listen = 127.0.0.1:$PORT
secret = $SECRET"
write_conf m1 m2
T0=$(date +%s)
start_daemon 2 || { e2e_done; exit 1; }
mkdir -p "$T/ussd"

# 160 characters with Romanian diacritics: UCS-2, and with " #i" appended
# more than 134 units, so three parts of 67.
LONG="Durabilitate: mesaj lung în trei părți, cu diacritice ș ț ă î â Ș Ț Ă Î Â, trimis cât timp demonul e omorât cu SIGKILL și repornit. Fiecare parte con"

queue_sends() { # queue_sends CYCLE N
	_i=0
	{
		echo "BEGIN;"
		while [ "$_i" -lt "$2" ]; do
			_i=$((_i + 1))
			echo "INSERT INTO outbox(created_at, recipient, text, priority,
			    state, attempts, parts, next_attempt_at, channel_hint)
			    VALUES ($(date +%s)000,
			    '+40745$(printf %03d%02d "$1" "$_i")',
			    'durab $1.$_i', 50, 0, 0, 1, 0, NULL);"
		done
		echo "COMMIT;"
	} | sql
}

ussd_send() { # ussd_send ID : one new session, answer in $T/ussd/ID
	curl -s -m 10 -o "$T/ussd/$1.body" -w '%{http_code}' -X POST \
	    -H "X-Stafeta-Secret: $SECRET" \
	    --data-urlencode "sessionId=long-$1" \
	    --data-urlencode "serviceCode=*123#" \
	    --data-urlencode "phoneNumber=+40746$(printf %05d "$2")" \
	    --data-urlencode "text=" "$URL" > "$T/ussd/$1.code" 2>/dev/null
}

msgs=0		# messages injected
mparts=0	# of which 3-part
sends=0		# sends queued
ussd=0		# USSD requests made
kills=0		# daemons that were running when killed
wkills=0	# workers the daemon saw die of our SIGKILL
wplanned=0
UPIDS=""
c=0
while [ "$c" -lt "$CYCLES" ]; do
	c=$((c + 1))
	UPIDS=""
	# Work in flight: multipart and single-part SMS on both modems
	# (one sender per modem per cycle, so concatenation references of
	# different calls never meet), sends queued, USSD requests open.
	for m in m1 m2; do
		inject "$m" --unicode --count "$MP" --number-texts --shuffle \
		    "+4072$( [ $m = m1 ] && echo 5 || echo 6 )1$(printf %05d "$c")" "$LONG"
		inject "$m" "+4072$( [ $m = m1 ] && echo 5 || echo 6 )2$(printf %05d "$c")" \
		    "Scurt $c $m"
		msgs=$((msgs + MP + 1))
		mparts=$((mparts + MP))
	done
	queue_sends "$c" "$OUTN"
	sends=$((sends + OUTN))
	u=0
	while [ "$u" -lt "$USSDN" ]; do
		u=$((u + 1))
		ussd=$((ussd + 1))
		ussd_send "$c-$u" "$ussd" &
		UPIDS="$UPIDS $!"
	done
	rng 20 600
	sleep "$(printf '0.%03d' "$RND")"
	if [ $((c % 3)) -eq 0 ]; then
		wplanned=$((wplanned + 1))
		ws=$(pgrep -P "$DPID")
		nw=$(printf '%s\n' "$ws" | grep -c .)
		if [ "$nw" -gt 0 ]; then
			rng 1 "$nw"
			wpid=$(printf '%s\n' "$ws" | sed -n "${RND}p")
			died=$(grep -c -- "-> restarting: killed by signal 9" "$T/daemon.log")
			kill -KILL "$wpid" &&
			    wait_log 10 "-> restarting: killed by signal 9" \
			    $((died + 1)) > /dev/null &&
			    wkills=$((wkills + 1))
		fi
		rng 0 300
		sleep "$(printf '0.%03d' "$RND")"
	fi
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	# 137 = 128 + SIGKILL: it was running and our signal ended it.
	[ $? -eq 137 ] && kills=$((kills + 1))
	start_daemon 2 > /dev/null ||
	    fail "daemon did not come back after kill in cycle $c"
	wait_log 20 "started: state" $((c + 1)) > /dev/null ||
	    fail "daemon did not log its start in cycle $c"
	[ $((c % 10)) -eq 0 ] && echo "# cycle $c/$CYCLES: $msgs in, $sends sends, $ussd USSD, $kills+$wkills kills"
done
wait $UPIDS 2>/dev/null	# the last USSD requests (not the daemon)
_d=$(($(date +%s) + 15))	# and any older one still open (curl -m 10)
while [ "$(ls "$T"/ussd/*.code 2>/dev/null | wc -l)" -lt "$ussd" ] &&
    [ "$(date +%s)" -le "$_d" ]; do sleep 0.1; done
ok "$kills daemon kills and $wkills worker kills in $CYCLES cycles"
assert_eq "$kills" "$CYCLES" "every daemon kill hit a running daemon"
assert_eq "$wkills" "$wplanned" "every worker kill hit a running worker"
assert_eq "$(grep -c "started: state" "$T/daemon.log")" $((kills + 1)) \
    "the daemon started once more than it was killed"

# Everything drains after the last restart.
wait_for 180 "SELECT count(*) FROM inbound" "$msgs" ||
    fail "not all messages stored"
wait_for 180 "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL AND state = 2" "$msgs" ||
    fail "not all replies sent"
wait_for 180 "SELECT count(*) FROM outbox WHERE text LIKE 'durab %' AND state = 2" "$sends" ||
    fail "not all queued sends sent"

assert_eq "$(sql "SELECT count(*) FROM inbound")" "$msgs" "every message stored"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT sender, text FROM inbound)")" \
    "$msgs" "no message stored twice (by sender and text)"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE parts = 3 AND incomplete = 0 AND text LIKE 'Durabilitate:%'")" \
    "$mparts" "every 3-part message stored whole"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE text LIKE 'Durabilitate:%' AND substr(text, 1, length('$LONG')) <> '$LONG'")" \
    0 "3-part texts intact"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL")" \
    "$msgs" "one reply per message"
assert_eq "$(sql "SELECT count(DISTINCT in_reply_to) FROM outbox")" "$msgs" \
    "no message answered twice"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE text LIKE 'durab %' AND state = 2")" \
    "$sends" "every queued send sent"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 1")" 0 \
    "no row left SENDING"
dups=$(grep -o "outbox [0-9]* sent in" "$T/daemon.log" | sort | uniq -d | wc -l)
dupsends=$(grep -o "outbox [0-9]* sent in" "$T/daemon.log" | sort | uniq -c |
    awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }')
[ "$dupsends" -le $((kills + wkills)) ] &&
    ok "at most one message sent twice per kill ($dupsends extra sends of $dups messages, $((kills + wkills)) kills)" ||
    fail "$dupsends extra sends after $((kills + wkills)) kills"
worst=$(grep -o "outbox [0-9]* sent in" "$T/daemon.log" | sort | uniq -c |
    sort -rn | awk 'NR == 1 { print $1 }')
[ "${worst:-1}" -le 2 ] && ok "no message sent more than twice" ||
    fail "a message was sent $worst times"

# USSD: what the aggregator got an answer for is stored.
answered=0
lost=0
for f in "$T"/ussd/*.code; do
	[ "$(cat "$f")" = 200 ] || continue
	answered=$((answered + 1))
	id=$(basename "$f" .code)
	[ "$(sql "SELECT count(*) FROM ussd_sessions WHERE session_id = 'long-$id'")" = 1 ] ||
	    { lost=$((lost + 1)); echo "  USSD session long-$id answered but not stored"; }
done
assert_eq "$lost" 0 "every answered USSD request stored ($answered of $ussd answered)"
[ "$answered" -gt 0 ] && ok "USSD requests answered under kills" ||
    fail "no USSD request answered"

assert_eq "$(sql "PRAGMA integrity_check")" ok "integrity_check ok"
stop_daemon
assert_eq "$RC" 0 "clean stop after the crashes"
T1=$(date +%s)
out=$(sql "SELECT count(*) FROM outbox WHERE state = 2")
echo "# summary: seed $SEED, $CYCLES cycles, $kills daemon kills + $wkills worker kills," \
    "$msgs messages in ($mparts of 3 parts, $((mparts * 3 + msgs - mparts)) parts)," \
    "$out messages out ($sends queued sends), $ussd USSD requests ($answered answered)," \
    "$dupsends duplicate sends, wall $((T1 - T0)) s"
e2e_done
