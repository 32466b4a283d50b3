# Foundation (issue 2): an SMS lands in the dummy inbox, is stored, and a
# reply is handed to the modem; the operator sees it through the CLI.
. "$(dirname "$0")/lib.sh"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }

i=0
for word in "AJUTOR" "help" "Ajutor!" "AJUTÓR" "ajutr"; do
	i=$((i + 1))
	inject m1 "+4072200000$i" "$word"
done
inject m1 "+40722000009" "Buna ziua, ce faceti?"

wait_for 10 "SELECT count(*) FROM inbound" 6 && ok "6 messages stored" ||
    fail "messages not stored"
wait_for 10 "SELECT count(*) FROM outbox WHERE state = 2" 6 &&
    ok "6 replies handed to the modem" || fail "replies not sent"
if [ "$E2E_CHANNEL" = kannel ]; then
	echo "skip - inbox files: no dummy modem on the Kannel channel"
else
	assert_eq "$(ls "$T/state/modem-m1/sms/1" | wc -l)" 0 \
	    "inbox files deleted from the modem after storing"
fi

for i in 1 2 3 4 5; do
	reply=$(sql "SELECT o.text FROM outbox o JOIN inbound i
	    ON o.in_reply_to = i.id WHERE i.sender = '+4072200000$i'")
	other=$(sql "SELECT o.text FROM outbox o JOIN inbound i
	    ON o.in_reply_to = i.id WHERE i.sender = '+40722000009'")
	if [ -n "$reply" ] && [ "$reply" != "$other" ]; then
		ok "help keyword $i answered with the help text"
	else
		fail "help keyword $i: reply '$reply' (other: '$other')"
	fi
done
other=$(sql "SELECT o.text FROM outbox o JOIN inbound i
    ON o.in_reply_to = i.id WHERE i.sender = '+40722000009'")
assert_match "$other" "AJUTOR" "unknown text gets a reply naming the keywords"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40722000004'")" \
    "AJUTÓR" "UTF-8 text stored as received"

csv=$(cli inbox --csv)
assert_match "$(printf '%s' "$csv" | head -n 1)" \
    "^id,received_at,modem,sender,text" "inbox --csv header"
assert_match "$csv" '"Buna ziua, ce faceti\?"' "inbox --csv quotes commas"
csv=$(cli outbox --csv)
assert_match "$(printf '%s' "$csv" | head -n 1)" \
    "^id,created_at,modem,recipient,text,state" "outbox --csv header"
assert_match "$(cli status)" "m1" "status lists the modem"

out=$(cli send 0722111222 "Test operator")
assert_match "$out" "queued" "stafeta send queues a message"
wait_for 10 "SELECT state FROM outbox WHERE recipient = '+40722111222'" 2 &&
    ok "daemon sends a message queued by the CLI" ||
    fail "CLI message not sent"
cli send "not-a-number" "x" > /dev/null 2>&1
assert_eq "$?" 1 "stafeta send refuses a bad number"

# SIGHUP with a broken file keeps the running configuration.
cp "$T/stafeta.conf" "$T/good.conf"
printf '[gateway]\nbogus_key = 1\n' >> "$T/stafeta.conf"
kill -HUP "$DPID"
wait_log 10 "reload refused" && ok "bad reload logged" ||
    fail "bad reload not logged"
if kill -0 "$DPID" 2>/dev/null; then ok "bad reload refused, daemon alive"
else fail "daemon died on a bad reload"; fi
cp "$T/good.conf" "$T/stafeta.conf"
inject m1 "+40722000010" "help"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40722000010' AND state = 2" 1 &&
    ok "still answering after the refused reload" || fail "not answering"

stop_daemon
assert_eq "$RC" 0 "SIGTERM stops the daemon with exit 0"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 1")" 0 \
    "nothing left marked as sending"
e2e_done
