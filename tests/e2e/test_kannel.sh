# The Kannel channel (issue 15) with the real Kannel: bearerbox + smsbox
# + fakesmsc (kannel-extras) on loopback ports.  An MO typed into the
# fake SMSC is stored once and answered through sendsms back to the fake
# SMSC; a message and a delivery report delivered again by Kannel are
# stored once; bearerbox killed and restarted in the middle of a burst
# loses nothing and the queue drains.
. "$(dirname "$0")/lib.sh"

BB=${BEARERBOX:-/usr/sbin/bearerbox}
SB=${SMSBOX:-/usr/sbin/smsbox}
FAKE=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
if [ ! -x "$BB" ] || [ ! -x "$SB" ] || [ ! -x "$FAKE" ]; then
	echo "skip - Kannel not installed (kannel, kannel-extras: $BB $SB $FAKE)"
	exit 0
fi

BASEPORT=$((30000 + ($$ % 3000) * 10))
HP=$BASEPORT		# Stafeta's [http]
ADMIN=$((BASEPORT + 1))	# bearerbox admin
SBOX=$((BASEPORT + 2))	# bearerbox <- smsbox
FPORT=$((BASEPORT + 3))	# bearerbox <- fakesmsc
SEND=$((BASEPORT + 4))	# smsbox sendsms
SECRET=s3cret-kannel
KPIDS=""

kannel_stop() {
	for p in $KPIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $KPIDS; do wait "$p" 2>/dev/null; done
	KPIDS=""
	[ -n "${FIFO_PID:-}" ] && kill "$FIFO_PID" 2>/dev/null
	FIFO_PID=""
}
kannel_cleanup() {
	kannel_stop
	[ -n "${BBPID:-}" ] && kill -KILL "$BBPID" 2>/dev/null
	e2e_cleanup
}
trap kannel_cleanup EXIT

mkdir -p "$T/spool"
cat > "$T/kannel.conf" <<CONF
group = core
admin-port = $ADMIN
admin-password = adm
status-password = adm
admin-interface = 127.0.0.1
smsbox-port = $SBOX
box-allow-ip = 127.0.0.1
log-file = "$T/bearerbox.log"
log-level = 0
store-type = spool
store-location = "$T/spool"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $FPORT
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $SBOX
sendsms-port = $SEND
sendsms-interface = 127.0.0.1
max-pending-requests = 8
http-request-retry = 5
http-queue-delay = 1
log-file = "$T/smsbox.log"
log-level = 0

group = sendsms-user
username = stafeta
password = pw
max-messages = 10
default-sender = 1234
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:$HP/kannel/mo?channel=op1&secret=$SECRET&id=%I&from=%p&to=%P&coding=%c&charset=%C&text=%b"
CONF

# wait_file SECONDS FILE ERE [COUNT]: bounded wait for COUNT lines.
wait_file() {
	_deadline=$(($(date +%s) + $1 * E2E_SLACK))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		_got=$(grep -Ec -- "$3" "$2" 2>/dev/null)
		[ "${_got:-0}" -ge "${4:-1}" ] && return 0
		sleep 0.05
	done
	echo "  (waited $1 s for ${4:-1} line(s) /$3/ in $(basename "$2"), saw ${_got:-0})"
	return 1
}
bb_start() {
	_n=$(grep -c "Start-up done" "$T/bearerbox.log" 2>/dev/null)
	"$BB" -v 0 "$T/kannel.conf" >> "$T/bearerbox.out" 2>&1 &
	BBPID=$!
	wait_file 20 "$T/bearerbox.log" "Start-up done" $((${_n:-0} + 1))
}
fake_start() {
	_n=$(grep -c "Fakesmsc client connected" "$T/bearerbox.log" 2>/dev/null)
	# fakesmsc reads MOs from a FIFO held open by a sleeping writer.
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	"$FAKE" -H 127.0.0.1 -r "$FPORT" -m -1 < "$T/fifo" >> "$T/fakesmsc.log" 2>&1 &
	FAKEPID=$!
	sleep 100000 > "$T/fifo" &
	FIFO_PID=$!
	wait_file 20 "$T/bearerbox.log" "Fakesmsc client connected" $((${_n:-0} + 1))
}
kannel_start() {
	bb_start || return 1
	fake_start || return 1
	"$SB" -v 0 "$T/kannel.conf" >> "$T/smsbox.out" 2>&1 &
	SBPID=$!
	KPIDS="$FAKEPID $SBPID $BBPID"
	wait_file 20 "$T/smsbox.log" "Connected to bearerbox"
}
# mo FROM TEXT: an MO typed into the fake SMSC.
mo() { printf '%s 1234 text %s\n' "$1" "$2" > "$T/fifo"; }
# got_at_smsc NUMBER: MTs the fake SMSC received for NUMBER.
got_at_smsc() { grep -c "Got message [0-9]*: <[^ ]* $1 " "$T/fakesmsc.log"; }

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
wait_file 10 "$T/fakesmsc.log" "Got message [0-9]*: <1234 \+40722000001 text Stafeta SPAS" &&
    ok "reply reached the SMSC" || fail "reply did not reach the SMSC"
wait_for 10 "SELECT state FROM outbox WHERE recipient = '+40722000001'" 3 &&
    ok "delivery report matched the reply (DELIVERED)" || fail "delivery report not matched"
assert_eq "$(sql "SELECT channel FROM outbox WHERE recipient = '+40722000001'")" op1 \
    "the reply went out on the Kannel channel"

# --- An MO in UCS-2 (fakesmsc's ucs2: UTF-16BE) is stored as UTF-8.
printf '%s 1234 ucs2 %s\n' 0722000005 '%00A%00J%00U%00T%00O%00R%00+%01%03' > "$T/fifo"
wait_for 10 "SELECT text FROM inbound WHERE sender = '+40722000005'" "AJUTOR ă" &&
    ok "UCS-2 MO stored as UTF-8" || fail "UCS-2 MO not decoded"

# --- A text that is not GSM-7 goes as UCS-2 (coding 2), whole.
cli send 0722000002 "Ședință mâine la primărie" > /dev/null
wait_file 10 "$T/fakesmsc.log" "Got message [0-9]*: <1234 \+40722000002 ucs-2 %02%18%00e%00d%00i%00n%02%1B%01%03" &&
    ok "UCS-2 text sent with coding 2" || fail "UCS-2 text not sent as UCS-2"
# A long GSM-7 text: handed over whole, Kannel splits it.
long=$(printf 'Mesaj lung %.0s' $(seq 1 30))
cli send 0722000003 "$long" > /dev/null
wait_for 10 "SELECT state >= 2 FROM outbox WHERE recipient = '+40722000003'" 1 &&
    ok "long text accepted by smsbox" || fail "long text not sent"
wait_file 10 "$T/fakesmsc.log" "Got message [0-9]*: <1234 \+40722000003 udh" 2 &&
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
wait_file 10 "$T/fakesmsc.log" "<1234 \+40722000004 text" || true
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
wait_file 20 "$T/fakesmsc.log" "<1234 \+4072201[0-9]{4} text Mesaj" 5 ||
    fail "burst did not start"
kill -KILL "$BBPID" 2>/dev/null
wait "$BBPID" 2>/dev/null
wait "$FAKEPID" 2>/dev/null
kill "$FIFO_PID" 2>/dev/null
echo "# bearerbox killed after $(grep -Ec '<1234 \+4072201[0-9]{4} text Mesaj' "$T/fakesmsc.log") of $N"
# Stafeta keeps sending into the gap: smsbox refuses or is unreachable.
wait_log 20 "kannel op1: out [0-9]+ requeued|kannel op1: out of routing" ||
    echo "  (no refusal seen during the outage)"
bb_start || fail "bearerbox did not restart"
fake_start || fail "fakesmsc did not reconnect"
KPIDS="$FAKEPID $SBPID $BBPID"
wait_for 90 "SELECT count(*) FROM outbox WHERE recipient LIKE '+4072201%' AND state IN (2, 3)" $N &&
    ok "every message of the burst accepted after the restart" ||
    fail "burst not drained: $(sql "SELECT state, count(*) FROM outbox WHERE recipient LIKE '+4072201%' GROUP BY state" | tr '\n' ' ')"
missing=0
i=1
while [ $i -le $N ]; do
	num="+4072201$(printf '%04d' $i)"
	wait_file 60 "$T/fakesmsc.log" "<1234 \\$num text Mesaj $i>" > /dev/null || missing=$((missing + 1))
	i=$((i + 1))
done
assert_eq "$missing" 0 "every message of the burst reached the SMSC"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN (0, 1, 4)")" 0 "nothing queued, in flight or failed"

stop_daemon
assert_eq "$RC" 0 "clean stop"
kannel_stop
e2e_done
