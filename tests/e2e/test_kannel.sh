# The Kannel channel (issue 15) with the real Kannel: bearerbox + smsbox
# + fakesmsc (kannel-extras) on loopback ports.  An MO typed into the
# fake SMSC is stored once and answered through sendsms back to the fake
# SMSC; a message and a delivery report delivered again by Kannel are
# stored once; bearerbox killed and restarted in the middle of a burst
# loses nothing and the queue drains.
. "$(dirname "$0")/lib.sh"

. "$ROOT/tests/e2e/kannel_lib.sh"
if ! kannel_installed; then
	echo "skip - Kannel not installed (kannel, kannel-extras: $KBB $KSB $KFAKE)"
	exit 0
fi

KDIR=$T
KPORT=$((30000 + ($$ % 3000) * 10))
KSMSCS=fake
HP=$KPORT		# Stafeta's [http]
SEND=$((KPORT + 4))	# smsbox sendsms
FPORT=$((KPORT + 5))	# bearerbox <- fakesmsc
SECRET=s3cret-kannel
KGETURL="http://127.0.0.1:$HP/kannel/mo?channel=op1&secret=$SECRET&id=%I&from=%p&to=%P&coding=%c&charset=%C&text=%b"
kannel_cleanup() {
	kannel_stop
	e2e_cleanup
}
trap kannel_cleanup EXIT
kannel_write_conf
wait_file() { kannel_wait_file "$@"; }
# mo FROM TEXT: an MO typed into the fake SMSC.
mo() { kannel_mo fake "$1" text "$2"; }
FAKELOG="$T/fake-fake.log"

EXTRA="[http]
listen = 127.0.0.1:$HP
secret = $SECRET

[channel op1]
type = kannel
sendsms_url = http://127.0.0.1:$SEND/cgi-bin/sendsms
username = stafeta
password = pw
send_per_minute = 600"
write_conf
start_daemon 1 || { e2e_done; exit 1; }
kannel_start || { fail "Kannel did not start"; e2e_done; exit 1; }
echo "# ports: http $HP, sendsms $SEND, fake smsc $FPORT"
H="X-Stafeta-Secret: $SECRET"
URL="http://127.0.0.1:$HP"

# --- An MO through the fake SMSC: stored, answered through sendsms, the
# reply reaches the SMSC and its delivery report matches it.
mo 0722000001 AJUTOR
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '+40722000001' AND channel = 'op1' AND text = 'AJUTOR'" 1 &&
    ok "MO through Kannel stored" || fail "MO through Kannel not stored"
wait_file 10 "$FAKELOG" "Got message [0-9]*: <1234 \+40722000001 text Stafeta SPAS" &&
    ok "reply reached the SMSC" || fail "reply did not reach the SMSC"
wait_for 10 "SELECT state FROM outbox WHERE recipient = '+40722000001'" 3 &&
    ok "delivery report matched the reply (DELIVERED)" || fail "delivery report not matched"
assert_eq "$(sql "SELECT channel FROM outbox WHERE recipient = '+40722000001'")" op1 \
    "the reply went out on the Kannel channel"

# --- An MO in UCS-2 (fakesmsc's ucs2: UTF-16BE) is stored as UTF-8.
kannel_mo fake 0722000005 ucs2 '%00A%00J%00U%00T%00O%00R%00+%01%03'
wait_for 10 "SELECT text FROM inbound WHERE sender = '+40722000005'" "AJUTOR ă" &&
    ok "UCS-2 MO stored as UTF-8" || fail "UCS-2 MO not decoded"

# --- A text that is not GSM-7 goes as UCS-2 (coding 2), whole.
cli send 0722000002 "Ședință mâine la primărie" > /dev/null
wait_file 10 "$FAKELOG" "Got message [0-9]*: <1234 \+40722000002 ucs-2 %02%18%00e%00d%00i%00n%02%1B%01%03" &&
    ok "UCS-2 text sent with coding 2" || fail "UCS-2 text not sent as UCS-2"
# A long GSM-7 text: handed over whole, Kannel splits it.
long=$(printf 'Mesaj lung %.0s' $(seq 1 30))
cli send 0722000003 "$long" > /dev/null
wait_for 10 "SELECT CASE WHEN state >= 2 THEN 1 ELSE 0 END FROM outbox WHERE recipient = '+40722000003'" 1 &&
    ok "long text accepted by smsbox" || fail "long text not sent"
wait_file 10 "$FAKELOG" "Got message [0-9]*: <1234 \+40722000003 udh" 2 &&
    ok "long text reached the SMSC as concatenated parts" ||
    fail "long text not concatenated at the SMSC"
assert_eq "$(sql "SELECT parts FROM outbox WHERE recipient = '+40722000003'")" 3 \
    "its parts counted"

# --- Kannel delivers the same MO again (its answer was lost): stored
# once, answered once.  Likewise a repeated delivery report.
mo_get() { curl -s -o /dev/null -w '%{http_code}' -H "$H" "$URL/kannel/mo?channel=op1&id=$1&from=%2B40722000004&to=1234&coding=0&charset=UTF-8&text=$2"; }
assert_eq "$(mo_get k-retry-1 AJUTOR)" 200 "MO accepted"
assert_eq "$(mo_get k-retry-1 AJUTOR)" 200 "the same MO again acknowledged"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722000004'")" 1 "repeated MO stored once"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40722000004'" 1 &&
    ok "repeated MO answered once" || fail "repeated MO answered more than once"
wait_file 10 "$FAKELOG" "<1234 \+40722000004 text" || true
out=$(sql "SELECT id FROM outbox WHERE recipient = '+40722000004'")
wait_for 10 "SELECT state FROM outbox WHERE id = $out" 3 > /dev/null
dlr() { curl -s -o /dev/null -w '%{http_code}' -H "$H" "$URL/kannel/dlr?channel=op1&out=$out&to=%2B40722000004&type=$1"; }
d0=$(sql "SELECT delivered_at FROM outbox WHERE id = $out")
assert_eq "$(dlr 1)" 200 "repeated delivery report acknowledged"
assert_eq "$(sql "SELECT delivered_at FROM outbox WHERE id = $out")" "$d0" "repeated delivery report recorded once"
assert_eq "$(mo_get 'bad%20id' x)" 400 "MO with a bad id refused"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/kannel/mo?channel=op1&id=x&from=1&text=x")" 401 \
    "MO without the secret refused"

# --- bearerbox killed and restarted in the middle of a burst: nothing
# lost, the queue drains.
N=40
i=1
while [ $i -le $N ]; do
	printf '%s\n' "+4072201$(printf '%04d' $i)|Mesaj $i"
	i=$((i + 1))
done | while IFS='|' read -r num text; do cli send "$num" "$text" > /dev/null; done
wait_file 20 "$FAKELOG" "<1234 \+4072201[0-9]{4} text Mesaj" 5 ||
    fail "burst did not start"
kill -KILL "$KBB_PID" 2>/dev/null
wait "$KBB_PID" 2>/dev/null
for p in $KFAKE_PIDS; do wait "$p" 2>/dev/null; done
for p in $KFIFO_PIDS; do kill "$p" 2>/dev/null; done
KFAKE_PIDS=""
KFIFO_PIDS=""
echo "# bearerbox killed after $(grep -Ec '<1234 \+4072201[0-9]{4} text Mesaj' "$FAKELOG") of $N"
# Stafeta keeps sending into the gap: smsbox refuses or is unreachable.
wait_log 20 "kannel op1: out [0-9]+ requeued|kannel op1: out of routing" ||
    echo "  (no refusal seen during the outage)"
kannel_bb_start || fail "bearerbox did not restart"
kannel_fake_start fake || fail "fakesmsc did not reconnect"
wait_for 90 "SELECT count(*) FROM outbox WHERE recipient LIKE '+4072201%' AND state IN (2, 3)" $N &&
    ok "every message of the burst accepted after the restart" ||
    fail "burst not drained: $(sql "SELECT state, count(*) FROM outbox WHERE recipient LIKE '+4072201%' GROUP BY state" | tr '\n' ' ')"
missing=0
i=1
while [ $i -le $N ]; do
	num="+4072201$(printf '%04d' $i)"
	wait_file 60 "$FAKELOG" "<1234 \\$num text Mesaj $i>" > /dev/null || missing=$((missing + 1))
	i=$((i + 1))
done
assert_eq "$missing" 0 "every message of the burst reached the SMSC"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN (0, 1, 4)")" 0 "nothing queued, in flight or failed"

stop_daemon
assert_eq "$RC" 0 "clean stop"
kannel_stop
e2e_done
