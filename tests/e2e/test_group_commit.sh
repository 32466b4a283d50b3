# Group commit (issue 15, gateway/gw_batch.c): USSD requests and Kannel
# MOs that arrive in one pass of the event loop share one durable
# transaction, and none is answered before it is committed.
#
# A burst is made deterministic without any sleep: the daemon is stopped
# (SIGSTOP), N requests are sent and wait, complete, in its sockets (ss
# shows them), then it goes on (SIGCONT) and reads them all in one pass.
# Asserted: every request gets its own correct reply and row; the log
# shows fewer commits than requests; a request whose unit fails (a
# trigger refuses its row) gets 500 alone while the others of its batch
# keep their rows; kill -9 right after the replies loses no acknowledged
# session; two copies of one Kannel MO in one batch are stored and
# answered once; a client that gave up before its batch ran harms no one.
. "$(dirname "$0")/lib.sh"

PORT=$((22000 + ($$ + 7) % 20000))
SECRET=s3cret-gc
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET
max_connections = 256
max_per_address = 128

[channel op1]
type = kannel
sendsms_url = http://127.0.0.1:9/cgi-bin/sendsms
username = stafeta
password = pw
dlr_mask = 0"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
BASE="http://127.0.0.1:$PORT"
PIDS=""

# queued N: waits (bounded) until N requests sit whole in the stopped
# daemon's accepted-or-pending sockets.
queued() {
	_deadline=$(($(date +%s) + 10 * E2E_SLACK))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		_n=$(ss -Htn state established "( sport = :$PORT )" |
		    awk '$1 > 0' | wc -l)
		[ "$_n" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "  (only $_n of $1 requests queued)"
	return 1
}

# ussd TAG SID PHONE TEXT: one form request in the background; body in
# $T/TAG.body, HTTP code in $T/TAG.code.
ussd() {
	curl -s --max-time 30 -H "X-Stafeta-Secret: $SECRET" \
	    --data-urlencode "sessionId=$2" --data-urlencode "serviceCode=*123#" \
	    --data-urlencode "phoneNumber=$3" --data-urlencode "text=$4" \
	    -o "$T/$1.body" -w '%{http_code}' "$BASE/ussd" > "$T/$1.code" &
	PIDS="$PIDS $!"
}
mo() { # mo TAG ID FROM TEXT: a Kannel get-url delivery
	curl -s --max-time 30 -G --data-urlencode "channel=op1" \
	    --data-urlencode "secret=$SECRET" --data-urlencode "id=$2" \
	    --data-urlencode "from=$3" --data-urlencode "to=1234" \
	    --data-urlencode "text=$4" \
	    -o "$T/$1.body" -w '%{http_code}' "$BASE/kannel/mo" > "$T/$1.code" &
	PIDS="$PIDS $!"
}

# Runs what was queued with ussd/mo while the daemon was stopped.
burst_go() { # burst_go N
	queued "$1" || fail "the burst's $1 requests did not all reach the daemon's sockets"
	kill -CONT "$DPID"
	wait $PIDS
	PIDS=""
}

# Sums of "batch: K units, 1 commit" lines after line $1 of the log:
# prints "COMMITS UNITS MAXUNITS".
batches_since() {
	tail -n +"$(($1 + 1))" "$T/daemon.log" |
	    sed -n 's/.*batch: \([0-9]*\) units*, 1 commit.*/\1/p' |
	    awk '{ c++; u += $1; if ($1 > m) m = $1 } END { printf "%d %d %d\n", c, u, m }'
}
loglines() { wc -l < "$T/daemon.log"; }

# ---- 1. A burst of 20 new sessions: 20 right replies, 20 rows, fewer
#         commits than requests.
N=20
L0=$(loglines)
kill -STOP "$DPID"
i=1
while [ $i -le $N ]; do
	ussd "a$i" "gc-a-$i" "+407223000$((10 + i))" ""
	i=$((i + 1))
done
burst_go $N
good=0
i=1
while [ $i -le $N ]; do
	if [ "$(cat "$T/a$i.code")" = 200 ] && head -c 19 "$T/a$i.body" | grep -q '^CON Stafeta SPAS'; then
		good=$((good + 1))
	fi
	i=$((i + 1))
done
assert_eq "$good" "$N" "burst: every request got 200 and the menu (CON)"
assert_eq "$(sql "SELECT count(*) FROM ussd_sessions WHERE session_id LIKE 'gc-a-%' AND phone LIKE '+407223000%'")" "$N" \
    "burst: every session is stored with its own number"
set -- $(batches_since "$L0")
assert_eq "$2" "$N" "burst: the log's batches hold the $N requests"
if [ "$1" -ge 1 ] && [ "$1" -lt "$N" ] && [ "$3" -ge 2 ]; then
	ok "burst: $N requests in $1 commit(s), largest batch $3"
else
	fail "burst: $N requests took $1 commits (largest batch $3): no group commit"
fi

# The second step of the same 20 sessions, at once too: each its own.
L0=$(loglines)
kill -STOP "$DPID"
i=1
while [ $i -le $N ]; do
	ussd "b$i" "gc-a-$i" "+407223000$((10 + i))" "1"
	i=$((i + 1))
done
burst_go $N
good=0
i=1
while [ $i -le $N ]; do
	grep -q '^CON Sondaj de proba' "$T/b$i.body" && good=$((good + 1))
	i=$((i + 1))
done
assert_eq "$good" "$N" "second step: every session moved on to the poll"
assert_eq "$(sql "SELECT count(*) FROM ussd_sessions WHERE session_id LIKE 'gc-a-%' AND response LIKE 'CON Sondaj de proba%'")" "$N" \
    "second step: every session stored the screen it was shown"

# ---- 2. One unit fails (a trigger refuses its session row): it alone
#         gets 500; the others of the same batch keep their rows.
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	sql "CREATE FUNCTION gc_fault_fn() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN RAISE EXCEPTION 'injected fault'; END \$\$;
  CREATE TRIGGER gc_fault BEFORE INSERT ON ussd_sessions FOR EACH ROW
  WHEN (NEW.session_id = 'gc-f-5') EXECUTE FUNCTION gc_fault_fn();"
else
	sql "CREATE TRIGGER gc_fault BEFORE INSERT ON ussd_sessions
  WHEN NEW.session_id = 'gc-f-5' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
fi
N=10
L0=$(loglines)
kill -STOP "$DPID"
i=1
while [ $i -le $N ]; do
	ussd "f$i" "gc-f-$i" "+407223001$((10 + i))" ""
	i=$((i + 1))
done
burst_go $N
assert_eq "$(cat "$T/f5.code")" 500 "failing unit: its request is answered 500"
good=0
i=1
while [ $i -le $N ]; do
	[ $i -ne 5 ] && [ "$(cat "$T/f$i.code")" = 200 ] && grep -q '^CON ' "$T/f$i.body" && good=$((good + 1))
	i=$((i + 1))
done
assert_eq "$good" $((N - 1)) "failing unit: the other $((N - 1)) got their menu"
assert_eq "$(sql "SELECT count(*) FROM ussd_sessions WHERE session_id LIKE 'gc-f-%'")" $((N - 1)) \
    "failing unit: the others' sessions are stored, not its own"
set -- $(batches_since "$L0")
assert_eq "$2" "$N" "failing unit: it ran in a committed batch with the others"
if [ "$1" -lt "$N" ]; then ok "failing unit: $N requests in $1 commit(s)"
else fail "failing unit: $N requests took $1 commits"; fi
wait_log 5 "ussd gc-f-5: request failed: .*injected fault" ||
    fail "failing unit: its failure is logged with the cause"
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	sql "DROP TRIGGER gc_fault ON ussd_sessions"
else
	sql "DROP TRIGGER gc_fault"
fi

# ---- 3. Kannel: two copies of one MO (Kannel retried) in one batch with
#         another MO: stored once, answered once, both acknowledged.
L0=$(loglines)
kill -STOP "$DPID"
mo k1 kid-77 "+40722400001" "AJUTOR"
mo k2 kid-77 "+40722400001" "AJUTOR"
mo k3 kid-78 "+40722400002" "AJUTOR"
burst_go 3
assert_eq "$(cat "$T/k1.code") $(cat "$T/k2.code") $(cat "$T/k3.code")" "200 200 200" \
    "kannel: the copies and the other MO are all acknowledged"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE channel = 'op1' AND sender = '+40722400001'")" 1 \
    "kannel: the message delivered twice in one batch is stored once"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE channel = 'op1' AND sender = '+40722400002'")" 1 \
    "kannel: the other MO of the batch is stored"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722400001'")" 1 \
    "kannel: and answered once"
assert_eq "$(grep -c "kannel op1: message kid-77 delivered again" "$T/daemon.log")" 1 \
    "kannel: the second copy is logged as a repeat"
set -- $(batches_since "$L0")
assert_eq "$1 $2" "1 3" "kannel: the three MOs shared one commit"

# ---- 4. kill -9 right after the replies: every acknowledged session is
#         there after the restart.
N=20
kill -STOP "$DPID"
i=1
while [ $i -le $N ]; do
	ussd "c$i" "gc-c-$i" "+407223002$((10 + i))" ""
	i=$((i + 1))
done
burst_go $N
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
acked=0
i=1
while [ $i -le $N ]; do
	[ "$(cat "$T/c$i.code")" = 200 ] && acked=$((acked + 1))
	i=$((i + 1))
done
assert_eq "$acked" "$N" "kill -9: all $N requests were answered before the kill"
start_daemon 1 || { e2e_done; exit 1; }
assert_eq "$(sql "SELECT count(*) FROM ussd_sessions WHERE session_id LIKE 'gc-c-%' AND response LIKE 'CON Stafeta SPAS%'")" "$N" \
    "kill -9: every acknowledged session survived, with the screen it was shown"
# and they go on where they were
ussd "d1" "gc-c-7" "+40722300217" "1"
wait $PIDS
PIDS=""
assert_match "$(cat "$T/d1.body")" '^CON Sondaj de proba' "kill -9: a session goes on after the restart"

# ---- 5. An aggregator that gave up (closed its connection) before the
#         batch ran: its reply has nowhere to go, the others of the batch
#         are answered, the daemon goes on.
kill -STOP "$DPID"
curl -s --max-time 1 -H "X-Stafeta-Secret: $SECRET" \
    --data-urlencode "sessionId=gc-g-1" --data-urlencode "serviceCode=*123#" \
    --data-urlencode "phoneNumber=+40722300301" --data-urlencode "text=" \
    -o /dev/null "$BASE/ussd" &
GAVE_UP=$!
ussd g2 "gc-g-2" "+40722300302" ""
queued 2 || fail "gave up: the two requests did not reach the daemon's sockets"
wait "$GAVE_UP"	# its own 1 s timeout, the daemon being stopped
burst_go 0
assert_eq "$(cat "$T/g2.code")" 200 "gave up: the other request of the batch is answered"
ussd g3 "gc-g-3" "+40722300303" ""
wait $PIDS
PIDS=""
assert_match "$(cat "$T/g3.body")" '^CON Stafeta SPAS' "gave up: the daemon goes on answering"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
