# Dialogue flows (issue 5) through the real daemon: every transcript in
# tests/transcripts/ is replayed, SMS ones through the dummy modem and USSD
# ones as HTTP requests from an aggregator; then the USSD endpoint's
# protection and retry behaviour.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + $$ % 20000))
SECRET=s3cret-e2e
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
URL="http://127.0.0.1:$PORT/ussd"
NL='
'
# SMSC timestamps have a one-second resolution and are part of the dedup
# key: give every injected message its own second.
TS=$(($(date +%s) - 100000))

# check_turn DESCRIPTION GOT EXPECTED
check_turn() {
	if [ "$2" = "$3" ]; then ok "$1"
	else fail "$1$NL  expected: $(printf '%s' "$3" | tr '\n' '|')$NL  got:      $(printf '%s' "$2" | tr '\n' '|')"; fi
}

# SMS: inject the line, wait for the inbound row (replies are queued in
# the same transaction), collect everything queued to the number since.
sms_turn() { # sms_turn FILE NUMBER TEXT EXPECTED
	_before=$(sql "SELECT coalesce(max(id), 0) FROM outbox")
	_n=$(sql "SELECT count(*) FROM inbound WHERE sender = '$2'")
	TS=$((TS + 1))
	inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "$2" "$3"
	wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '$2'" \
	    $((_n + 1)) > /dev/null
	_got=$(sql "SELECT text FROM outbox WHERE recipient = '$2' AND id > $_before ORDER BY id")
	check_turn "$(basename "$1"): > $3" "$_got" "$4"
}

USSD_SID=""
USSD_TEXT=""
USSD_CODE=""
ussd_post() { # ussd_post SID CODE NUMBER TEXT [extra curl args]
	_sid=$1 _code=$2 _num=$3 _text=$4
	shift 4
	curl -s -X POST "$@" \
	    --data-urlencode "sessionId=$_sid" \
	    --data-urlencode "serviceCode=$_code" \
	    --data-urlencode "phoneNumber=$_num" \
	    --data-urlencode "text=$_text" "$URL"
}
ussd_turn() { # ussd_turn FILE NUMBER LINE EXPECTED
	case "$3" in
	\*[0-9]*\#)
		USSD_SID="e2e-$$-$(date +%s%N)"
		USSD_CODE=$3
		USSD_TEXT=""
		;;
	*)
		if [ -z "$USSD_TEXT" ]; then USSD_TEXT=$3
		else USSD_TEXT="$USSD_TEXT*$3"; fi
		;;
	esac
	_got=$(ussd_post "$USSD_SID" "$USSD_CODE" "$2" "$USSD_TEXT" \
	    -H "X-Stafeta-Secret: $SECRET")
	check_turn "$(basename "$1"): > $3" "$_got" "$4"
}

replay() { # replay FILE
	_f=$1
	_chan=$(sed -n 's/^# channel: *//p' "$_f" | head -n 1)
	_num=$(sed -n 's/^# number: *//p' "$_f" | head -n 1)
	_in=""
	_exp=""
	_have=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		case "$_line" in
		"> "*)
			[ "$_have" = 1 ] && "${_chan}_turn" "$_f" "$_num" "$_in" "$_exp"
			_in=${_line#> }
			_exp=""
			_have=1
			;;
		"<")
			_exp="$_exp${_exp:+$NL}"
			;;
		"< "*)
			if [ -z "$_exp" ]; then _exp=${_line#< }
			else _exp="$_exp$NL${_line#< }"; fi
			;;
		esac
	done < "$_f"
	[ "$_have" = 1 ] && "${_chan}_turn" "$_f" "$_num" "$_in" "$_exp"
}

for f in "$ROOT"/tests/transcripts/*.txt; do
	echo "# replaying $(basename "$f")"
	replay "$f"
done

# The endpoint refuses requests without the secret, and other methods.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --data "sessionId=x&serviceCode=*123%23&phoneNumber=%2B40722000555&text=" "$URL")
assert_eq "$code" 401 "USSD request without the secret refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Stafeta-Secret: $SECRET" "$URL")
assert_eq "$code" 405 "GET /ussd refused"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")
assert_eq "$code" 200 "GET /health answers"
# An aggregator retrying the same request gets the same answer, and the
# dialogue does not advance twice.
a=$(ussd_post retry-1 "*123#" "+40722000556" "" -H "X-Stafeta-Secret: $SECRET")
b=$(ussd_post retry-1 "*123#" "+40722000556" "1" -H "X-Stafeta-Secret: $SECRET")
c=$(ussd_post retry-1 "*123#" "+40722000556" "1" -H "X-Stafeta-Secret: $SECRET")
assert_match "$a" "^CON " "USSD session opened"
check_turn "retried USSD request answered identically" "$c" "$b"
# A late retry of an earlier request (text "1" after "1*4" was answered)
# gets the current screen and does not move the dialogue: the next real
# request answers the third question.
h="X-Stafeta-Secret: $SECRET"
ussd_post late-1 "*123*5#" "+40722000559" "" -H "$h" > /dev/null
ussd_post late-1 "*123*5#" "+40722000559" "1" -H "$h" > /dev/null
q3=$(ussd_post late-1 "*123*5#" "+40722000559" "1*4" -H "$h")
assert_match "$q3" "^CON 3/3" "USSD poll at its third question"
late=$(ussd_post late-1 "*123*5#" "+40722000559" "1" -H "$h")
check_turn "late retry of an earlier USSD request shows the current screen" \
    "$late" "$q3"
assert_eq "$(sql "SELECT node FROM flow_sessions WHERE phone = '+40722000559' AND channel = 1")" \
    imbunatatit "late retry left the session at the third question"
end=$(ussd_post late-1 "*123*5#" "+40722000559" "1*4*2" -H "$h")
assert_match "$end" "^END " "the next request answers the third question"

# A USSD dialogue that breaks off can be continued by SMS (sondaj.flow
# allows it): after ussd_timeout_s the next SMS gets the pending question.
ussd_post broken-1 "*123*5#" "+40722000557" "" -H "X-Stafeta-Secret: $SECRET" > /dev/null
q=$(ussd_post broken-1 "*123*5#" "+40722000557" "1" -H "X-Stafeta-Secret: $SECRET")
assert_match "$q" "^CON 2/3" "USSD poll at its second question"
# The housekeeping tick notices the break-off after ussd_timeout_s (the
# default, 180 s of test clock), not before.
housekeeping_now
# (the line for this number: the retry test above left a session open too)
grep -q "557/sms sondaj: new -> " "$T/daemon.log" &&
    fail "USSD dialogue broken off before ussd_timeout_s" ||
    ok "USSD dialogue kept open before ussd_timeout_s"
clock_advance 181
grep -q "557/sms sondaj: new -> " "$T/daemon.log" &&
    ok "USSD break-off noticed after ussd_timeout_s" ||
    fail "USSD break-off not noticed after ussd_timeout_s"
before=$(sql "SELECT coalesce(max(id), 0) FROM outbox")
TS=$((TS + 1))
inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "+40722000557" "4"
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '+40722000557'" 1 > /dev/null
got=$(sql "SELECT text FROM outbox WHERE recipient = '+40722000557' AND id > $before ORDER BY id")
assert_match "$got" "3/3" "broken-off USSD dialogue continued by SMS"

# Outbound start: SPAS pushes the poll to two residents, one of whom has
# opted out; the other answers by SMS and the dialogue goes on.
TS=$((TS + 1))
inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "+40722000602" "STOP"
wait_for 10 "SELECT opted_out FROM contacts WHERE phone = '+40722000602'" 1 > /dev/null
out=$(cli flow start sondaj 0722000601 0722000602)
assert_match "$out" "0601: started" "flow start queues the first question"
assert_match "$out" "0602: .*opt" "flow start skips a number that sent STOP"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40722000601' AND state = 2 AND text LIKE '%1/3%'" 1 &&
    ok "pushed poll question sent" || fail "pushed poll not sent"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722000602' AND text LIKE '%1/3%'")" 0 \
    "nothing sent to the opted-out number"
TS=$((TS + 1))
inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "+40722000601" "1"
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '+40722000601'" 1 > /dev/null
assert_match "$(sql "SELECT text FROM outbox WHERE recipient = '+40722000601' ORDER BY id DESC LIMIT 1")" \
    "^2/3" "the pushed dialogue continues with the answer"

stop_daemon
assert_eq "$RC" 0 "clean stop"

# The simulator: transcripts (timers included) and the stdin contract.
# It works on a scratch copy of the SQLite file; a PostgreSQL store is
# not copied, so there it works on an empty scratch database (and says
# so), which is all these transcripts need.
for f in "$ROOT"/tests/transcripts/*.txt "$ROOT"/tests/transcripts/sim/*.txt; do
	num=$(sed -n 's/^# number: *//p' "$f" | head -n 1)
	out=$(cli simulate "${num:-+40722000999}" --transcript "$f" 2>&1)
	assert_eq "$?" 0 "simulator replays $(basename "$f")"
done
out=$(printf 'AJUTOR\n' | cli simulate +40722000998)
assert_match "$out" "STOP" "simulator reads stdin and prints the reply"
e2e_done
