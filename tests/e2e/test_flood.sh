# Per-sender limits (issue 9): 50 SMS from one number get at most
# replies_per_hour answers, the rest are stored unanswered, the silence is
# logged once; an admin flooding is answered every time; the silence
# survives a restart and ends when the clock passes silence_s.
. "$(dirname "$0")/lib.sh"

FLOOD=+40722300001
ADMIN=+40700000999
EXTRA="[limits]
replies_per_hour = 5
silence_s = 600"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }

replies() { sql "SELECT count(*) FROM outbox WHERE recipient = '$1'"; }

i=1
while [ $i -le 50 ]; do
	inject m1 "$FLOOD" "Salut $i"
	i=$((i + 1))
done
wait_for 30 "SELECT count(*) FROM inbound WHERE sender = '$FLOOD'" 50 &&
    ok "all 50 messages stored" || fail "messages lost"
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(replies $FLOOD)" 5 "only replies_per_hour (5) answers"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '$FLOOD' AND text LIKE 'Salut %'")" 50 \
    "unanswered messages kept with their text"
assert_eq "$(grep -c "sent more than 5 messages in an hour" "$T/daemon.log")" 1 \
    "the silence is logged once"
if grep "sent more than" "$T/daemon.log" | grep -q -- "$FLOOD"; then
	fail "the full number is in the log"
else
	ok "the number is redacted in the log"
fi

i=1
while [ $i -le 8 ]; do
	inject m1 "$ADMIN" "Salut admin $i"
	i=$((i + 1))
done
wait_for 20 "SELECT count(*) FROM outbox WHERE recipient = '$ADMIN'" 8 &&
    ok "an admin flooding is answered every time" ||
    fail "admin limited: $(replies $ADMIN) replies"

# A restart does not give the flooder a fresh allowance.
stop_daemon
start_daemon 1 || { e2e_done; exit 1; }
inject m1 "$FLOOD" "Dupa restart"
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '$FLOOD'" 51 ||
    fail "message after restart not stored"
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(replies $FLOOD)" 5 "still silenced after a restart"

# Past the silence the number is answered again.
clock_advance 601
inject m1 "$FLOOD" "AJUTOR"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '$FLOOD'" 6 &&
    ok "answered again after silence_s" || fail "still silenced after silence_s"
wait_log 5 "answered again after a silence" || fail "no log line at the end"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
