# Per-modem daily cap and priorities (issue 3): an operator's SIM must not
# exceed its daily cap, and alerts go before replies before bulk.
. "$(dirname "$0")/lib.sh"

write_conf m1
cat >> "$T/stafeta.conf" <<CONF
daily_cap = 3
CONF
# Queue before the daemon starts, in the worst order: bulk first.
mkdir -p "$T/state"
"$B/stafeta" -c "$T/stafeta.conf" -S "$T/state" status > /dev/null
now=$(now_ms)
sql "BEGIN;
INSERT INTO outbox(created_at, recipient, text, priority, state, attempts, parts, next_attempt_at)
 VALUES ($now, '+40744100001', 'bulk 1', 50, 0, 0, 1, 0),
        ($now, '+40744100002', 'bulk 2', 50, 0, 0, 1, 0),
        ($now, '+40744100003', 'bulk 3', 50, 0, 0, 1, 0),
        ($now, '+40744100004', 'reply 1', 10, 0, 0, 1, 0),
        ($now, '+40744100005', 'alert 1', 0, 0, 0, 1, 0);
COMMIT;"
start_daemon 1 || { e2e_done; exit 1; }
wait_for 10 "SELECT count(*) FROM outbox WHERE state = 2" 3 &&
    ok "three messages sent" || fail "messages not sent"
# A full housekeeping pass (queue pick-up included) after the third
# send: a fourth message would now be sending or sent.
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN (1, 2)")" 3 \
    "no more than daily_cap parts sent"
# The cap admits three: the alert and the reply overtake two of the bulk
# messages queued before them.
assert_eq "$(sql "SELECT text FROM outbox WHERE state = 2 ORDER BY text" | tr '\n' ,)" \
    "alert 1,bulk 1,reply 1," "alert and reply go before bulk"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 0")" 2 \
    "the rest stays queued for tomorrow"
assert_match "$(cli status)" "3/3" "status shows the cap reached"
# A restart does not give the modem a fresh day.
up_re="modem m1: [a-z]* -> up"
[ "$E2E_CHANNEL" != kannel ] || up_re="kannel m1: sendsms at"
n_up=$(grep -c "$up_re" "$T/daemon.log")
stop_daemon
start_daemon 1 || { e2e_done; exit 1; }
wait_log 20 "$up_re" $((n_up + 1)) ||
    fail "modem not up again after the restart"
housekeeping_now || fail "no housekeeping pass after the restart"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN (1, 2)")" 3 \
    "daily cap still reached after a restart"
# Tomorrow (UTC, a second past midnight) the cap admits the rest.
clock_advance $(((86400000 - $(now_ms) % 86400000) / 1000 + 1))
wait_for 10 "SELECT count(*) FROM outbox WHERE state = 2" 5 &&
    ok "the rest is sent the next day" || fail "queue stuck after midnight"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
