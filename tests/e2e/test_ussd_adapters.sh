# USSD aggregator conventions (issue 15): the same menu dialogue driven
# through each adapter with curl - form (joined text), json (current input
# and a new-request flag) and get (begin/continue/end) - then the
# end-of-session notification (abandonment logged, the dialogue continued
# by SMS) and hostile requests.
. "$(dirname "$0")/lib.sh"

PORT=$((22000 + $$ % 20000))
SECRET=s3cret-adapt
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET
ussd_routes = /ussd/json=json, /ussd/get=get"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
BASE="http://127.0.0.1:$PORT"
H="X-Stafeta-Secret: $SECRET"
TS=$(($(date +%s) - 100000))

json() { # json SID NUMBER INPUT NEW(true|false) [END]
	curl -s -H "$H" -H "Content-Type: application/json" \
	    --data "{\"sessionId\":\"$1\",\"msisdn\":\"$2\",\"input\":\"$3\",\"newRequest\":$4${5:+,\"end\":$5}}" \
	    "$BASE/ussd/json"
}
get() { # get SID NUMBER OP INPUT -> "HEADER|BODY" (Freeflow header, body)
	_b=$(curl -s -G -D "$T/h" -H "$H" --data-urlencode "sessionId=$1" \
	    --data-urlencode "msisdn=$2" --data-urlencode "op=$3" \
	    --data-urlencode "input=$4" "$BASE/ussd/get")
	_f=$(sed -n 's/^Freeflow: *\([A-Z]*\).*/\1/p' "$T/h")
	printf '%s|%s' "$_f" "$_b"
}
form() { # form SID NUMBER TEXT [CODE]
	curl -s -H "$H" --data-urlencode "sessionId=$1" \
	    --data-urlencode "serviceCode=${4:-*123#}" \
	    --data-urlencode "phoneNumber=$2" --data-urlencode "text=$3" \
	    "$BASE/ussd"
}

# The whole poll through the menu, with a repeated answer ("1" twice on
# two screens), an invalid answer, paging (99) and the end.
N=+40722100001
r=$(json j1 $N "*123#" true)
assert_match "$r" '"message":"Stafeta SPAS\\n1 Sondaj' "json: dial shows the menu"
assert_match "$r" '"continueSession":true' "json: the menu continues"
r2=$(json j1 $N "*123#" true)
assert_eq "$r2" "$r" "json: a repeated dial is answered identically"
assert_match "$(json j1 $N 1 false)" '"message":"Sondaj anonim' "json: 1 opens the poll"
assert_match "$(json j1 $N 1 false)" '"message":"2/3 ' "json: the same answer again is the next step"
assert_match "$(json j1 $N 5 false)" '"message":"3/3 ' "json: third question"
assert_match "$(json j1 $N 9 false)" 'Raspuns nevalid.*99 Inainte' "json: invalid answer, first page"
assert_match "$(json j1 $N 99 false)" '"message":"6 Activitati' "json: 99 shows the next page"
r=$(json j1 $N 4 false)
assert_match "$r" '"message":"Multumim!' "json: last answer thanks"
assert_match "$r" '"continueSession":false' "json: and ends the session"
assert_eq "$(sql "SELECT count(*) FROM flow_sessions WHERE phone = '$N' AND node IS NOT NULL AND state = 1")" 0 \
    "json: no dialogue left waiting"

N=+40722100002
assert_eq "$(get g1 $N begin '*123#' | head -c 20)" "FC|Stafeta SPAS
1 So" "get: begin shows the menu (FC)"
assert_match "$(get g1 $N continue 1)" '^FC\|Sondaj anonim' "get: 1 opens the poll"
assert_match "$(get g1 $N continue 1)" '^FC\|2/3 ' "get: second question"
assert_match "$(get g1 $N continue 5)" '^FC\|3/3 ' "get: third question"
assert_match "$(get g1 $N continue 7)" '^FB\|Multumim!' "get: the end breaks the session (FB)"

# The poll's own code dialled: the poll starts at once.
N=+40722100003
assert_match "$(get g2 $N begin '*123*5#')" '^FC\|Sondaj anonim' "get: the poll's own code starts it"
assert_match "$(get g2 $N continue 1)" '^FC\|2/3 ' "get: and goes on"

# The form convention still works, /ussd unchanged.
N=+40722100004
assert_match "$(form f1 $N '')" '^CON Stafeta SPAS' "form: dial"
assert_match "$(form f1 $N 1)" '^CON Sondaj anonim' "form: 1"
assert_match "$(form f1 $N '1*1')" '^CON 2/3' "form: joined text"

# End-of-session notification: the person drops out at the second
# question; the abandonment is logged and the dialogue goes on by SMS
# (sondaj.flow: continue by sms: yes), without waiting ussd_timeout_s.
N=+40722100005
json j5 $N "*123*5#" true > /dev/null
assert_match "$(json j5 $N 1 false)" '2/3' "json: at the second question"
r=$(json j5 $N "" false true)
assert_match "$r" '"continueSession":false' "json: end notification acknowledged"
wait_log 5 "ussd j5: abandoned by the subscriber" &&
    ok "abandonment logged" || fail "abandonment not logged"
assert_eq "$(sql "SELECT count(*) FROM flow_sessions WHERE phone = '$N' AND channel = 0")" 1 \
    "the dialogue now waits on SMS"
r=$(json j5 $N 5 false)
assert_match "$r" '"continueSession":false' "a request after the end notification does not reopen it"
before=$(sql "SELECT coalesce(max(id), 0) FROM outbox")
TS=$((TS + 1))
inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "$N" "4"
wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '$N'" 1 > /dev/null
assert_match "$(sql "SELECT text FROM outbox WHERE recipient = '$N' AND id > $before ORDER BY id")" \
    "3/3" "the abandoned USSD dialogue continued by SMS"

# The same through the get convention (op=abort) and the form one
# (Africa's Talking posts a status).
N=+40722100006
get g6 $N begin '*123*5#' > /dev/null
get g6 $N continue 1 > /dev/null
assert_match "$(get g6 $N abort '')" '^FB\|OK' "get: abort acknowledged"
wait_log 5 "ussd g6: abandoned by the subscriber" &&
    ok "get: abandonment logged" || fail "get: abandonment not logged"
N=+40722100007
form f7 $N '' '*123*5#' > /dev/null
form f7 $N 1 '*123*5#' > /dev/null
r=$(curl -s -H "$H" --data "sessionId=f7&phoneNumber=%2B40722100007&serviceCode=*123*5%23&status=Incomplete&input=1" "$BASE/ussd")
assert_eq "$r" "OK" "form: end-of-session notification acknowledged"
wait_log 5 "ussd f7: abandoned by the subscriber" &&
    ok "form: abandonment logged" || fail "form: abandonment not logged"
# A notification for a session that ended normally is no abandonment.
json j1 +40722100001 "" false true > /dev/null
sleep 0.2
grep -q "ussd j1: abandoned" "$T/daemon.log" &&
    fail "finished session counted as abandoned" ||
    ok "finished session not counted as abandoned"

# Hostile requests: refused with the right status, nothing stored.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "$(code -H "$H" -H "Content-Type: application/json" --data '{"sessionId":"x"' "$BASE/ussd/json")" 400 "json: truncated body 400"
assert_eq "$(code -H "$H" -H "Content-Type: application/json" --data '{"sessionId":"x","msisdn":"+40722100009","input":{"a":1}}' "$BASE/ussd/json")" 400 "json: nested value 400"
assert_eq "$(code -H "$H" -H "Content-Type: application/json" --data '{"sessionId":"x","sessionId":"y","msisdn":"+40722100009"}' "$BASE/ussd/json")" 400 "json: repeated member 400"
assert_eq "$(code -H "$H" -H "Content-Type: text/plain" --data '{}' "$BASE/ussd/json")" 415 "json: wrong content type 415"
assert_eq "$(code -H "$H" -H "Content-Type: application/json" --data '{"sessionId":"x y","msisdn":"+40722100009"}' "$BASE/ussd/json")" 400 "json: bad session id 400"
assert_eq "$(code -H "$H" "$BASE/ussd/get?sessionId=x&msisdn=%2B40722100009&op=jump")" 400 "get: unknown op 400"
assert_eq "$(code -H "$H" "$BASE/ussd/get?sessionId=x&msisdn=%2B40722100009&op=continue&input=%00")" 400 "get: NUL byte 400"
assert_eq "$(code -H "$H" -X POST --data 'a=1' "$BASE/ussd/get")" 405 "get: POST refused"
assert_eq "$(code "$BASE/ussd/get?sessionId=x&msisdn=%2B40722100009&op=begin")" 401 "get: no secret 401"
assert_eq "$(code --data '{}' -H "Content-Type: application/json" "$BASE/ussd/json")" 401 "json: no secret 401"
assert_eq "$(sql "SELECT count(*) FROM contacts WHERE phone = '+40722100009'")" 0 "nothing stored for refused requests"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
