# The SPAS case workflow (issue 11, docs/cases.md) through the real
# daemon: a suspicion of abuse (D3 alert at once, escalation to the SPAS
# head after 2 h without a notification, the D4 48 h check), then a case
# from the SMS to monitoring: visit scheduled and done with `sheets visit`,
# the RIS confirms 7 risks, the plan is drafted (the mayor reminded after
# 5 days) and approved, the monitoring visit falls due 6 months later and
# the sheet's refresh after 12 months; time moves with clock_advance only.
# Every alert is asserted by its text and its recipient.  And a family's
# call-back request (SUNATI), AJUTOR still the help word.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + ($$ + 11) % 20000))
SPAS=+40700000111
HEAD=+40700000222
MAYOR=+40700000333
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = s3cret-cases

[sheets]
county_code = 8
commune = Apata
spas_numbers = $SPAS

[cases]
head_numbers = $HEAD
mayor_numbers = $MAYOR
callback_hours = 24"
write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
TS=$(($(date +%s) - 100000))

cli reporter add --phone 0722400001 --name "Ana Pop" --profession teacher \
    --commune Apata > /dev/null
cli reporter add --phone 0722400002 --name "Ion Ionescu" \
    --profession family_doctor --commune Apata > /dev/null

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
# sent_to NUMBER PATTERN: texts queued to NUMBER matching the LIKE pattern.
sent_to() {
	sql "SELECT text FROM outbox WHERE recipient = '$1' AND text LIKE '$2' ORDER BY id"
}
count_to() {
	sql "SELECT count(*) FROM outbox WHERE recipient = '$1' AND text LIKE '$2'"
}
state() { sql "SELECT state FROM cases WHERE id = $1"; }
# advance_to MS: moves the clock to one minute past the time MS.
advance_to() {
	_s=$((($1 - $(now_ms)) / 1000 + 60))
	[ "$_s" -gt 0 ] && clock_advance "$_s"
}
today() { date -u -d "@$(($(now_ms) / 1000))" +%Y-%m-%d; }

# --- A suspicion of abuse: the urgent sheet opens the DGASPC referral.
r=$(sms "+40722400002" "FO 55500011 6b2")
assert_match "$r" "^OK FO 08-001" "urgent sheet acknowledged"
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM cases")" 1 "a case opened from the sheet"
assert_eq "$(state 1)" "visit_pending" "suspected risk: the case waits for the RIS visit"
assert_eq "$(sql "SELECT group_concat(to_state, ' ') FROM (SELECT to_state FROM case_transitions WHERE case_id = 1 AND coalesce(from_state, '') <> to_state ORDER BY id) t")" \
    "received in_observatory visit_pending" "every transition recorded"
assert_eq "$(sql "SELECT urgent FROM cases WHERE id = 1")" 1 "URGENT_DGASPC flag set"
assert_eq "$(sent_to $SPAS 'STAFETA D3:%')" \
    "STAFETA D3: caz 1 (fisa FO 08-001): suspiciune abuz/neglijare. Anuntati DGASPC imediat, apoi notati: stafeta cases notified 1" \
    "D3 alert to the SPAS duty number at once"
housekeeping_now
assert_eq "$(count_to $SPAS 'STAFETA D3:%')" 1 "the tick is idempotent: one D3 alert"
assert_eq "$(count_to $HEAD '%')" 0 "no escalation before 2 h"
clock_advance 3600
assert_eq "$(count_to $HEAD '%')" 0 "no escalation after 1 h"
clock_advance 3660
assert_eq "$(sent_to $HEAD '%')" \
    "STAFETA ESCALADARE D3: caz 1 (fisa FO 08-001): DGASPC neanuntat dupa 2 ore de la suspiciunea de abuz. Verificati si anuntati DGASPC acum." \
    "escalated to the SPAS head after 2 h without a notification"
out=$(cli cases notified 1 --channel phone --contact "DGASPC Brasov" --by ioana)
assert_eq "$?" 0 "SPAS records the DGASPC notification"
assert_eq "$(sql "SELECT notified_by || ' ' || channel FROM case_referrals WHERE case_id = 1")" \
    "ioana phone" "who notified, and how, recorded"
clock_advance $((47 * 3600))
assert_eq "$(count_to $SPAS 'STAFETA D4:%')" 0 "no D4 check before 48 h"
clock_advance 3660
assert_eq "$(sent_to $SPAS 'STAFETA D4:%')" \
    "STAFETA D4: caz 1 (fisa FO 08-001): DGASPC nu a confirmat verificarea in 48 h. Sunati DGASPC, apoi notati: stafeta cases verified 1" \
    "D4 alert when DGASPC's verification is not recorded in 48 h"
assert_match "$(cli tasks list --service cases)" "dgaspc_check" "a D4 task for SPAS"
cli cases verified 1 --outcome "verificat, fara abuz" --by ioana > /dev/null
assert_eq "$(sql "SELECT urgent FROM cases WHERE id = 1")" 0 "verification clears the URGENT flag"
# A suspicion notified in time is never escalated.
cli cases suspect 1 --reason neglect --by ioana > /dev/null
assert_eq "$(count_to $SPAS 'STAFETA D3: caz 1%')" 2 "a suspicion recorded by SPAS alerts at once"
clock_advance 1800
cli cases notified 1 --by ioana > /dev/null
clock_advance 7200
assert_eq "$(count_to $HEAD '%')" 1 "notified within 2 h: no escalation"
cli cases verified 1 --outcome "DGASPC a preluat" --by ioana > /dev/null
assert_eq "$(cli cases close 1 --why "copil in protectie speciala" --by ioana >/dev/null; state 1)" \
    "closed" "case closed with its reason"

# --- From the SMS to monitoring.
r=$(sms "+40722400001" "FO 48219303 1a1 2b 4c2d")
assert_match "$r" "^OK FO 08-002" "sheet acknowledged"
housekeeping_now
assert_eq "$(state 2)" "visit_pending" "case 2 waits for the visit"
DAY=$(date -u -d "@$(($(now_ms) / 1000 + 86400))" +%Y-%m-%d)
cli sheets visit 08-002 --scheduled "$DAY" > /dev/null
housekeeping_now
assert_eq "$(sql "SELECT visit_date FROM cases WHERE id = 2")" "$DAY" "visit day copied from sheets visit"
assert_eq "$(sql "SELECT why FROM case_transitions WHERE case_id = 2 ORDER BY id DESC LIMIT 1")" \
    "visit scheduled $DAY" "scheduling recorded as an event"
cli sheets visit 08-002 --done > /dev/null
housekeeping_now
assert_eq "$(state 2)" "ris_analysis" "visit done: RIS analysis"
out=$(cli cases ris 2 --visitor "Maria Ionescu" --role "asistent social" \
    --confirm 1a1,1b,2b,2c,3a,4c2,5a --conclusion plan --by maria)
assert_eq "$?" 0 "RIS outcome recorded"
assert_eq "$(sql "SELECT confirmed || ' ' || cadence_months || ' ' || CASE WHEN registry_at IS NULL THEN 0 ELSE 1 END FROM cases WHERE id = 2")" \
    "7 6 1" "7 risks confirmed: Registry entry, monitoring every 6 months"
assert_eq "$(state 2)" "plan_due" "service plan due"
assert_eq "$(sql "SELECT who FROM case_transitions WHERE case_id = 2 AND to_state = 'confirmed'")" \
    "maria" "the operator is recorded on the transition"
cli cases ris 2 --visitor X --confirm 1a1 --conclusion none > /dev/null 2>&1
assert_eq "$?" 2 "conclusion 'none' with a confirmed risk refused"
cli cases plan 2 --goal "Sprijin parinti" --benefits 1,9 --by maria > /dev/null 2>&1
assert_eq "$?" 2 "unknown benefit code refused"
cli cases plan 2 --goal "Sprijin pentru parinti" --benefits 1,7 \
    --services 3,health --providers "SPAS, medic de familie" --months 12 \
    --by maria > /dev/null
assert_eq "$(state 2)" "plan_drafted" "plan drafted"
clock_advance $((4 * 86400))
assert_eq "$(count_to $MAYOR '%')" 0 "mayor not reminded before 5 days"
clock_advance 86460
assert_eq "$(sent_to $MAYOR '%')" \
    "STAFETA: planul de servicii al cazului 2 asteapta dispozitia primarului de 5 zile. Va rugam semnati dispozitia." \
    "D6: the mayor reminded after 5 days"
cli cases approve 2 --order 123/2026 --date "$(today)" --by maria > /dev/null
assert_eq "$(state 2)" "monitoring" "order recorded: monitoring"
NEXT=$(sql "SELECT next_monitoring_at FROM cases WHERE id = 2")
APPR=$(sql "SELECT approved_at FROM cases WHERE id = 2")
DAYS=$(((NEXT - APPR) / 86400000))
[ "$DAYS" -ge 181 ] && [ "$DAYS" -le 184 ] && ok "next monitoring 6 months after the order" ||
    fail "next monitoring $DAYS days after the order"
clock_advance $((5 * 86400))
assert_eq "$(count_to $SPAS 'STAFETA D6:%')" 0 "approved: no D6 alert to SPAS"
advance_to $((NEXT - 86400000))
assert_eq "$(count_to $SPAS 'STAFETA D7:%')" 0 "no monitoring alert a day early"
advance_to "$NEXT"
assert_eq "$(sent_to $SPAS 'STAFETA D7:%')" \
    "STAFETA D7: caz 2 (fisa FO 08-002): vizita de monitorizare este scadenta (la 6 luni). Dupa vizita: stafeta cases monitor 2" \
    "D7: the monitoring visit falls due 6 months later"
assert_match "$(cli cases overdue)" "D7 vizita de monitorizare" "listed as overdue"
cli cases monitor 2 --visitor "Maria Ionescu" --findings "situatie stabila" \
    --by maria > /dev/null
assert_eq "$(sql "SELECT count(*) FROM tasks WHERE service = 'cases' AND kind = 'monitoring' AND closed_at IS NULL")" \
    0 "monitoring task closed by the visit"
REFRESH=$(sql "SELECT refresh_due_at FROM cases WHERE id = 2")
advance_to "$REFRESH"
assert_eq "$(sent_to $SPAS 'STAFETA D8:%' | grep -c 'caz 2')" 1 "D8: the sheet's refresh due after 12 months"
assert_eq "$(sent_to $SPAS 'STAFETA D8: caz 2%')" \
    "STAFETA D8: caz 2: ultima fisa de observatie (FO 08-002) are 12 luni. Reinnoiti fisa copiilor familiei." \
    "D8 text"
assert_eq "$(sql "SELECT max(parts) FROM outbox WHERE text LIKE 'STAFETA D_:%' OR text LIKE 'STAFETA ESCALADARE%' OR text LIKE 'STAFETA: planul%'")" \
    1 "every case alert is one SMS"
for n in $SPAS $HEAD $MAYOR; do
	case "$(sql "SELECT group_concat(text, ' ') FROM outbox WHERE recipient = '$n'")" in
	*48219303*|*55500011*|*Maria*|*1a1*) fail "an alert to $n carries family data" ;;
	*) ok "alerts to $n carry no family data" ;;
	esac
done

# --- Lists, the card, reports.
cli cases show 2 > "$T/card.txt"
assert_match "$(cat "$T/card.txt")" "Venit minim garantat" "card shows the plan's benefits"
assert_match "$(cat "$T/card.txt")" "123/2026" "card shows the mayor's order"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE object = 'case:2' AND action = 'view'")" 1 \
    "viewing a case card is audited"
cli cases assign 2 --worker "Maria Ionescu" --village "Sânpetru" --by maria > /dev/null
assert_match "$(cli cases list --village sanpetru --csv)" "Sânpetru" "village filter ignores case and diacritics"
Y=$(date -u -d "@$(($(now_ms) / 1000))" +%Y)
cli cases annual --year "$Y" --csv "$T/a24.csv" > /dev/null
assert_eq "$(head -c 3 "$T/a24.csv" | od -An -tx1 | tr -d ' ')" "efbbbf" "annual CSV starts with a BOM"
assert_match "$(cat "$T/a24.csv")" "Total comună,,<5" "small cells suppressed (DP9)"
cli cases annual --year "$Y" --xlsx "$T/a24.xlsx" > /dev/null
assert_eq "$?" 0 "annual counts as XLSX"
assert_match "$(cli cases quarterly --year "$Y" --quarter 1 --csv-ids)" "^period,item,count" "quarterly extract with English ids"

# --- A family asks to be called back; AJUTOR is still the help word.
r=$(sms "+40744555666" "SUNATI")
assert_eq "$r" "Am primit cererea. SPAS va suna la acest numar in cel mult 24 ore. Pentru urgente sunati la 112." \
    "call-back request answered with 112 for emergencies"
assert_eq "$(sql "SELECT count(*) FROM tasks WHERE service = 'cases' AND kind = 'callback' AND ref = 'callback:+40744555666' AND due_at > 0")" \
    1 "call-back task with a deadline"
sms "+40744555666" "SUNATI" > /dev/null
assert_eq "$(sql "SELECT count(*) FROM tasks WHERE kind = 'callback'")" 1 "one open call-back per number"
r=$(sms "+40744555888" "Buna ziua, ce faceti?")
assert_eq "$(sql "SELECT count(*) FROM tasks WHERE kind = 'callback'")" 1 \
    "a greeting is no call-back request"
r=$(sms "+40744555777" "AJUTOR")
assert_match "$r" "SUNATI" "AJUTOR answers with help that offers SUNATI"

stop_daemon
e2e_done
