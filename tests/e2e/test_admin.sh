# The SMS control plane (issue 9): STATUS, PAUSE and RESUME with the PIN
# from an admin number; a wrong PIN or a stranger gets the normal answer
# to an unknown text and a log line; PAUSE holds back bulk (alerts still
# go out) across a restart until RESUME.
. "$(dirname "$0")/lib.sh"

ADMIN=+40700000999
STRANGER=+40722300002
write_conf m1
sed -i 's/^admin_numbers = .*/&\nadmin_pin = 4711/' "$T/stafeta.conf"
start_daemon 1 || { e2e_done; exit 1; }

# sms NUMBER TEXT: sends one SMS, prints the reply queued to NUMBER.
sms() {
	_n=$(sql "SELECT count(*) FROM outbox WHERE recipient = '$1'")
	inject m1 "$1" "$2"
	wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '$1'" \
	    $((_n + 1)) > /dev/null
	sql "SELECT text FROM outbox WHERE recipient = '$1' ORDER BY id DESC LIMIT 1"
}
UNKNOWN="^Buna ziua! Nu am inteles mesajul"

r=$(sms $ADMIN "STATUS 4711")
# A Kannel channel has no signal strength to show.
sig='[0-9]+% '
[ "$E2E_CHANNEL" != kannel ] || sig=''
assert_match "$r" "^Stafeta: m1 up ${sig}q[0-9]+; coada [0-9]+$" \
    "STATUS answers with the channels and the queue"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE text LIKE '%4711%'")" 0 \
    "the PIN is not kept in the inbound table"
if grep -q 4711 "$T/daemon.log"; then fail "the PIN is in the log"
else ok "the PIN is not logged"; fi

r=$(sms $ADMIN "STATUS 1234")
assert_match "$r" "$UNKNOWN" "a wrong PIN gets the unknown-text answer"
wait_log 5 "admin command STATUS from .* refused \(wrong PIN\)" &&
    ok "wrong PIN logged" || fail "wrong PIN not logged"
r=$(sms $STRANGER "status 4711")
assert_match "$r" "$UNKNOWN" "a stranger gets the unknown-text answer"
wait_log 5 "refused \(not an admin number\)" &&
    ok "stranger's attempt logged" || fail "stranger's attempt not logged"

r=$(sms $ADMIN "pause 4711")
assert_match "$r" "PAUZA bulk$" "PAUSE acknowledged with the status"
now=$(now_ms)
sql "INSERT INTO outbox(created_at, recipient, text, priority, state, attempts, parts, next_attempt_at)
 VALUES ($now, '+40744100001', 'bulk 1', 50, 0, 0, 1, 0),
        ($now, '+40744100002', 'alert 1', 0, 0, 0, 1, 0);"
wait_for 10 "SELECT state FROM outbox WHERE text = 'alert 1'" 2 &&
    ok "an alert goes out while paused" || fail "alert held by PAUSE"
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(sql "SELECT state FROM outbox WHERE text = 'bulk 1'")" 0 \
    "bulk held while paused"

# The pause survives a restart.
stop_daemon
start_daemon 1 || { e2e_done; exit 1; }
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(sql "SELECT state FROM outbox WHERE text = 'bulk 1'")" 0 \
    "still paused after a restart"
r=$(sms $ADMIN "STATUS 4711")
assert_match "$r" "PAUZA bulk$" "STATUS says paused after the restart"

r=$(sms $ADMIN "RESUME 4711")
assert_match "$r" "^Stafeta: m1 up.*coada [0-9]+$" "RESUME acknowledged"
wait_for 10 "SELECT state FROM outbox WHERE text = 'bulk 1'" 2 &&
    ok "bulk sent after RESUME" || fail "bulk still held after RESUME"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
