# Alerts that can leave (issue 10): with a single modem whose device
# vanishes, the "modem down" alert cannot leave; `stafeta status`, the
# daemon log and the metrics say so (once per interval in the log), and
# when the device comes back the alert leaves through it.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + ($$ + 29) % 20000))
EXTRA="[metrics]
listen = 127.0.0.1:$PORT"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
M="http://127.0.0.1:$PORT/metrics"
mline() { curl -s -m 5 "$M" | grep -F -x -- "$1" > /dev/null && ok "$2: $1" ||
    fail "$2: no line '$1'"; }

mline 'stafeta_alerts_waiting 0' "no alert waiting while m1 is up"
mline 'stafeta_channels_up 1' "one channel up"
assert_eq "$(cli status | grep -c 'ALERT not delivered')" 0 \
    "status quiet while the modem is up"

# The only modem's device vanishes.
mv "$T/state/modem-m1" "$T/state/modem-m1.away"
wait_for 20 "SELECT state FROM channels WHERE name = 'm1'" "down" ||
    fail "m1 not marked down"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m1 NU%' AND state = 0" 1 &&
    ok "down alert queued and waiting" || fail "no waiting down alert"
assert_match "$(cli status)" \
    "ALERT not delivered: no channel up since [0-9]{2}:[0-9]{2} .* m1 down: device .*modem-m1 (disappeared|does not exist) \(1 alert waiting\)" \
    "status says the alert cannot leave, since when and why"
wait_log 10 "ALERT not delivered: no channel up since .* m1 down" &&
    ok "daemon log warns that the alert cannot leave" ||
    fail "no warning in the log"
mline 'stafeta_alerts_waiting 1' "metrics count the waiting alert"
mline 'stafeta_channels_up 0' "metrics show no channel up"
grep -q "ALERT not delivered.*+40700000999" "$T/daemon.log" &&
    fail "administrator number in the warning" ||
    ok "no phone number in the warning"
# Still down a few checks later (the supervisor checks every 250 ms; two
# more attempts of the worker to reopen the device take seconds): the log
# said it once, not every tick.
n_retry=$(grep -c "modem m1: device .* retrying in" "$T/daemon.log")
wait_log 20 "modem m1: device .* retrying in" $((n_retry + 2)) ||
    fail "the device was not tried again while it was away"
assert_eq "$(grep -c 'ALERT not delivered' "$T/daemon.log")" 1 \
    "warned once per interval, not every tick"

# The device comes back: m1 up, and the waiting alert leaves through it.
mv "$T/state/modem-m1.away" "$T/state/modem-m1"
wait_for 30 "SELECT state FROM channels WHERE name = 'm1'" "up" ||
    fail "m1 did not come back"
wait_for 20 "SELECT state || ' ' || channel FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m1 NU%'" "2 m1" &&
    ok "the down alert left once m1 was back" || fail "down alert still stuck"
assert_eq "$(cli status | grep -c 'ALERT not delivered')" 0 \
    "status quiet once the alert left"
mline 'stafeta_alerts_waiting 0' "metrics: nothing waiting any more"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
