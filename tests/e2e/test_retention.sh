#!/bin/sh
# test_retention.sh - stafeta purge --dry-run counts what is past its
# [retention] period as the test clock moves, stafeta purge deletes it,
# and the daemon's daily purge does the same on its own.
. "$(dirname "$0")/lib.sh"

EXTRA='[retention]
inbound_days = 7
outbox_days = 30' write_conf m1
start_daemon || { e2e_done; exit 1; }
inject m1 --count 3 --number-texts +40722000123 "SALUT"
wait_for 20 "SELECT count(*) FROM inbound" 3 || fail "3 SMS stored"
wait_for 20 "SELECT count(*) FROM outbox WHERE state IN (2, 3)" 3 ||
    fail "3 replies sent"
stop_daemon

# class_rows CLASS: the count `stafeta purge --dry-run` prints for CLASS.
class_rows() {
	cli purge --dry-run | awk -v c="$1" '$1 == c { print $2 }'
}

assert_eq "$(class_rows inbound)" 0 "fresh messages: nothing to purge"
clock_advance $((6 * 86400))
assert_eq "$(class_rows inbound)" 0 "6 days later: inbound still kept"
clock_advance $((2 * 86400))
assert_eq "$(class_rows inbound)" 3 "8 days later: 3 inbound would go"
assert_eq "$(class_rows outbox)" 0 "8 days later: the outbox is kept (30 days)"
assert_eq "$(class_rows sheets)" 0 "the sheet service reports its class"
assert_eq "$(class_rows quarantine)" 0 "nothing quarantined to purge"
assert_eq "$(class_rows audit)" "-" "a class with no table says so"
assert_eq "$(sql "SELECT count(*) FROM inbound")" 3 "a dry run deletes nothing"

cli purge > "$T/purge.out"
assert_eq "$?" 0 "stafeta purge exits 0"
assert_eq "$(sql "SELECT count(*) FROM inbound")" 0 "purge deleted the inbound rows"
assert_eq "$(sql "SELECT count(*) FROM outbox")" 3 "purge kept the outbox rows"

# The daemon purges once a day on its own.  (The channel row still says
# "up" from the first run: wait for this daemon's own start.)
start_daemon || { e2e_done; exit 1; }
up_re="starting -> up"
[ "$E2E_CHANNEL" != kannel ] || up_re="kannel m1: sendsms at"
wait_log 30 "$up_re" 2 || fail "the daemon started again"
clock_advance $((21 * 86400))
assert_eq "$(sql "SELECT count(*) FROM outbox")" 3 \
    "day 29: the daemon's purge keeps 29-day-old outbox rows"
clock_advance $((2 * 86400))
wait_log 10 "purge: outbox: 3 row\(s\) past retention deleted" ||
    fail "the daemon logs its daily purge"
assert_eq "$(sql "SELECT count(*) FROM outbox")" 0 \
    "the daemon's daily purge deleted the 30-day-old outbox rows"
if grep -E "purge:.*\+407" "$T/daemon.log" > /dev/null; then
	fail "purge log lines carry a phone number"
else
	ok "purge log lines carry no phone number"
fi
stop_daemon

e2e_done
