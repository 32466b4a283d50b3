# Modems in the field (issue 3), end to end on two dummy modems:
# multipart UCS-2 with Romanian diacritics arrives intact and unmixed; a
# worker killed or stalled mid-send is restarted and nothing is lost; a
# modem whose folder disappears is marked down and its queue drains
# through the other.
. "$(dirname "$0")/lib.sh"

# watchdog_s is monotonic (a SIGSTOPped worker), so the test clock cannot
# shorten it: the minimum, 5 s, is what section 3 waits.
WATCHDOG_S=5 write_conf m1 m2
# Credit check on m1: the dummy answers "Reply for *133#", so the pattern
# reads 133 as the balance, below the 200 threshold: a low-credit alert.
cat >> "$T/stafeta.conf" <<CONF

[modem m3]
model = dummy
connection = none
device = modem-m3
balance_ussd = *133#
balance_regex = Reply for \\*([0-9]+)#
low_credit = 200
CONF
start_daemon 3 || { e2e_done; exit 1; }

# 1. Long UCS-2 messages, parts shuffled, two senders sharing reference
#    and part count (libgammu's GSM_LinkSMS would mix them).
LONG_A="Bună ziua! Școala și țara, înghețată, mâine. Așa că încercăm un mesaj lung cu diacritice românești ș ț ă î â Ș Ț Ă Î Â și forma veche ş ţ Ş Ţ, plus un zâmbet 😀 la final."
LONG_B="Altă persoană, același număr de referință: îți scriu despre ședința de mâine de la școală, țineți minte să aduceți actele. Mulțumesc frumos și o zi bună! ăâîșț"
inject m1 --unicode --shuffle --ref 7 "+40733000001" "$LONG_A"
inject m1 --unicode --shuffle --ref 7 "+40733000002" "$LONG_B"
inject m2 --unicode --concat16 --ref 7 "+40733000003" "$LONG_A"
wait_for 15 "SELECT count(*) FROM inbound WHERE sender LIKE '+4073300000%'" 3 ||
    fail "long messages not stored"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40733000001'")" \
    "$LONG_A" "3-part UCS-2 message from A intact"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40733000002'")" \
    "$LONG_B" "same-reference message from B intact and not mixed"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40733000003'")" \
    "$LONG_A" "16-bit reference message intact"
assert_eq "$(sql "SELECT parts FROM inbound WHERE sender = '+40733000001'")" \
    "$(sql "SELECT parts FROM inbound WHERE sender = '+40733000003'")" \
    "part count recorded"
assert_eq "$(sql "SELECT incomplete FROM inbound WHERE sender = '+40733000002'")" \
    0 "complete message not flagged incomplete"

# Bad input: an empty SMS is stored and answered; a ~40-part message
# arrives whole.
inject m1 "+40733000020" ""
FORTY=$(i=0; while [ $i -lt 35 ]; do printf 'Partea %02d: textul lung se repeta pana la umplerea partii de 67 unitati ăî. ' $i; i=$((i + 1)); done)
inject m1 --unicode "+40733000021" "$FORTY"
wait_for 20 "SELECT count(*) FROM outbox o JOIN inbound i ON o.in_reply_to = i.id WHERE i.sender = '+40733000020'" 1 &&
    ok "empty SMS stored and answered" || fail "empty SMS lost"
wait_for 20 "SELECT count(*) FROM inbound WHERE sender = '+40733000021'" 1 ||
    fail "long message not stored"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40733000021'")" \
    "$(printf '%s' "$FORTY")" "long multi-part message intact"
assert_match "$(sql "SELECT parts FROM inbound WHERE sender = '+40733000021'")" \
    '^(39|40)$' "recorded with all its 40 parts"

wait_for 20 "SELECT CAST(balance * 10 AS INTEGER) FROM channels WHERE name = 'm3'" "1330" &&
    ok "SIM credit read by USSD and stored" || fail "no balance"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%credit%m3%'" 1 &&
    ok "low-credit alert queued to the administrator" || fail "no low-credit alert"
assert_match "$(cli status)" "133" "status shows the balance"

# 2. A worker killed while sending: every queued message still goes out.
queue_bulk() { # queue_bulk N PREFIX HINT
	_v="("
	_i=0
	{
		echo "BEGIN;"
		while [ "$_i" -lt "$1" ]; do
			_i=$((_i + 1))
			echo "INSERT INTO outbox(created_at, recipient, text, priority,
			    state, attempts, parts, next_attempt_at, channel_hint)
			    VALUES ($(date +%s)000, '+4074400$(printf %04d "$_i")',
			    '$2 $_i', 50, 0, 0, 1, 0, $3);"
		done
		echo "COMMIT;"
	} | sql
}
queue_bulk 200 "bulk" NULL
wait_for 10 "SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM outbox WHERE text LIKE 'bulk %' AND state = 2" 1 ||
    fail "bulk sending did not start"
w1=$(pgrep -P "$DPID" | head -n 1)
kill -KILL "$w1"
wait_for 30 "SELECT count(*) FROM outbox WHERE text LIKE 'bulk %' AND state = 2" 200 &&
    ok "200 messages sent although a worker was killed mid-send" ||
    fail "messages lost after a worker kill"
wait_for 20 "SELECT count(*) FROM channels WHERE state = 'up'" 3 &&
    ok "killed worker restarted" || fail "worker not restarted"

# 3. A stalled worker (SIGSTOP) is detected by the watchdog and restarted.
w=$(pgrep -P "$DPID" | head -n 1)
kill -STOP "$w"
queue_bulk 20 "stall" NULL
wait_for 30 "SELECT count(*) FROM outbox WHERE text LIKE 'stall %' AND state = 2" 20 &&
    ok "messages sent while a worker was stalled" ||
    fail "stalled worker blocked the queue"
wait_log 15 "watchdog" && ok "watchdog killed the stalled worker" ||
    fail "watchdog did not act"
kill -CONT "$w" 2>/dev/null
wait_for 30 "SELECT count(*) FROM channels WHERE state = 'up'" 3 &&
    ok "stalled worker replaced" || fail "stalled worker not replaced"

# At most one message per worker kill may have gone out twice (the one in
# flight); the worker logs every message the modem accepted.
dups=$(grep -o "outbox [0-9]* sent in" "$T/daemon.log" | sort | uniq -d | wc -l)
[ "$dups" -le 2 ] && ok "at most the in-flight message sent twice ($dups)" ||
    fail "$dups messages sent twice after 2 worker kills"

# A delivery report is matched to the newest message sent to that number
# with that TP-MR (the dummy modem gives every message TP-MR 255), by
# the modem that sent it: the report comes back through that modem (which
# of the three sent "stall 5" depends on scheduling).
inject "$(sql "SELECT channel FROM outbox WHERE text = 'stall 5'")" \
    --report 255:0 "+40744000005" "Delivered"
wait_for 10 "SELECT text FROM outbox WHERE recipient = '+40744000005' AND state = 3" "stall 5" &&
    ok "delivery report marks the message delivered" ||
    fail "delivery report not matched"

# A long message whose last part never arrives is delivered, flagged
# incomplete, after multipart_timeout_s (3600 s of test clock).
inject m1 --unicode --skip-part 3 "+40733000009" "$LONG_A"
wait_for 10 "SELECT count(*) FROM sms_parts WHERE sender = '+40733000009'" 2 ||
    fail "parts of the incomplete message not stored"
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40733000009'")" 0 \
    "incomplete message held before the timeout"
clock_advance 3601
wait_for 10 "SELECT incomplete FROM inbound WHERE sender = '+40733000009'" 1 &&
    ok "incomplete message delivered after the timeout, flagged" ||
    fail "incomplete message not delivered"
assert_match "$(sql "SELECT text FROM inbound WHERE sender = '+40733000009'")" \
    '\[\.\.\.\]' "the gap is marked in the text"

# 4. The folder of modem m2 disappears (a USB modem unplugged): m2 is
#    marked down, the administrator is told, and m2's queue drains
#    through m1.
rm -rf "$T/state/modem-m2"
wait_for 20 "SELECT state FROM channels WHERE name = 'm2'" "down" &&
    ok "modem with a vanished device marked down" || fail "m2 not marked down"
queue_bulk 10 "hinted" "'m2'"
wait_for 20 "SELECT count(*) FROM outbox WHERE text LIKE 'hinted %' AND state = 2 AND channel = 'm1'" 10 &&
    ok "queue of the dead modem drained through the other" ||
    fail "hinted messages stuck"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m2%'" 1 &&
    ok "administrator alerted that m2 is down" || fail "no admin alert"
# The alert about m2 is never pinned to m2: it leaves at once through
# another modem while m2 is still down.
wait_for 20 "SELECT state || ' ' || CASE WHEN channel IN ('m1', 'm3') THEN 1 ELSE 0 END || ' ' || coalesce(channel_hint, '-') FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m2 NU%'" "2 1 -" &&
    ok "alert about m2 sent through another modem" ||
    fail "alert about m2 not sent while m2 is down"
assert_eq "$(sql "SELECT state FROM channels WHERE name = 'm2'")" "down" \
    "m2 still down when its alert left"
assert_match "$(cli status)" "m2.*down" "status shows m2 down"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
