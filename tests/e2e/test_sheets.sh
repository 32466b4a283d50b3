# Observation Sheets (issue 4) through the real daemon: an enrolled
# teacher's compact SMS gives the stored sheet and the acknowledgement, an
# urgent one alerts SPAS, an unknown number is refused and nothing of its
# message is kept, and the guided SMS dialogue and the USSD menu store
# exactly the sheet the compact form stores.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + ($$ + 7) % 20000))
SECRET=s3cret-sheets
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET

[sheets]
county_code = 8
commune = Apata
spas_numbers = +40700000111"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
NL='
'
TS=$(($(date +%s) - 100000))

cli reporter add --phone 0722400001 --name "Ana Pop" --profession teacher \
    --commune Apata --pin 1234 > /dev/null
assert_eq "$?" 0 "SPAS enrols a teacher"
cli reporter add --phone 0722400002 --name "Ion Ionescu" \
    --profession family_doctor --commune Apata --pin 4321 > /dev/null
cli reporter add --phone 0722400003 --name "Maria Popa" \
    --profession community_nurse --commune Apata > /dev/null
assert_match "$(cli reporter list --csv)" "\+40722400002" "reporters listed"
assert_eq "$(sql "SELECT count(*) FROM reporters WHERE pin_hash LIKE '%1234%'")" 0 \
    "PIN not stored in clear"

# sms NUMBER TEXT: sends one SMS, prints every reply queued to NUMBER.
sms() {
	_before=$(sql "SELECT coalesce(max(id), 0) FROM outbox")
	_n=$(sql "SELECT count(*) FROM inbound WHERE sender = '$1'")
	TS=$((TS + 1))
	inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "$1" "$2"
	wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '$1'" \
	    $((_n + 1)) > /dev/null
	sql "SELECT text FROM outbox WHERE recipient = '$1' AND id > $_before ORDER BY id"
}
ussd() { # ussd SESSION NUMBER TEXT
	curl -s -X POST -H "X-Stafeta-Secret: $SECRET" \
	    --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*123*4#" \
	    --data-urlencode "phoneNumber=$2" --data-urlencode "text=$3" \
	    "http://127.0.0.1:$PORT/ussd"
}
export_row() { # export_row HOUSEHOLD: that sheet's CSV row
	cli sheets export --csv | grep ",$1,"
}

# Unknown number: polite refusal, nothing kept (not even its number on
# the inbound row, nor on the refusal once sent: test_privacy.sh).
_in=$(sql "SELECT coalesce(max(id), 0) FROM inbound")
TS=$((TS + 1))
inject m1 --time "$(date -u -d "@$TS" +%Y%m%dT%H%M%S)" "+40722499999" \
    "FO 48219303 1a1 2b 4c2d"
wait_for 10 "SELECT count(*) FROM outbox WHERE in_reply_to > $_in" 1 > /dev/null
r=$(sql "SELECT text FROM outbox WHERE in_reply_to > $_in")
assert_eq "$r" "EROARE: numar neinregistrat. Contactati SPAS pentru inscriere." \
    "unknown number refused with the enrolment hint"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722499999' AND text IS NOT NULL")" 0 \
    "nothing of the refused message kept"
assert_eq "$(sql "SELECT count(*) FROM sheets")" 0 "no sheet stored for it"

# The teacher's compact report (observation-sheet.md 7.5, first example).
r=$(sms "+40722400001" "FO 48219303 1a1 2b 4c2d")
assert_match "$r" "^OK FO 08-001 primita [0-9.]+ [0-9:]+ \(4 semnalari\)\. SPAS decide vizita\." \
    "acknowledgement with sheet number and count only"
row=$(export_row 48219303)
assert_match "$row" "^08-001,48219303,\+40722400001,[^,]+,sms,4,0," \
    "stored sheet: number, household, reporter, channel, risk count"
header=$(cli sheets export --csv | head -n 1)
assert_match "$header" "^sheet_no,household,reporter_phone,received_at,channel,risk_count,urgent,.*eco_poverty_monetary" \
    "export header with indicator columns"
col() { # col NAME ROW: value of column NAME
	_i=$(printf '%s\n' "$header" | tr ',' '\n' | grep -n -x "$1" | cut -d: -f1)
	printf '%s\n' "$2" | cut -d, -f"$_i"
}
assert_eq "$(col eco_poverty_monetary "$row")" 1 "1a1 stored as 1"
assert_eq "$(col eco_poverty "$row")" 1 "parent 1a derived"
assert_eq "$(col eco_parents_no_occupation "$row")" 0 "assessed domain, other items 0"
assert_eq "$(col hea_chronic_disease "$row")" 9 "domain not reported is unknown (9)"
assert_eq "$(col edu_child_low_attendance "$row")" 1 "4d stored as 1"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722400001' AND text IS NOT NULL")" 0 \
    "raw text of the report not kept"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40700000111'")" 0 \
    "no immediate SPAS alert for a non-urgent sheet"
assert_match "$(cli sheets list --needs-visit)" "08-001" "sheet waits for the 72 h visit"

# Invalid: all or nothing, the first error named.
r=$(sms "+40722400001" "FO 48219330 4c2")
assert_eq "$r" "EROARE: cod familie invalid (verificati lista de la SPAS). Fisa NU a fost inregistrata." \
    "bad check digit rejected"
r=$(sms "+40722400001" "FO 48219303 Popescu Ion 2b")
assert_match "$r" "Fisa NU a fost inregistrata" "free text rejected"
assert_eq "$(sql "SELECT count(*) FROM sheets")" 1 "rejected reports store nothing"

# Urgent: violence risk from a family without a code.
r=$(sms "+40722400001" "FO NOU 6b2 T1015-1030")
assert_match "$r" "^OK FO 08-002 familie fara cod" "urgent NOU report acknowledged"
# The sheet's own alert, once; the case service's D3 alert on the same
# sheet (test_cases.sh) may come within the same seconds.
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40700000111' AND text LIKE 'STAFETA URGENT: fisa FO 08-002%'" 1 &&
    ok "SPAS duty number alerted at once" || fail "no SPAS alert"
alert=$(sql "SELECT text FROM outbox WHERE recipient = '+40700000111'")
case "$alert" in
*48219303*|*6b2*|*Popescu*) fail "alert carries child data: $alert" ;;
*) ok "alert carries no child data" ;;
esac

# The same report three ways: guided SMS, USSD with PIN, compact SMS.
for a in FISA 55500011 24 0 2 2 0 0 45 0; do
	sms "+40722400002" "$a" > /dev/null
done
r=$(sms "+40722400002" "1")
assert_match "$r" "^OK FO 08-003 .*\(3 semnalari\)" "guided SMS dialogue acknowledged"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722400002' AND text LIKE '%55500011%'")" 0 \
    "household code typed in the dialogue not kept"

sid="sheet-$$"
t=""
for a in "" 4321 55500022 24 0 2 2 0 0 45 0 1; do
	if [ -z "$a" ]; then t=""; elif [ -z "$t" ]; then t=$a; else t="$t*$a"; fi
	r=$(ussd "$sid" "+40722400002" "$t")
done
assert_match "$r" "^END OK FO 08-004 .*\(3 semnalari\)" "USSD dialogue acknowledged"

r=$(sms "+40722400003" "FO 55500033 10 2b 30 4c2d 50 60")
assert_match "$r" "^OK FO 08-005 .*\(3 semnalari\)" "compact equivalent acknowledged"

values() { export_row "$1" | cut -d, -f6-7,8-; }
assert_eq "$(values 55500011)" "$(values 55500033)" \
    "guided SMS sheet identical to the compact one"
assert_eq "$(values 55500022)" "$(values 55500033)" \
    "USSD sheet identical to the compact one"
assert_match "$(export_row 55500022)" ",ussd," "USSD sheet records its channel"

# A wrong PIN is refused.
r=$(ussd "pin-$$" "+40722400002" "")
r=$(ussd "pin-$$" "+40722400002" "9999")
assert_match "$r" "^(CON|END) .*PIN" "wrong USSD PIN refused"

# SPAS moves a sheet along.
cli sheets visit 08-001 --scheduled 2030-01-05 > /dev/null
assert_eq "$?" 0 "visit scheduled"
cli sheets visit 08-001 --done > /dev/null
assert_eq "$?" 0 "visit recorded"
case "$(cli sheets list --needs-visit)" in
*08-001*) fail "visited sheet still needs a visit" ;;
*) ok "visited sheet leaves the visit list" ;;
esac
assert_match "$(cli sheets show 08-002)" "08-002" "sheets show"

# A reload checks [sheets] as a start does: a table that does not load is
# refused (stafetad -n says why) and the running sheets keep working.
cp "$T/stafeta.conf" "$T/good.conf"
printf 'indicators = %s\n' "$T/no-such-indicators.csv" >> "$T/stafeta.conf"
n_refused=$(grep -c "reload refused" "$T/daemon.log")
kill -HUP "$DPID"
wait_log 10 "reload refused" $((n_refused + 1)) &&
    ok "reload with a missing indicator table refused" ||
    fail "reload accepted a [sheets] section that a restart refuses"
"$B/stafetad" -n -c "$T/stafeta.conf" -S "$T/state" > /dev/null 2>&1
assert_eq "$?" 1 "stafetad -n refuses the same file"
cp "$T/good.conf" "$T/stafeta.conf"
r=$(sms "+40722400001" "FO 48219303 2b")
assert_match "$r" "08-0" "sheets still accepted after the refused reload"

grep -E "48219303|55500011|Popescu" "$T/daemon.log" > /dev/null &&
    fail "household code or name in the daemon log" ||
    ok "no household code or name in the daemon log"

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
