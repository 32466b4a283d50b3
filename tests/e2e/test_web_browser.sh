# The SPAS back office in a real browser (issue 14): headless Chromium
# driven through chromedriver's WebDriver HTTP API with curl.  A worker
# logs in, opens today's list, opens the sheet, records the visit and
# sees the sheet's state change, opens the case card; the mayor logs in,
# gets 403 on the sheet and case cards, sees the annual counts and a
# poll's results with its SVG chart.  A screenshot of every page is kept under
# $BUILD/e2e-out/web/ and something visible on it (DOM text) is checked.
# Skipped, saying so, only when chromium or chromedriver is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
if [ -z "$CHROMIUM" ] || [ -z "$CHROMEDRIVER" ]; then
	echo "SKIP - no chromium or chromedriver (sh .ci/deps installs" \
	    "chromium chromium-driver): browser test not run"
	e2e_done
	exit 0
fi
OUT=${E2E_OUT:-$B/e2e-out}/web
mkdir -p "$OUT"
rm -f "$OUT"/*.png

EXTRA="$EXTRA

[polls]
commune = Apata
villages = Apata, Satu Nou"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
cli reporter add --phone 0722400001 --name "Ana Pop" --profession teacher \
    --commune Apata > /dev/null
web_user ana worker "parola-ana-lunga"
web_user primar mayor "parola-primar-lunga"
SID=$(web_sheet 48219303)
cli poll create "$ROOT/flows/poll/polls/P1.poll" --by ana > /dev/null
for k in 1 2 3 4 5 6; do
	sql "INSERT INTO poll_responses (poll_id, rkey, qid, value, valid, channel, day) VALUES ('P1', 'k$k', 'Q2', '$((k % 2 + 1))', 1, 'sms', '2026-12-01')"
done
sql "INSERT INTO tasks (service, kind, ref, title, created_at, due_at) VALUES ('sheet', 'unknown_household', 'sheet:08-001', 'Verificați codul familiei', $(now_ms), $(now_ms))"

DPORT=$((26000 + ($$ + 13) % 20000))
"$CHROMEDRIVER" --port="$DPORT" > "$T/chromedriver.log" 2>&1 &
CDPID=$!
D="http://127.0.0.1:$DPORT"
web_browser_cleanup() {
	[ -n "${WD:-}" ] && curl -s -X DELETE "$D/session/$WD" > /dev/null
	kill "$CDPID" 2>/dev/null
	wait "$CDPID" 2>/dev/null
	e2e_cleanup
}
trap web_browser_cleanup EXIT
_i=0
until curl -s "$D/status" | grep -q '"ready": *true'; do
	_i=$((_i + 1))
	[ "$_i" -gt $((200 * E2E_SLACK)) ] && break
	sleep 0.05
done

# wd METHOD PATH [JSON]: one WebDriver command of the session.
wd() {
	if [ $# -ge 3 ]; then
		curl -s -X "$1" -H 'Content-Type: application/json' \
		    --data "$3" "$D/session/$WD$2"
	else
		curl -s -X "$1" "$D/session/$WD$2"
	fi
}
# wd_value: the "value" string of a WebDriver answer on stdin.
wd_value() {
	sed -n 's/.*"value": *"\(\([^"\\]\|\\.\)*\)".*/\1/p'
}
# find CSS: the element id of the first match (empty if none).
find() {
	wd POST /element "{\"using\":\"css selector\",\"value\":\"$1\"}" |
	    sed -n 's/.*"element-6066-11e4-a52e-4f735466cecf": *"\([^"]*\)".*/\1/p'
}
text() { wd GET "/element/$(find "$1")/text" | wd_value; }
type_in() { wd POST "/element/$(find "$1")/value" "{\"text\":\"$2\"}" > /dev/null; }
click() { wd POST "/element/$(find "$1")/click" '{}' > /dev/null; }
go() { wd POST /url "{\"url\":\"$W$1\"}" > /dev/null; }
current() { wd GET /url | wd_value; }
shot() { # shot NAME: screenshot into $OUT/NAME.png (non-empty PNG)
	wd GET /screenshot | wd_value | base64 -d > "$OUT/$1.png" 2>/dev/null
	assert_eq "$(head -c 4 "$OUT/$1.png" | tail -c 3)" PNG "screenshot $1.png"
}
login() {
	go /login
	type_in "#user" "$1"
	type_in "#password" "$2"
	click "#login"
}

_caps='{"capabilities":{"alwaysMatch":{"browserName":"chrome","acceptInsecureCerts":true,"goog:chromeOptions":{"binary":"'"$CHROMIUM"'","args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--window-size=1200,900","--lang=ro"]}}}}'
WD=$(curl -s -X POST -H 'Content-Type: application/json' --data "$_caps" "$D/session" |
    sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p')
if [ -z "$WD" ]; then
	fail "chromium did not start under chromedriver (see $T/chromedriver.log)"
	e2e_done
	exit 1
fi
ok "chromium started (headless)"

# The worker's morning round.
go /login
shot login
assert_match "$(text h1)" "Intrare" "the login page"
login ana parola-ana-lunga
assert_match "$(current)" "/azi$" "logged in: today's page"
assert_eq "$(text "#n_need")" 1 "today: one sheet waits for its visit"
assert_eq "$(text "#n_tasks")" 1 "today: one open task"
assert_match "$(text main)" "Verificați codul familiei" "today: the task due today"
shot today
go /fise
assert_match "$(text main)" "08-001" "sheets: the sheet is listed"
shot sheets
go /azi
click "a[href='/fisa?id=$SID']"
assert_match "$(current)" "/fisa\?id=$SID$" "the sheet opened from today's list"
assert_match "$(text "#state")" "nouă" "the card: new"
shot card
click "#visit_done"
assert_match "$(current)" "/fisa\?id=$SID&msg=visit_done" "back on the card"
assert_match "$(text "#state")" "vizitată" "the card: visited"
assert_match "$(text "#msg")" "Vizita a fost înregistrată" "the card says so"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SID")" visited "stored as visited"
shot card-visited
# The case the sheet opened: its card, with the history and the forms.
housekeeping_now
CID=$(sql "SELECT max(id) FROM cases")
go "/caz?id=$CID"
assert_match "$(text "#state")" "ris_analysis" "the case card: RIS analysis"
assert_match "$(text main)" "Rezultatul vizitei RIS" "the case card: the RIS form"
assert_match "$(text main)" "Istoric" "the case card: its history"
shot case
go /azi
assert_eq "$(text "#n_need")" 0 "today: no visit waits any more"
go /raportori
assert_match "$(text main)" "Ana Pop" "reporters page"
shot reporters
go /modemuri
assert_match "$(text main)" "m1" "modems page"
shot modems
go /sarcini
shot tasks
click "#logout"
assert_match "$(current)" "/login$" "logged out"

# The mayor: counts only, 403 on the card.
login primar parola-primar-lunga
assert_match "$(current)" "/azi$" "the mayor logged in"
assert_match "$(text main)" "numai totaluri" "the mayor sees totals"
shot mayor-today
go "/fisa?id=$SID"
assert_match "$(text h1)" "Acces interzis" "the mayor gets 403 on the sheet card"
assert_match "$(text "#err")" "nu are acces" "and the reason"
assert_eq "$(find "#state")" "" "no part of the card is shown"
shot mayor-403
go "/caz?id=$CID"
assert_match "$(text h1)" "Acces interzis" "the mayor gets 403 on the case card"
go /cazuri/anual
assert_match "$(text "#suppressed")" "Valorile între 1 și 4" "the mayor: annual counts, small cells suppressed"
shot mayor-annual
go "/sondaj?id=P1"
assert_match "$(text "#poll_summary")" "Q2" "the mayor: a poll's results page with its chart"
assert_eq "$(wd POST /element '{"using":"css selector","value":"#poll_summary svg"}' | grep -c element-6066)" 1 \
    "the chart is an SVG on the page"
shot mayor-poll
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'primar' AND object LIKE 'sheet:%'")" 0 \
    "nothing of the sheet was read for the mayor"

stop_daemon
e2e_done
