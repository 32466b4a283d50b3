# Prometheus metrics (issue 9): [metrics] listen serves /metrics through
# the protected HTTP server; figures follow from what the test did.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + ($$ + 17) % 20000))
MPORT=$((PORT + 1))
SECRET=s3cret-metrics
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET

[metrics]
listen = 127.0.0.1:$MPORT"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
M="http://127.0.0.1:$MPORT/metrics"
TS=$(($(date +%s) - 100000))

# Two inbound SMS on m1.
for i in 1 2; do
	TS=$((TS + 1))
	inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "+4072200070$i" "AJUTOR"
done
wait_for 10 "SELECT count(*) FROM inbound" 2 || fail "SMS not stored"
# Four USSD requests answered, one refused without the secret.  The menu
# (meniu.flow) starts twice: once it ends at "3 Ajutor", once its
# "1 Sondaj" step hands over to sondaj (the menu reached its end, sondaj
# starts and stays open).
ussd() { # ussd SID NUMBER TEXT
	curl -s -X POST -H "X-Stafeta-Secret: $SECRET" --data-urlencode "sessionId=$1" \
	    --data-urlencode "serviceCode=*123#" --data-urlencode "phoneNumber=$2" \
	    --data-urlencode "text=$3" "http://127.0.0.1:$PORT/ussd" > /dev/null
}
ussd m-1 +40722000711 ""
ussd m-1 +40722000711 "3"
ussd m-2 +40722000712 ""
ussd m-2 +40722000712 "1"
curl -s -o /dev/null -X POST --data "x=1" "http://127.0.0.1:$PORT/ussd"

out=$(curl -s -m 5 "$M")
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$M")
assert_eq "$code" 200 "GET /metrics answers"
line() { printf '%s\n' "$out" | grep -F -x -- "$1" > /dev/null && ok "$2: $1" || fail "$2: no line '$1'"; }
line 'stafeta_messages_in_total{channel="m1"} 2' "two inbound SMS counted on m1"
line 'stafeta_channel_up{channel="m1"} 1' "channel m1 is up"
line 'stafeta_ussd_requests_total{result="continue"} 3' "three USSD requests went on"
line 'stafeta_ussd_requests_total{result="end"} 1' "one USSD request ended its session"
line 'stafeta_ussd_request_duration_seconds_count 4' "four USSD latencies observed"
line 'stafeta_dialogues_started_total{flow="meniu"} 2' "two menu dialogues started"
line 'stafeta_dialogues_started_total{flow="sondaj"} 1' "the hand-over started sondaj"
line 'stafeta_dialogues_completed_total{flow="meniu",how="end"} 2' \
    "both menus reached their end"
line 'stafeta_dialogues_completed_total{flow="meniu",how="cancel"} 0' "no menu cancelled"
line 'stafeta_dialogues_completed_total{flow="sondaj",how="end"} 0' "sondaj still open"
line 'stafeta_dialogues_active{flow="sondaj"} 1' "sondaj counted as active"
line 'stafeta_http_rejections_total{listener="http",reason="unauthorized"} 1' \
    "the request without the secret counted as a rejection"
line 'stafeta_quarantined_slots_total 0' "quarantined slots exposed before any"
line 'stafeta_sheet_visits_overdue 0' "no overdue visit"
assert_match "$(printf '%s\n' "$out" | grep '^stafeta_queue_depth ')" \
    '^stafeta_queue_depth [0-9]+$' "queue depth exposed"
# Replies to the two SMS (and the USSD flow) are in the outbox by state.
assert_match "$(printf '%s\n' "$out" | grep '^stafeta_messages_out{')" \
    'stafeta_messages_out\{channel="[a-z0-9]*",state="[a-z]+"\} [0-9]+' \
    "outbound messages by channel and state"

# Every line is a comment (# HELP / # TYPE) or a sample in the text
# format; no phone number anywhere.
bad=$(printf '%s\n' "$out" | grep -Ev '^(# (HELP|TYPE) [a-z_:][a-z0-9_:]* .+|[a-z_:][a-z0-9_:]*(\{([a-z_][a-z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+|[a-z_:][a-z0-9_:]*(\{([a-z_][a-z0-9_]*="([^"\\]|\\.)*",?)*\})? \+Inf)$' | head -3)
assert_eq "$bad" "" "every line is valid Prometheus text"
assert_eq "$(printf '%s\n' "$out" | grep -c '4072200')" 0 "no phone number in the metrics"
# Only GET/HEAD, and only /metrics.
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x=1 "$M")" 405 "POST /metrics refused"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/ussd")" 404 \
    "the metrics listener serves no USSD"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
