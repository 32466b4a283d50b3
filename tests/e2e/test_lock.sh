# A write lock held 20 s by another process (issue 9) while SMS and USSD
# arrive: the daemon's loop never waits on it.  /health answers at once,
# USSD gets 503 with Retry-After (nothing done, the aggregator asks
# again), no modem worker is killed, and once the lock is released every
# SMS is stored once and answered once.  The 20 s sleep is the
# adversary's (tests/tools/stafeta-lockhold.c); every wait here is bounded
# and decides on what the daemon did.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + $$ % 20000))
SECRET=s3cret-lock
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET"
WATCHDOG_S=5 write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
URL="http://127.0.0.1:$PORT"
HOLD=${HOLD:-20}
N=6

ussd() { # ussd SID TEXT: prints "CODE TIME_S"
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -m 30 -X POST \
	    -H "X-Stafeta-Secret: $SECRET" \
	    --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*123#" \
	    --data-urlencode "phoneNumber=+40722000700" \
	    --data-urlencode "text=$2" "$URL/ussd"
}

"$B/tools/stafeta-lockhold" "$DB" "$HOLD" > "$T/lock.out" 2>&1 &
LPID=$!
_d=$(($(date +%s) + 15))
until grep -q locked "$T/lock.out" || [ "$(date +%s)" -gt "$_d" ]; do
	sleep 0.05
done
grep -q locked "$T/lock.out" && ok "another process holds the write lock" ||
    fail "the lock holder did not get the lock"
T0=$(date +%s)

for i in $(seq 1 $N); do
	inject m1 "+4072233300$i" "AJUTOR"
done

# While the lock is held: /health and USSD every 0.5 s for 12 s.
max=0
codes=""
_end=$(($(date +%s) + 12))
while [ "$(date +%s)" -lt "$_end" ]; do
	t=$(curl -s -o /dev/null -m 10 -w '%{time_total}' "$URL/health")
	max=$(echo "$t $max" | awk '{ print ($1 > $2) ? $1 : $2 }')
	codes="$codes $(ussd "lock-$$-$(date +%s%N)" "" | cut -d' ' -f1)"
	sleep 0.5
done
echo "# /health slowest answer during the lock: ${max} s"
awk "BEGIN { exit !($max < 0.5) }" && ok "/health answers within 0.5 s during the lock (slowest ${max} s)" ||
    fail "/health took ${max} s during the lock"
case "$codes" in
*200*|*500*) fail "USSD during the lock answered:$codes" ;;
*503*) ok "USSD during the lock answers 503 (Retry-After)" ;;
*) fail "USSD during the lock answered:$codes" ;;
esac
grep -q "locked" "$T/lock.out" && ! grep -q released "$T/lock.out" &&
    ok "the lock was still held while measuring" ||
    fail "the lock ended before the measurements did"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM inbound" 2>/dev/null)" 0 \
    "nothing stored while the lock is held"

wait "$LPID"
echo "# lock released after $(($(date +%s) - T0)) s"
wait_for 15 "SELECT count(*) FROM inbound" $N &&
    ok "all $N SMS stored after the lock" || fail "SMS missing after the lock"
wait_for 15 "SELECT count(*) FROM outbox WHERE state = 2" $N &&
    ok "$N replies sent" || fail "replies missing"
assert_eq "$(sql "SELECT count(DISTINCT sender) || '/' || count(*) FROM inbound")" "$N/$N" \
    "each SMS stored once"
assert_eq "$(sql "SELECT count(DISTINCT recipient) || '/' || count(*) FROM outbox")" "$N/$N" \
    "each SMS answered once"
grep -q "killing worker" "$T/daemon.log" &&
    fail "a worker was killed: $(grep 'killing worker' "$T/daemon.log" | head -1)" ||
    ok "no worker killed"
r=$(ussd "after-$$" "")
assert_match "$r" "^200 " "USSD answers 200 after the lock"
if [ "$E2E_CHANNEL" = kannel ]; then
	echo "skip - SIM parts: no dummy modem on the Kannel channel"
else
	assert_eq "$(ls "$T/state/modem-m1/sms/1" | wc -l)" 0 \
	    "every part deleted from the SIM once stored"
fi

e2e_done
