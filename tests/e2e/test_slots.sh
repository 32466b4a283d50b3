# SIM slots (issue 9).  1: an unreadable message on the SIM (an empty and
# a garbage file in the dummy inbox, as a full disk leaves them) no longer
# stops the modem: the 20 good SMS behind them are stored and answered,
# the bad slots are copied to the quarantine table with their bytes and
# then removed, an alert is queued and the modem stays up.  2: dedup tells
# a re-read from a new message: identical SMS (one sender, one text, one
# SMSC second) are each stored and answered, while a part read again
# because its delete failed is stored and answered once.
. "$(dirname "$0")/lib.sh"

# wait_empty SECONDS: until the dummy inbox $IN holds no file.
wait_empty() {
	_w=0
	while [ "$(ls "$IN" | wc -l)" -gt 0 ] && [ $_w -lt $(($1 * 20)) ]; do
		sleep 0.05
		_w=$((_w + 1))
	done
}

write_conf m1 m2
IN="$T/state/modem-m1/sms/1"
mkdir -p "$IN"
: > "$IN/1"
printf '\000\377\376garbage, not an SMS\001\002\n' > "$IN/2"
GARBAGE_HEX=$(od -An -tx1 "$IN/2" | tr -d ' \n' | tr a-f A-F)
start_daemon 2 || { e2e_done; exit 1; }
inject m1 --start 3 --count 20 --number-texts +40722300001 "Mesaj dupa sloturi"

wait_for 60 "SELECT count(*) FROM inbound WHERE sender = '+40722300001'" 20 ||
    fail "the messages behind the bad slots were not read"
wait_for 30 "SELECT count(*) FROM outbox o JOIN inbound i ON o.in_reply_to = i.id
    WHERE i.sender = '+40722300001'" 20 ||
    fail "the messages behind the bad slots were not answered"
wait_for 30 "SELECT count(*) FROM quarantine" 2 ||
    fail "the bad slots were not quarantined"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722300001'")" 20 \
    "20 good SMS behind an empty and a garbage slot stored"
assert_eq "$(sql "SELECT count(DISTINCT i.id) FROM outbox o JOIN inbound i
    ON o.in_reply_to = i.id WHERE i.sender = '+40722300001'")" 20 \
    "each of them answered once"
assert_eq "$(sql "SELECT channel, folder, location,
    CASE WHEN raw IS NOT NULL THEN 1 ELSE 0 END, length(raw)
    FROM quarantine WHERE location = 10001")" "m1|1|10001|1|0" \
    "the empty slot is quarantined as empty bytes with its location"
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	HEX="upper(encode(raw, 'hex'))"
else
	HEX="hex(raw)"
fi
assert_eq "$(sql "SELECT $HEX FROM quarantine WHERE location = 10002")" \
    "$GARBAGE_HEX" "the garbage slot is quarantined with its exact bytes"
assert_match "$(sql "SELECT error FROM quarantine WHERE location = 10002")" \
    "." "the quarantine row says what the driver could not do"
wait_for 20 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999'
    AND text LIKE '%carantina%'" 2 || fail "no quarantine alert"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40700000999'
    AND text LIKE '%carantina%'")" 2 "an admin alert queued per quarantined slot"
assert_match "$(grep 'quarantined as #' "$T/daemon.log" | head -n 1)" \
    "modem m1: location 1000[12] .*quarantined" \
    "the log names the modem and the location"
assert_eq "$(sql "SELECT state FROM channels WHERE name = 'm1'")" up \
    "the modem is still up"
assert_eq "$(grep -c 'up -> down' "$T/daemon.log")" 0 \
    "the modem never went down over the bad slots"
wait_empty 10
assert_eq "$(ls "$IN" | wc -l)" 0 "the SIM inbox is empty at the end"
assert_match "$(cli status)" "m1: 2 unreadable messages quarantined" \
    "stafeta status mentions the quarantined messages"

# Identical SMS in one SMSC second: two on the SIM at once, then a third
# in a slot already used and freed by the first.  On modem m2, whose inbox
# is clean, so this part stands on its own.
IN="$T/state/modem-m2/sms/1"
SAME="Raspuns identic"
inject m2 --time 20250301T100000 +40722300002 "$SAME"
inject m2 --time 20250301T100000 --start 5 +40722300002 "$SAME"
wait_for 30 "SELECT count(*) FROM inbound WHERE sender = '+40722300002'" 2 ||
    fail "two identical SMS in one second: not both stored"
wait_empty 10
wait_log 10 "modem m2: [0-9]+ location\(s\) deleted, [1-9][0-9]* key\(s\) released" 1 ||
    fail "the deletes were not confirmed to the gateway"
inject m2 --time 20250301T100000 +40722300002 "$SAME"
wait_for 30 "SELECT count(*) FROM inbound WHERE sender = '+40722300002'" 3 ||
    fail "an identical SMS in a freed slot was taken for a duplicate"
wait_for 30 "SELECT count(*) FROM outbox o JOIN inbound i ON o.in_reply_to = i.id
    WHERE i.sender = '+40722300002'" 3 || fail "identical SMS not all answered"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722300002'")" 3 \
    "three identical SMS in one SMSC second: three stored"
assert_eq "$(sql "SELECT count(DISTINCT i.id) FROM outbox o JOIN inbound i
    ON o.in_reply_to = i.id WHERE i.sender = '+40722300002'")" 3 \
    "three identical SMS in one SMSC second: three answered"

# A part whose delete fails is read again and again (as after a crash
# between the commit and the delete): stored once, answered once.  An
# immutable file makes the dummy's unlink fail even for root.
wait_empty 10
inject m2 --start 7 +40722300003 "Mesaj necesters"
if chattr +i "$IN/7" 2>/dev/null; then
	skipped=$(grep -c "already stored, skipped" "$T/daemon.log")
	wait_log 20 "already stored, skipped" $((skipped + 3)) ||
	    fail "the undeletable part was not read again"
	chattr -i "$IN/7"
	_w=0
	while [ -e "$IN/7" ] && [ $_w -lt 400 ]; do
		sleep 0.05; _w=$((_w + 1))
	done
	assert_eq "$(ls "$IN" | wc -l)" 0 "deleted once the delete works"
	wait_for 20 "SELECT count(*) FROM outbox o JOIN inbound i
	    ON o.in_reply_to = i.id WHERE i.sender = '+40722300003'" 1 ||
	    fail "the re-read message was not answered"
	assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722300003'")" \
	    1 "a part read again before its delete is stored once"
	assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN inbound i
	    ON o.in_reply_to = i.id WHERE i.sender = '+40722300003'")" 1 \
	    "a part read again before its delete is answered once"
else
	rm -f "$IN/7"
	ok "# skip re-read check: chattr +i not supported here"
fi

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
