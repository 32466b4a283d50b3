# The back office pages of the poll and parents-abroad services (issue
# 14 on issues 12 and 13) through the real daemon over HTTPS with curl:
# the polls list, a poll's results page with the service's SVG bar chart
# and its exports, the SPAS head's open and close (the worker and the
# mayor cannot; a form without its token changes nothing), the mayor
# seeing results; the parents' notices, caretakers' answers and tasks
# with the notice card (audited), 403 for the mayor.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
EXTRA="$EXTRA

[polls]
commune = Apata
villages = Apata, Satu Nou
dispute_days = 7

[parents]
art104_notice_days = 40
commune = Apata
spas_phone = 0268000000"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
web_user ana worker "parola-ana-lunga"
web_user sefa head "parola-sefa-lunga"
web_user primar mayor "parola-primar-lunga"
assert_match "$(cli poll create "$ROOT/flows/poll/polls/P1.poll" --by ana)" "P1 created" "a poll created"
r=$(cli parents add --name "Vasile Mare" --phone 0722800001 --role 2 --sole 1 \
    --lives 1 --other 3 --commune Apata --departure 2027-06-01 --country ES \
    --child Rares:2014 --caretaker-name "Ioana Mare" --caretaker-phone 0722800002 \
    --caretaker-rel 6 --caretaker-lives 1 --court 1 --by ana)
assert_match "$r" "^notice 1 " "a parent's notice registered"

# Polls: six answers to Q2 stored as the poll flow stores them (keyed,
# no number), enough for the chart (small counts are suppressed).
for k in 1 2 3 4 5 6; do
	sql "INSERT INTO poll_responses (poll_id, rkey, qid, value, valid, channel, day) VALUES ('P1', 'k$k', 'Q2', '$((k % 2 + 1))', 1, 'sms', '2026-12-01')"
done
assert_eq "$(web_login w ana parola-ana-lunga)" 303 "worker logs in"
assert_eq "$(web_get w /sondaje)" 200 "polls list"
assert_match "$(cat "$T/page.html")" 'href="/sondaj\?id=P1">P1<' "the list links the poll"
assert_match "$(cat "$T/page.html")" "<td>DRAFT</td>" "in DRAFT"
assert_eq "$(web_get w "/sondaj?id=P1")" 200 "the worker sees results"
assert_match "$(cat "$T/page.html")" '<svg width="640"' "the results page shows the service's SVG bar chart"
assert_eq "$(grep -c 'id="poll_open"' "$T/page.html")" 0 "no open form for the worker"
assert_eq "$(web_post w /sondaj/actiune --data-urlencode id=P1 --data-urlencode action=open)" 403 \
    "worker: 403 on open"
assert_eq "$(web_login h sefa parola-sefa-lunga)" 303 "head logs in"
assert_eq "$(web_get h "/sondaj?id=P1")" 200 "results page for the head"
assert_match "$(cat "$T/page.html")" 'id="poll_open"' "the head may open it"
assert_eq "$(grep -c '<style>' "$T/page.html")" 0 "no inline style (CSP)"
_code=$(wcurl h -o "$T/post.html" -w '%{http_code}' --data "id=P1&action=open" "$W/sondaj/actiune")
assert_eq "$_code" 403 "open without CSRF token refused"
assert_eq "$(sql "SELECT state FROM poll_polls WHERE id = 'P1'")" DRAFT "and the poll is still a draft"
assert_eq "$(web_post h /sondaj/actiune --data-urlencode id=P1 --data-urlencode action=open)" 303 "the head opens it"
assert_match "$(sql "SELECT state FROM poll_polls WHERE id = 'P1'")" "APPROVED|INFO_SENT" "approved"
assert_eq "$(sql "SELECT approved_by FROM poll_polls WHERE id = 'P1'")" sefa "the approval is the head's account"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'sefa' AND action = 'change' AND object = 'poll:P1'")" 1 "audited"
assert_eq "$(web_post h /sondaj/actiune --data-urlencode id=P1 --data-urlencode action=open)" 409 \
    "an approved poll cannot be approved again"
wcurl h -o "$T/p1.csv" "$W/sondaj?id=P1&format=csv"
assert_eq "$(head -c 3 "$T/p1.csv" | od -An -tx1 | tr -d ' ')" efbbbf "results as CSV"
wcurl h -o "$T/p1.xlsx" "$W/sondaj?id=P1&format=xlsx"
assert_eq "$(head -c 2 "$T/p1.xlsx")" PK "results as XLSX"
assert_eq "$(web_post h /sondaj/actiune --data-urlencode id=P1 --data-urlencode action=close)" 303 "the head closes it"
assert_match "$(sql "SELECT state FROM poll_polls WHERE id = 'P1'")" "CLOSED|TALLIED" "closed"
assert_eq "$(web_login m primar parola-primar-lunga)" 303 "mayor logs in"
assert_eq "$(web_get m "/sondaj?id=P1")" 200 "the mayor sees poll results"
assert_match "$(cat "$T/page.html")" '<svg width="640"' "with the chart"
assert_eq "$(web_get m "/sondaj?id=..%2Fx")" 400 "a malformed poll id refused"

# Parents abroad.
assert_eq "$(web_get w /parinti)" 200 "notices list"
assert_match "$(cat "$T/page.html")" 'href="/parinte\?id=1">1<' "the list links the notice card"
assert_match "$(cat "$T/page.html")" "Vasile Mare" "the parent is listed to SPAS"
assert_eq "$(web_get w /parinti/ingrijitori)" 200 "caretakers' answers"
assert_match "$(cat "$T/page.html")" "Ioana Mare" "the caretaker is listed"
assert_eq "$(web_get w /parinti/sarcini)" 200 "parents' tasks"
assert_eq "$(web_get w "/parinte?id=1")" 200 "notice card"
assert_match "$(grep -o 'id="state">[^<]*' "$T/page.html")" "CARETAKER_PENDING" "card: the notice's state"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND via = 'web' AND action = 'view' AND object = 'parents:1'")" 1 \
    "the card view is audited"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND object = 'list:parents'")" 1 \
    "the list view is audited"
assert_eq "$(web_get w "/parinte?id=99")" 404 "no such notice"
assert_eq "$(web_get m "/parinte?id=1")" 403 "mayor: 403 on a notice card"
assert_eq "$(web_get m /parinti)" 403 "mayor: 403 on the notices"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'primar' AND object LIKE 'parents%'")" 0 \
    "nothing of a family was read for the mayor"

stop_daemon
assert_eq "$RC" 0 "daemon stopped cleanly"
e2e_done
