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
# One USSD request answered, one refused without the secret.
curl -s -X POST -H "X-Stafeta-Secret: $SECRET" --data-urlencode "sessionId=m-1" \
    --data-urlencode "serviceCode=*123#" --data-urlencode "phoneNumber=+40722000711" \
    --data-urlencode "text=" "http://127.0.0.1:$PORT/ussd" > /dev/null
curl -s -o /dev/null -X POST --data "x=1" "http://127.0.0.1:$PORT/ussd"

out=$(curl -s -m 5 "$M")
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$M")
assert_eq "$code" 200 "GET /metrics answers"
line() { printf '%s\n' "$out" | grep -F -x -- "$1" > /dev/null && ok "$2: $1" || fail "$2: no line '$1'"; }
line 'stafeta_messages_in_total{channel="m1"} 2' "two inbound SMS counted on m1"
line 'stafeta_channel_up{channel="m1"} 1' "channel m1 is up"
line 'stafeta_ussd_requests_total{result="continue"} 1' "one USSD request answered"
line 'stafeta_ussd_request_duration_seconds_count 1' "one USSD latency observed"
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
