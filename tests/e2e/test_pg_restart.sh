# PostgreSQL restarted mid-burst (issue 15): the server is killed
# (pg_ctl -m immediate, a crash) while messages arrive and started again
# while more keep arriving.  Nothing acknowledged is lost: every message
# is stored exactly once and answered exactly once, and the daemon says
# when it lost and found its database.  Runs in every mode: it brings its
# own PostgreSQL (pg_lib.sh).
E2E_STORE=postgresql
. "$(dirname "$0")/lib.sh"

EXTRA="[limits]
replies_per_hour = 0"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }

N=300
inject m1 --count 100 --number-texts "+40722300000" "Mesaj A"
wait_for 60 "SELECT count(*) FROM inbound" 100 ||
    fail "the first 100 were not stored"
# More arrive, and the server dies among them: some of these are in a
# transaction that never commits.
inject m1 --count 100 --number-texts "+40722300000" "Mesaj B"
pg_stop immediate
ok "PostgreSQL killed while messages arrive"
inject m1 --count 50 --number-texts "+40722300000" "Mesaj C"
if wait_log 30 "store .*(no connection|server closed|terminating connection|could not connect)"; then
	ok "the daemon logged the lost database"
else
	fail "the daemon did not notice the lost database"
fi
assert_match "$(kill -0 "$DPID" && echo alive)" "alive" \
    "the daemon keeps running without its database"
pg_start
inject m1 --count 50 --number-texts "+40722300000" "Mesaj D"
if wait_log 60 "store .*: reconnected"; then
	ok "the daemon logged its reconnection"
else
	fail "no reconnection logged"
fi

wait_for 120 "SELECT count(*) FROM inbound" "$N" ||
    fail "not all messages stored"
wait_for 120 "SELECT count(*) FROM outbox WHERE state = 2" "$N" ||
    fail "not all replies sent"
assert_eq "$(sql "SELECT count(DISTINCT text) FROM inbound")" "$N" \
    "no message stored twice"
assert_eq "$(sql "SELECT count(DISTINCT in_reply_to) FROM outbox")" "$N" \
    "no message answered twice"
assert_eq "$(ls "$T/state/modem-m1/sms/1" | wc -l)" 0 \
    "modem inbox empty at the end"
stop_daemon
assert_eq "$RC" 0 "clean stop after the database came back"
e2e_done
