# The SPAS back office (issue 14) through the real daemon over HTTPS with
# curl: HTTPS only with a generated certificate, the security headers and
# cookie flags, a worker's morning round (today, sheets, the card, a
# visit, exports) with every view and export in the audit log, roles on
# the server (the mayor and the administrator get 403 on a child's
# record), escaping of hostile text, CSRF refusing a form and changing
# nothing, ten wrong passwords slowed down (per account and per
# address), an expired session sent back to login, size limits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
cli reporter add --phone 0722400001 --name "Ana Pop" --profession teacher \
    --commune Apata > /dev/null
web_user ana worker "parola-ana-lunga"
web_user sefa head "parola-sefa-lunga"
web_user primar mayor "parola-primar-lunga"
web_user admin admin "parola-admin-lunga"
assert_eq "$(sql "SELECT count(*) FROM users WHERE pw_hash LIKE '\$argon2id\$%'")" 4 \
    "accounts stored with Argon2id hashes only"
assert_eq "$(sql "SELECT count(*) FROM users WHERE pw_hash LIKE '%parola%'")" 0 \
    "no password in clear"
printf 'scurta\n' | cli user add bad --role worker > /dev/null 2>&1
assert_eq "$?" 1 "a short password is refused"
cli user add x --role worker parola-in-argv > /dev/null 2>&1
assert_eq "$?" 2 "a password is never taken from the command line"

# HTTPS only, with the certificate generated on first start.
assert_eq "$(test -s "$T/state/web-cert.pem" && stat -c %a "$T/state/web-key.pem")" 600 \
    "self-signed certificate generated, key private"
assert_match "$(openssl x509 -in "$T/state/web-cert.pem" -noout -text)" \
    "IP Address:127.0.0.1" "certificate names 127.0.0.1"
_plain=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WPORT/login")
assert_match "$_plain" "^(000|400)$" "no page over plain HTTP"
assert_eq "$(web_get anon /azi)" 303 "no session: sent to login"

# A sheet waiting for its visit.
SID=$(web_sheet 48219303)
assert_match "$SID" "^[0-9]+$" "a sheet arrived"

# The worker's morning round.
assert_eq "$(web_login w ana parola-ana-lunga)" 303 "worker logs in"
_hdr=$(wcurl w -D - -o "$T/page.html" "$W/azi")
assert_match "$_hdr" "Content-Security-Policy: default-src 'none'; style-src 'self'" \
    "CSP without inline script"
assert_match "$_hdr" "X-Frame-Options: DENY" "frames denied"
assert_match "$_hdr" "Referrer-Policy: no-referrer" "no referrer"
assert_match "$_hdr" "X-Content-Type-Options: nosniff" "no sniffing"
assert_match "$_hdr" "Strict-Transport-Security: max-age=" "HSTS"
assert_match "$(grep stafeta_session "$T/login-answer.html" 2>/dev/null; \
    wcurl x -D - -o /dev/null "$W/login" | grep -i set-cookie)" \
    "Secure; HttpOnly; SameSite=Strict" "cookies Secure, HttpOnly, SameSite=Strict"
assert_match "$(grep -o 'id="n_need">[0-9]*' "$T/page.html")" ">1$" \
    "today: one sheet waits for its visit"
assert_match "$(cat "$T/page.html")" "href=\"/fisa\?id=$SID\">08-001<" \
    "today links the sheet by its opaque id"
assert_eq "$(grep -c 48219303 "$T/page.html")" 0 "today shows no family code"
assert_eq "$(web_get w /fise)" 200 "sheets list"
assert_match "$(cat "$T/page.html")" "48219303" "the list shows the family code to SPAS"
assert_eq "$(grep -o 'href="[^"]*"' "$T/page.html" | grep -c 48219303)" 0 \
    "no family code in any URL"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND via = 'web' AND action = 'view' AND object = 'list:sheets'")" 1 \
    "the list view is audited"
assert_eq "$(web_get w "/fisa?id=$SID")" 200 "sheet card"
assert_match "$(grep -o 'id="state">[^<]*' "$T/page.html")" "nouă" \
    "card: a new sheet"
assert_match "$(cat "$T/page.html")" "id=\"visit_done\"" "card: the visit can be recorded"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND action = 'view' AND object = 'sheet:08-001'")" 1 \
    "the card view is audited"

# A form without its CSRF token changes nothing.
_code=$(wcurl w -o "$T/post.html" -w '%{http_code}' --data "id=$SID&action=done" "$W/fisa/vizita")
assert_eq "$_code" 403 "visit without CSRF token refused"
_code=$(wcurl w -o "$T/post.html" -w '%{http_code}' --data "id=$SID&action=done&csrf=0000" "$W/fisa/vizita")
assert_eq "$_code" 403 "visit with a wrong CSRF token refused"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SID")" new "and the sheet did not change"
# Another session's token is not this one's.
assert_eq "$(web_login w2 sefa parola-sefa-lunga)" 303 "head logs in"
web_get w2 /azi > /dev/null
cp "$T/page.html" "$T/head.html"
web_get w "/fisa?id=$SID" > /dev/null
_c2=$(web_csrf "$T/head.html")
_code=$(wcurl w -o "$T/post.html" -w '%{http_code}' --data "id=$SID&action=done&csrf=$_c2" "$W/fisa/vizita")
assert_eq "$_code" 403 "another session's token refused"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SID")" new "still unchanged"

# Schedule, then record the visit.
web_get w "/fisa?id=$SID" > /dev/null
assert_eq "$(web_post w /fisa/vizita --data-urlencode "id=$SID" --data-urlencode action=schedule --data-urlencode date=2026-02-30)" 400 \
    "a date that is not a day refused"
assert_eq "$(web_post w /fisa/vizita --data-urlencode "id=$SID" --data-urlencode action=schedule --data-urlencode date=2030-01-15)" 303 \
    "visit scheduled"
assert_eq "$(sql "SELECT state || ' ' || visit_date FROM sheets WHERE id = $SID")" "visit_scheduled 2030-01-15" \
    "stored as scheduled"
assert_eq "$(web_post w /fisa/vizita --data-urlencode "id=$SID" --data-urlencode action=done)" 303 \
    "visit recorded"
assert_match "$(grep -i '^location' "$T/post.headers")" "/fisa\?id=$SID&msg=visit_done" \
    "back to the card"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SID")" visited "the sheet is visited"
web_get w "/fisa?id=$SID&msg=visit_done" > /dev/null
assert_match "$(grep -o 'id="state">[^<]*' "$T/page.html")" "vizitată" "card: visited"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND action = 'change' AND object = 'sheet:08-001'")" 2 \
    "both changes audited"

# Exports: CSV with BOM and Romanian headings, XLSX; both audited.
wcurl w -o "$T/sheets.csv" -D "$T/csv.headers" "$W/fise?format=csv"
assert_eq "$(head -c 3 "$T/sheets.csv" | od -An -tx1 | tr -d ' ')" efbbbf "CSV starts with a BOM"
assert_match "$(head -n 1 "$T/sheets.csv")" "Nr. fișă" "CSV has Romanian headings"
assert_match "$(cat "$T/csv.headers")" "attachment; filename=\"sheets.csv\"" "CSV is a download"
wcurl w -o "$T/sheets.xlsx" "$W/fise?format=xlsx"
assert_eq "$(head -c 2 "$T/sheets.xlsx")" PK "XLSX is a zip"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND action = 'export' AND object = 'export:sheets'")" 2 \
    "exports audited"
assert_eq "$(web_get w /jurnal)" 403 "the audit log is not the worker's"

# Cases (flows/cases): the sheet opened a case; the worker records the
# RIS outcome from the case card and sees the state change.
housekeeping_now
CID=$(sql "SELECT max(id) FROM cases")
assert_match "$CID" "^[0-9]+$" "the sheet opened a case"
assert_eq "$(sql "SELECT state FROM cases WHERE id = $CID")" ris_analysis \
    "the visit recorded on the sheet moved the case to the RIS analysis"
assert_eq "$(web_get w /azi)" 200 "today with cases"
assert_match "$(cat "$T/page.html")" 'id="n_cases_due">[0-9]' "today: cases due today counted"
assert_match "$(cat "$T/page.html")" 'id="cases_overdue"' "today: overdue cases listed"
_csv=$(cli cases due --csv-ids)
assert_match "$(printf '%s' "$_csv" | head -n 1)" "case" "the CLI lists the cases due today"
_due=$(printf '%s\n' "$_csv" | tail -n +2 | grep -c .)
assert_match "$(grep -o 'id="n_cases_due">[0-9]*' "$T/page.html")" ">$_due$" \
    "today counts the cases the CLI lists as due"
assert_eq "$(web_get w /cazuri)" 200 "cases list"
assert_match "$(cat "$T/page.html")" "href=\"/caz\?id=$CID\">$CID<" "the list links the case card"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND action = 'view' AND object = 'list:cases'")" 1 \
    "the case list view is audited"
for _p in /cazuri/azi /cazuri/restante /cazuri/responsabili /cazuri/sate \
    /cazuri/trimestrial /cazuri/anual; do
	assert_eq "$(web_get w "$_p")" 200 "worker: $_p"
done
assert_eq "$(web_get w "/caz?id=$CID")" 200 "case card"
assert_match "$(grep -o 'id="state">[^<]*' "$T/page.html")" "ris_analysis" "card: RIS analysis"
assert_match "$(cat "$T/page.html")" "Istoric" "card: the history"
for _a in assign ris plan approve monitor suspect notified verified dismiss close; do
	assert_match "$(cat "$T/page.html")" "id=\"do_$_a\"" "card: form $_a"
done
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND via = 'web' AND object = 'case:$CID'")" 1 \
    "the case card view is audited"
_code=$(wcurl w -o "$T/post.html" -w '%{http_code}' --data "id=$CID&action=close&why=x" "$W/caz/actiune")
assert_eq "$_code" 403 "case action without CSRF token refused"
assert_eq "$(sql "SELECT state FROM cases WHERE id = $CID")" ris_analysis "and the case did not change"
assert_eq "$(web_post w /caz/actiune --data-urlencode "id=$CID" --data-urlencode action=ris \
    --data-urlencode "visitor=Ana Pop" --data-urlencode confirm=1a1,zz9 --data-urlencode conclusion=plan)" 400 \
    "an unknown indicator code refused"
assert_eq "$(sql "SELECT state FROM cases WHERE id = $CID")" ris_analysis "unchanged"
assert_eq "$(web_post w /caz/actiune --data-urlencode "id=$CID" --data-urlencode action=ris \
    --data-urlencode "visitor=Ana Pop" --data-urlencode "role=asistent social" \
    --data-urlencode confirm=1a1,2b --data-urlencode conclusion=plan)" 303 "RIS outcome recorded"
assert_match "$(grep -i '^location' "$T/post.headers")" "/caz\?id=$CID&msg=case_changed" "back to the case card"
assert_eq "$(sql "SELECT state || ' ' || confirmed FROM cases WHERE id = $CID")" "plan_due 2" \
    "the case waits for its plan, 2 risks confirmed"
assert_eq "$(sql "SELECT who FROM case_transitions WHERE case_id = $CID AND to_state = 'confirmed'")" ana \
    "the logged-in worker is the operator"
web_get w "/caz?id=$CID&msg=case_changed" > /dev/null
assert_match "$(grep -o 'id="state">[^<]*' "$T/page.html")" "plan_due" "card: the new state"
assert_match "$(cat "$T/page.html")" "Cazul a fost actualizat" "card: the page says so"
assert_eq "$(web_post w /caz/actiune --data-urlencode "id=$CID" --data-urlencode action=approve \
    --data-urlencode order=1/2026 --data-urlencode date=2026-01-01)" 409 "approving before a plan: 409"
assert_eq "$(web_post w /caz/actiune --data-urlencode "id=$CID" --data-urlencode action=plan \
    --data-urlencode "goal=Sprijin pentru parinti" --data-urlencode benefits=1,7 --data-urlencode months=6)" 303 \
    "plan drafted"
assert_eq "$(sql "SELECT state FROM cases WHERE id = $CID")" plan_drafted "stored as drafted"
wcurl w -o "$T/annual.csv" "$W/cazuri/anual?year=2026&format=csv"
assert_eq "$(head -c 3 "$T/annual.csv" | od -An -tx1 | tr -d ' ')" efbbbf "annual counts: CSV"
wcurl w -o "$T/q.xlsx" "$W/cazuri/trimestrial?year=2026&quarter=1&format=xlsx"
assert_eq "$(head -c 2 "$T/q.xlsx")" PK "quarterly extract: XLSX"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'ana' AND action = 'export' AND object LIKE 'export:cases-%'")" 2 \
    "report exports audited"
assert_eq "$(web_get w "/caz?id=999999")" 404 "no such case: 404"

# A sheet whose internal id has five digits is recorded by that id, not
# read as a sheet number "AABBB" (which names the newest year's sheet of
# that number: here another sheet).
sql "CREATE TABLE fill AS SELECT * FROM sheets WHERE id = $SID; UPDATE fill SET id = 10000, year = year - 5; INSERT INTO sheets SELECT * FROM fill; DROP TABLE fill"
# SQLite numbers the next row after the largest id; PostgreSQL's identity
# sequence must be told.
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	sql "SELECT setval(pg_get_serial_sequence('sheets', 'id'), 10000)" > /dev/null
fi
SA=$(web_sheet 55500011)
SB=$(web_sheet 55500033)
assert_eq "$SA $SB" "10001 10002" "two sheets with five-digit ids"
sql "UPDATE sheets SET year = year - 1 WHERE id = $SA; UPDATE sheets SET seq = (SELECT seq FROM sheets WHERE id = $SA) WHERE id = $SB"
assert_eq "$(sql "SELECT count(DISTINCT county || '-' || seq) FROM sheets WHERE id IN ($SA, $SB)")" 1 \
    "the older sheet has the same number as this year's"
assert_eq "$(web_get w "/fisa?id=$SA")" 200 "the older sheet's card"
assert_eq "$(web_post w /fisa/vizita --data-urlencode "id=$SA" --data-urlencode action=done)" 303 \
    "its visit recorded from the card"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SA")" visited "the sheet of that id is visited"
assert_eq "$(sql "SELECT state FROM sheets WHERE id = $SB")" new "and not this year's sheet of the same number"
assert_match "$(grep -i '^location' "$T/post.headers")" "/fisa\?id=$SA&" "back to that sheet's card"
web_get w "/fisa?id=$SB" > /dev/null
assert_eq "$(web_post w /fisa/vizita --data-urlencode "id=$SB" --data-urlencode action=done)" 303 \
    "this year's sheet visited too"

# Tasks: close one.
sql "INSERT INTO tasks (service, kind, ref, title, created_at, due_at) VALUES ('sheet', 'unknown_household', 'sheet:08-001', 'Verificați codul familiei', $(now_ms), $(now_ms))"
TID=$(sql "SELECT max(id) FROM tasks")
assert_eq "$(web_get w /sarcini)" 200 "tasks page"
assert_match "$(cat "$T/page.html")" "Verificați codul familiei" "the open task is listed"
assert_eq "$(web_post w /sarcini/inchide --data-urlencode "id=$TID" --data-urlencode state=done --data-urlencode "outcome=cod corect")" 303 \
    "task closed"
assert_eq "$(sql "SELECT state || ' ' || closed_by FROM tasks WHERE id = $TID")" "done ana" \
    "closed by the worker"

# Escaping: a hostile reporter name is shown as text.
web_get w /raportori > /dev/null
assert_eq "$(web_post w /raportori/adauga --data-urlencode phone=0722400009 \
    --data-urlencode 'name=<script>alert("x")</script> Ștefan Țăranu' \
    --data-urlencode profession=teacher --data-urlencode commune=Apata)" 303 \
    "reporter enrolled from the page"
assert_eq "$(sql "SELECT count(*) FROM reporters WHERE phone = '+40722400009'")" 1 "stored"
web_get w /raportori > /dev/null
assert_match "$(cat "$T/page.html")" "&lt;script&gt;alert\(&quot;x&quot;\)&lt;/script&gt; Ștefan Țăranu" \
    "hostile name escaped, diacritics intact"
assert_eq "$(grep -c '<script>' "$T/page.html")" 0 "no script element on the page"
assert_eq "$(web_post w /raportori/stare --data-urlencode phone=0722400009 --data-urlencode active=0)" 303 \
    "reporter disabled"
assert_eq "$(sql "SELECT active FROM reporters WHERE phone = '+40722400009'")" 0 "disabled in the store"
web_get w /raportori > /dev/null
assert_eq "$(web_post w /raportori/pin --data-urlencode phone=0722400009 --data-urlencode pin=12ab)" 400 \
    "a bad PIN refused"
assert_eq "$(web_post w /raportori/pin --data-urlencode phone=0722400009 --data-urlencode pin=4321)" 303 \
    "PIN reset"
assert_eq "$(web_get w /modemuri)" 200 "modems page"
assert_match "$(cat "$T/page.html")" "<td>m1</td><td>up</td>" "modem m1 up"
assert_eq "$(web_get w /coada)" 200 "queue page"

# The mayor: counts, never a record.
assert_eq "$(web_login m primar parola-primar-lunga)" 303 "mayor logs in"
assert_eq "$(web_get m /azi)" 200 "mayor's today"
assert_match "$(cat "$T/page.html")" "id=\"n_need\">0<" "mayor sees counts"
assert_eq "$(grep -c '08-001' "$T/page.html")" 0 "and no sheet"
assert_eq "$(web_get m "/fisa?id=$SID")" 403 "mayor: 403 on the sheet card"
assert_eq "$(web_get m /fise)" 403 "mayor: 403 on the sheets list"
assert_eq "$(web_get m "/fise?format=csv")" 403 "mayor: 403 on the export"
assert_eq "$(web_get m /raportori)" 403 "mayor: 403 on reporters"
assert_eq "$(web_get m "/caz?id=$CID")" 403 "mayor: 403 on the case card"
assert_eq "$(web_get m /cazuri)" 403 "mayor: 403 on the case list"
assert_eq "$(web_post m /caz/actiune --data-urlencode "id=$CID" --data-urlencode action=close --data-urlencode why=x)" 403 \
    "mayor: 403 on a case action"
assert_eq "$(web_get m "/cazuri/anual?full=1")" 200 "mayor: 200 on the annual counts"
assert_match "$(cat "$T/page.html")" 'id="suppressed"' "mayor: small cells suppressed, even when asking for full counts"
assert_eq "$(grep -c 'href="/caz?' "$T/page.html")" 0 "mayor: no link to a case"
assert_eq "$(wcurl m -o "$T/m.csv" -w '%{http_code}' "$W/cazuri/trimestrial?year=2026&quarter=4&format=csv")" 200 \
    "mayor: the quarterly extract as CSV"
assert_eq "$(sql "SELECT state FROM cases WHERE id = $CID")" plan_drafted "the mayor changed nothing"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'primar' AND action <> 'login' AND object NOT LIKE '%:cases-annual-%' AND object NOT LIKE '%:cases-quarterly-%'")" 0 \
    "nothing of a record was read for the mayor (only the aggregates)"
assert_eq "$(web_login a admin parola-admin-lunga)" 303 "admin logs in"
assert_eq "$(web_get a "/fisa?id=$SID")" 403 "admin: 403 on the sheet card"
assert_eq "$(web_get a /utilizatori)" 200 "admin: accounts"
assert_eq "$(web_get w /utilizatori)" 403 "worker: 403 on accounts"
assert_eq "$(web_get w2 /jurnal)" 200 "head: the audit log"
assert_match "$(cat "$T/page.html")" "sheet:08-001" "the audit log shows the card view"

# Size limits: a form over [web] max_body is refused unread.
head -c 20000 /dev/zero | tr '\0' a > "$T/big"
_code=$(wcurl w -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
    --data-binary "@$T/big" "$W/sarcini/inchide")
assert_eq "$_code" 413 "a form over max_body refused"

# Logout ends the session.
web_get w /azi > /dev/null
assert_eq "$(web_post w /logout)" 303 "logout"
assert_eq "$(web_get w /azi)" 303 "after logout: back to login"

# Ten wrong passwords for one account: slowed down, even the right one.
for i in 1 2 3 4 5 6 7 8 9 10; do
	_code=$(web_login t ana "gresita-$i-lunga")
	[ "$_code" = 401 ] || fail "wrong password $i: $_code"
done
assert_eq "$(web_login t ana parola-ana-lunga)" 429 "11th try refused, even the right password"
assert_match "$(cat "$T/login-answer.html")" "Prea multe parole greșite" "the page says why"
assert_match "$(grep -c 'web: login paused' "$T/daemon.log")" "^[1-9]" "logged"
clock_advance 301
assert_eq "$(web_login t ana parola-ana-lunga)" 303 "after the pause the right password works"
# ... and per address: ten wrong passwords for accounts that do not exist.
for i in 1 2 3 4 5 6 7 8 9 10; do
	web_login t "nimeni$i" "gresita-$i-lunga" > /dev/null
done
assert_eq "$(web_login t sefa parola-sefa-lunga)" 429 "one address guessing is slowed down for every account"
clock_advance 301
assert_eq "$(web_login t sefa parola-sefa-lunga)" 303 "after the pause: in"

# An idle session expires (test clock) and goes back to login.
assert_eq "$(web_get t /azi)" 200 "session alive"
clock_advance 601
_loc=$(wcurl t -D - -o /dev/null "$W/azi" | grep -i '^location')
assert_match "$_loc" "/login\?expired=1" "expired session: back to login"
assert_eq "$(web_get t /azi)" 303 "and it stays ended"
web_get anon "/login?expired=1" > /dev/null
assert_match "$(cat "$T/page.html")" "Sesiunea a expirat" "the login page says so"

# A case past its deadline is on the worker's today page: the plan drafted
# above waits for the mayor's order (D6, ten days).
clock_advance $((11 * 86400))
housekeeping_now
CC=$CID
assert_eq "$(web_login o ana parola-ana-lunga)" 303 "worker in, eleven days later"
assert_eq "$(web_get o /azi)" 200 "today"
assert_match "$(grep -o 'id="n_cases_late">[0-9]*' "$T/page.html")" ">[1-9]" "today: overdue cases counted"
assert_match "$(sed -n '/id="cases_overdue"/,/id="cases_due"/p' "$T/page.html")" "href=\"/caz\?id=$CC\">$CC<" \
    "today lists the overdue case, linked to its card"
assert_eq "$(grep -c 48219303 "$T/page.html")" 0 "today shows no family code"

# A disabled account's session ends at once.
assert_eq "$(web_login d ana parola-ana-lunga)" 303 "worker back in"
cli user disable ana > /dev/null
assert_eq "$(web_get d /azi)" 303 "disabled account: session ended"
assert_eq "$(web_login d ana parola-ana-lunga)" 401 "disabled account cannot log in"

stop_daemon
assert_eq "$RC" 0 "daemon stopped cleanly"
e2e_done
