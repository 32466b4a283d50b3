# Delivery reports stored on the modem (issue 10): a modem told to keep
# reports in its "SR" memory announces each with +CDSI: "SR",n instead of
# pushing it with +CDS.  The report is read from SR, matched to the
# message it reports on (the outbox row becomes delivered), and deleted
# from SR.
. "$(dirname "$0")/lib.sh"

write_conf
write_at_modem h1 huawei
echo cdsi > "$T/at-h1/control"
start_daemon 1 || { e2e_done; exit 1; }

at_inject h1 "+40722000011" "AJUTOR"
wait_for 15 "SELECT count(*) FROM outbox WHERE recipient = '+40722000011' AND state IN (2, 3)" 1 &&
    ok "reply sent" || fail "reply not sent"
wait_for 15 "SELECT count(*) FROM outbox WHERE recipient = '+40722000011' AND state = 3" 1 &&
    ok "+CDSI delivery report matched: the reply is delivered" ||
    fail "+CDSI report not matched"
grep -q 'stored delivery report at SR' "$T/at-h1/emulator.log" &&
    ok "the modem stored the report in SR and announced it" ||
    fail "no report stored in SR"
grep -q '^[0-9]* AT+CPMS="SR"' "$T/at-h1/commands.log" &&
    ok "SR memory selected to read it" || fail "SR never selected"
wait_for 15 "SELECT count(*) FROM outbox WHERE state = 3" 1 > /dev/null
k=0
while [ -n "$(ls "$T/at-h1/sr")" ] && [ $k -lt $((100 * E2E_SLACK)) ]; do
	sleep 0.1
	k=$((k + 1))
done
assert_eq "$(ls "$T/at-h1/sr" | wc -l)" 0 "report deleted from SR after storing"
assert_eq "$(ls "$T/at-h1/sim" | wc -l)" 0 "message deleted from the SIM"
wait_log 5 "delivery report mr=[0-9]+ status=0 matched" &&
    ok "daemon log: report matched" || fail "no matched report in the log"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
