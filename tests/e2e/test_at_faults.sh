# An AT modem that misbehaves (issue 10), on tests/tools/at-emulator
# through libgammu's real AT driver: idle is quiet; a send the modem
# swallows fails after send_timeout_s (8 s, below the 60 s watchdog),
# goes back to the queue and is sent once the modem answers again; an
# idle hang is noticed within 10 s; +CMS ERROR 500, ERROR on a read,
# ^BOOT/^RSSI/RING noise and a device that vanishes and comes back lose
# nothing.
. "$(dirname "$0")/lib.sh"

# The watchdog is the slow backstop here: what must catch a hang is the
# worker itself.
WATCHDOG_S=60 write_conf
write_at_modem a1 huawei
start_daemon 1 || { e2e_done; exit 1; }
CTL="$T/at-a1/control"
up() { sql "SELECT state FROM channels WHERE name = 'a1'"; }
# wait_state SECONDS up|notup
wait_state() {
	wait_for "$1" "SELECT CASE state WHEN 'up' THEN 'up' ELSE 'notup' END FROM channels WHERE name = 'a1'" "$2"
}

# wait_probe: waits (bounded) for the worker's next idle probe, AT+CSQ,
# which it sends only once the connect-time pass and status are over.
wait_probe() {
	_np=$(grep -c ' AT+CSQ$' "$T/at-a1/commands.log" 2>/dev/null)
	_d=$(($(date +%s) + 15 * E2E_SLACK))
	while [ "$(grep -c ' AT+CSQ$' "$T/at-a1/commands.log" 2>/dev/null)" -le "${_np:-0}" ]; do
		[ "$(date +%s)" -le "$_d" ] || return 1
		sleep 0.05
	done
}

# 1. Idle is quiet: after the first idle probe, a window of 12 s of real
#    time (the probe runs on the worker's monotonic clock, which the test
#    clock does not move) sees only the probe (AT+CSQ every 5 s).
#    Listing the inbox every poll_ms (safety_poll_s = 0) costs ~29 a
#    second.  The window measures; the probes seen in it prove the modem
#    was alive, so a stalled worker cannot pass for a quiet one.
wait_probe || fail "no idle probe after connecting"
t0=$(date +%s%3N)
sleep 12 # the measured window, not a wait for an outcome
n=$(at_commands a1 "$t0")
assert_match "$(awk -v s="$t0" '$1 >= s && $2 == "AT+CSQ"' "$T/at-a1/commands.log" | wc -l)" \
    "^[1-9]" "the idle probe kept running in the window"
if [ "$n" -le 4 ]; then ok "idle AT modem: $n commands in 12 s"
else fail "idle AT modem: $n commands in 12 s (at most 4 expected)"; fi
assert_eq "$(awk -v s="$t0" '$1 >= s && $2 ~ /^AT/ && $2 != "AT+CSQ"' "$T/at-a1/commands.log" | wc -l)" \
    0 "only the probe is sent when idle"

# 2. A swallowed send: no answer to AT+CMGS.  The worker gives up after
#    send_timeout_s, the message goes back to the queue, the modem is
#    reconnected and the message sent; the emulator holds its PDU once
#    (the swallowed one was not transmitted).
echo "swallow AT+CMGS once" > "$CTL"
at_inject a1 "+40722000011" "AJUTOR"
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '+40722000011'" 1 ||
    fail "message before the swallowed send not stored"
s0=$(date +%s)
wait_log 12 "no answer from the modem" &&
    ok "swallowed send timed out after $(($(date +%s) - s0)) s (below 10 s)" ||
    fail "swallowed send did not time out"
wait_for 20 "SELECT state FROM outbox WHERE recipient = '+40722000011'" 3 &&
    ok "swallowed message retried, sent and delivered" ||
    fail "swallowed message not sent again"
assert_eq "$(at_sent a1 | awk -F '\t' '$1 == "+40722000011"' | wc -l)" 1 \
    "sent exactly once"
assert_eq "$(grep -c 'watchdog: no answer' "$T/daemon.log")" 0 \
    "the watchdog did not have to step in"

# 3. An idle hang: the modem stops answering anything.  It is marked
#    the worker ends itself (no answer to its probe within 4 s; libgammu
#    alone would wait and reset for a minute), so the modem is out of
#    service within 10 s, and up again once it answers.
wait_state 20 up || fail "modem not up before the hang"
wait_probe || fail "no idle probe before the hang"
echo hang > "$CTL"
h0=$(date +%s%3N)
if wait_state 12 notup; then
	ok "idle hang noticed in $((($(date +%s%3N) - h0) / 1000)) s"
	[ $(($(date +%s%3N) - h0)) -le 10500 ] && ok "within 10 s" ||
	    fail "hang noticed after more than 10 s"
else
	fail "idle hang not noticed"
fi
: > "$CTL"
wait_state 20 up && ok "modem up again after the hang" || fail "modem stayed down"

# 4. Errors and noise on the way of a message: the read of the announced
#    location fails once (the inbox pass reads it), the send gets
#    +CMS ERROR: 500 once (retried); ^BOOT/^RSSI/RING all the time.
printf 'error AT+CMGR once\ncms500 AT+CMGS once\nnoise\n' > "$CTL"
at_inject a1 "+40722000012" "AJUTOR"
wait_for 20 "SELECT count(*) FROM inbound WHERE sender = '+40722000012'" 1 &&
    ok "message read despite ERROR and noise" || fail "message lost to ERROR"
wait_for 30 "SELECT state FROM outbox WHERE recipient = '+40722000012'" 3 &&
    ok "reply sent after +CMS ERROR: 500" || fail "reply lost to +CMS ERROR"
grep -q "fault cms500 on AT+CMGS" "$T/at-a1/emulator.log" &&
    ok "the +CMS ERROR was given" || fail "fault not applied"
: > "$CTL"

# 5. The device vanishes (USB unplugged): down; a message arrives
#    meanwhile; it comes back: up, and the waiting message is read.
wait_state 20 up || fail "modem not up before vanishing"
echo vanish > "$CTL"
wait_state 15 notup && ok "vanished modem marked down" || fail "vanish not noticed"
"$B/tools/at-pdu" deliver "+40722000013" "AJUTOR" > "$T/at-a1/inject/zz"
: > "$CTL"
wait_state 70 up && ok "modem back" || fail "modem did not come back"
wait_for 20 "SELECT count(*) FROM inbound WHERE sender = '+40722000013'" 1 &&
    ok "message that arrived while away read at reconnect" ||
    fail "message lost while away"
wait_for 20 "SELECT state FROM outbox WHERE recipient = '+40722000013'" 3 ||
    fail "reply to the message read at reconnect not delivered"

assert_eq "$(sql "SELECT count(*) FROM inbound")" 3 "nothing stored twice"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN (0, 1, 4) AND recipient LIKE '+407220000%'")" \
    0 "no reply left behind or failed"
e2e_done
