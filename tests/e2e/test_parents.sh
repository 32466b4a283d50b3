# Parents who leave to work abroad (issue 13) through the real daemon and
# the test clock: registration by SMS (PLEC) and by USSD with a real
# parent's mistakes, LATE_NOTICE and N4, the caretaker silent (N3 at
# 48 h, task at 72 h) and declining (2), a postponed departure moving
# D-2 and D+3, a kill -9 that neither loses nor repeats a reminder, the
# monthly check-in at 09:00 Rome (also across the March change), N9 "4"
# twice, the monthly cap, an early return cancelling what is pending,
# and SPAS's lists.
. "$(dirname "$0")/lib.sh"

PORT=$((21000 + ($$ + 13) % 20000))
SECRET=s3cret-parents
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET

[parents]
art104_notice_days = 40
commune = Apata
spas_phone = 0268000000
caretaker_meetings = 2027-04-20 10:00
meeting_place = Caminul cultural"
write_conf m1
# The test's "now": Monday 2027-01-11 08:00 UTC = 10:00 in Romania.
at() { date -u -d "$1" +%s; }
T0=$(at "2027-01-11 08:00")
echo $((T0 * 1000 - $(date +%s%3N))) > "$T/clock"
start_daemon 1 || { e2e_done; exit 1; }
TS=$(($(date +%s) - 100000))
P1=+40722500001 C1=+40722500002 P2=+40722600001 C2=+40722600002

sms() { # sms NUMBER TEXT: sends one SMS, prints the replies queued to NUMBER
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
	    --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*123*6#" \
	    --data-urlencode "phoneNumber=$2" --data-urlencode "text=$3" \
	    "http://127.0.0.1:$PORT/ussd"
}
sent() { # sent NUMBER NID: how many NID messages went to NUMBER
	sql "SELECT count(*) FROM parents_messages WHERE phone = '$1' AND nid = '$2' AND direction = 'out'"
}
due() { sql "SELECT due_at / 1000 FROM due WHERE owner = 'parents' AND key = '$1'"; }
state() { sql "SELECT state FROM parents_notices WHERE id = $1"; }
task() { sql "SELECT count(*) FROM tasks WHERE service = 'parents' AND kind = '$1' AND state = 'open'"; }
advance_to() { clock_advance $(($1 - $(now_ms) / 1000 + 1)); }

# --- Registration by SMS, with the mistakes a parent makes.
r=$(sms $P1 "PLEC")
assert_match "$r" "Numele si prenumele" "PLEC starts the registration"
for a in "Ana Pop" 1 2 1 2 Apata; do sms $P1 "$a" > /dev/null; done
r=$(sms $P1 "15 martie")
assert_match "$r" "Data nu e buna" "a date in words is refused"
r=$(sms $P1 "1.1.2026")
assert_match "$r" "Data aceasta a trecut" "a past date gets a clear re-prompt"
r=$(sms $P1 "31.1.2027")
assert_match "$r" "Tara: 1=Italia" "D.M.YYYY accepted (departure in 20 days)"
for a in 1 0 2; do sms $P1 "$a" > /dev/null; done
sms $P1 "Ion 5160101123456" > /dev/null
r=$(sms $P1 "2016")
assert_match "$r" "Nu trimiteti CNP" "no CNP by SMS"
for a in Ion 2016 Maria; do sms $P1 "$a" > /dev/null; done
r=$(sms $P1 "2030")
assert_match "$r" "copil sub 18 ani" "a birth year in the future is refused"
for a in 2019 "Elena Pop"; do sms $P1 "$a" > /dev/null; done
r=$(sms $P1 "0722500001")
assert_match "$r" "Acesta e numarul dvs" "caretaker number equal to the parent's refused"
for a in 0722500002 2 1 1 0 1; do r=$(sms $P1 "$a"); done
r=$(sms $P1 "1")
assert_match "$r" "^SPAS Apata: am primit anuntul nr P-2027-0001\." "N1 with the notice number"
assert_eq "$(sql "SELECT flags, notice_days, departure, country FROM parents_notices WHERE id = 1")" \
    "17|20|2027-01-31|IT" "LATE_NOTICE + SOLE_OR_BOTH_ABROAD, 20 days, IT stored"
assert_eq "$(sql "SELECT group_concat(name || ':' || birth_year) FROM parents_children WHERE notice_id = 1")" \
    "Ion:2016,Maria:2019" "children: first names and birth years"
assert_eq "$(sql "SELECT group_concat(to_state) FROM parents_transitions WHERE notice_id = 1")" \
    "SUBMITTED,CARETAKER_PENDING" "transitions recorded"
assert_eq "$(task mark_2c)" 1 "2c task for SPAS (sole or both parents abroad)"
housekeeping_now
assert_match "$(sql "SELECT text FROM outbox WHERE recipient = '$P1' ORDER BY id DESC LIMIT 1")" \
    "mai putin de 40 de zile" "N4: late notice, call SPAS"
n2=$(sql "SELECT text FROM outbox WHERE recipient = '$C1'")
assert_match "$n2" "Ana v-a desemnat .*1=Da 2=Nu 3=Sunati-ma" "N2 to the caretaker with 'call me'"
case "$n2" in *Ital*|*Ion*|*Maria*) fail "N2 names the country or a child" ;; *) ok "N2 without country or child" ;; esac
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '$P1' AND text LIKE '%Elena%'")" 0 \
    "names typed in the dialogue not kept in the message log"

# --- ELUTAZOM (Hungarian alias) starts the same dialogue.
r=$(sms +40722700001 "ELUTAZOM")
assert_match "$r" "Numele si prenumele|neve" "Hungarian keyword starts the registration"
sms +40722700001 "GATA" > /dev/null

# A registration left half-finished: one reminder, then it expires (48 h).
r=$(sms +40722900001 "PLEC")
sms +40722900001 "Gheorghe Lungu" > /dev/null

# --- Registration by USSD, dates as 15/03/2027 and 15-03-2028.
sid="plec-$$"
t=""
for a in "" "Dan Rusu" 2 2 1 1 Apata "15/03/2027" 1 "15-03-2028" 1 Ana 2018 \
    "Ion Rusu" 0722600002 2 1 1 2 1 1; do
	if [ -z "$a" ]; then t=""; elif [ -z "$t" ]; then t=$a; else t="$t*$a"; fi
	r=$(ussd "$sid" $P2 "$t")
done
assert_match "$r" "^END SPAS Apata: am primit anuntul nr P-2027-0002" "USSD registration acknowledged"
assert_eq "$(sql "SELECT flags, departure, return_date FROM parents_notices WHERE id = 2")" \
    "0|2027-03-15|2028-03-15" "USSD notice: no flag, dates stored"
housekeeping_now
r=$(sms $C2 "2")
assert_match "$r" "nu sunteti de acord" "caretaker declines with 2"
assert_eq "$(sql "SELECT coalesce(caretaker_phone, 'none'), caretaker_status FROM parents_notices WHERE id = 2")" \
    "none|declined" "refusal ends processing of the caretaker's data"
assert_eq "$(sql "SELECT count(*) FROM parents_refusals WHERE notice_id = 2")" 1 "only the refusal is kept"
assert_eq "$(task caretaker_declined)" 1 "SPAS task: call the parent"
assert_match "$(sql "SELECT text FROM outbox WHERE recipient = '$P2' ORDER BY id DESC LIMIT 1")" \
    "nu a acceptat.*SCHIMB" "parent asked to name someone else"
assert_eq "$(state 2)" 6 "declined notice goes to SPAS_REVIEW"

# --- The parent names someone else with SCHIMB.
r=$(sms $P2 "SCHIMB")
assert_match "$r" "Numele noii persoane" "SCHIMB from the parent asks for the new person"
for a in "Vera Rusu" 0722600003 4; do sms $P2 "$a" > /dev/null; done
r=$(sms $P2 "1")
assert_match "$r" "Am notat noua persoana" "new caretaker recorded"
assert_eq "$(sql "SELECT to_state FROM parents_transitions WHERE notice_id = 2 ORDER BY id DESC LIMIT 2" | tr '\n' ' ')" \
    "CARETAKER_PENDING CARETAKER_CHANGE " "CARETAKER_CHANGE then CARETAKER_PENDING"
housekeeping_now
assert_match "$(sql "SELECT text FROM outbox WHERE recipient = '+40722600003'")" "Dan v-a desemnat.*3=Sunati-ma" \
    "new N2 to the new caretaker"
r=$(sms +40722600003 "1")
assert_eq "$(sql "SELECT caretaker_status, state FROM parents_notices WHERE id = 2")" "confirmed|6" \
    "new caretaker confirms: SPAS_REVIEW"

# --- The caretaker of notice 1 stays silent: N3 at 48 h, task at 72 h.
clock_advance $((47 * 3600))
assert_eq "$(sent $C1 N3C)" 0 "no N3 before 48 h"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722900001' AND text LIKE '%Sunteti: 1=Mama%'")" 2 \
    "half-finished registration: the question once more after 24 h"
clock_advance $((3600 + 60))
assert_eq "$(sent $C1 N3C)" 1 "N3 after 48 h"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722900001' AND text LIKE 'Anuntul de plecare nu a fost terminat%'")" 1 \
    "and it expires after 48 h with one message"
assert_eq "$(task caretaker_no_reply)" 0 "no task before 72 h"
clock_advance $((24 * 3600))
assert_eq "$(task caretaker_no_reply)" 1 "SPAS task after 72 h without an answer"
assert_eq "$(sql "SELECT group_concat(to_state) FROM parents_transitions WHERE notice_id = 1 AND who = 'system'")" \
    "CARETAKER_PENDING,CARETAKER_NO_REPLY,SPAS_REVIEW" "no-reply path recorded"

# --- D-14, D-2 and D+3; the parent postpones by replying to N8.
advance_to "$(at "2027-01-17 08:00")"
assert_eq "$(sent $P1 N6)" 1 "N6 at D-14"
advance_to "$(at "2027-01-29 08:00")"
assert_eq "$(sent $P1 N7)" 1 "N7 at D-2"
advance_to "$(at "2027-02-03 08:00")"
assert_eq "$(sent $P1 N8)" 1 "N8 at D+3"
r=$(sms $P1 "2 20.02.2027")
assert_match "$r" "noua data a plecarii: 20.02.2027" "postponed departure acknowledged"
assert_eq "$(due 1:N7)" "$(at "2027-02-18 08:00")" "postponed: D-2 moved"
assert_eq "$(due 1:N8)" "$(at "2027-02-23 08:00")" "postponed: D+3 moved"
assert_eq "$(sql "SELECT to_state FROM parents_transitions WHERE notice_id = 1 ORDER BY id DESC LIMIT 2" | tr '\n' ' ')" \
    "SPAS_REVIEW POSTPONED " "POSTPONED then back to SPAS_REVIEW"

# --- kill -9 and restart: nothing lost, nothing repeated.
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
advance_to "$(at "2027-02-18 08:00")"
start_daemon 1 || { e2e_done; exit 1; }
housekeeping_now
assert_eq "$(sent $P1 N7)" 2 "the moved D-2 reminder went out once after the restart"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
start_daemon 1 || { e2e_done; exit 1; }
housekeeping_now
assert_eq "$(sent $P1 N7)" 2 "and is not repeated by a second restart"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '$P1' AND text LIKE 'SPAS: pleci pe 20.02.2027. Lasa%'")" 1 \
    "one N7 with the new date in the outbox"

# --- The parent leaves: monthly check-ins in Rome's local time.
advance_to "$(at "2027-02-23 08:00")"
r=$(sms $P1 "1")
assert_eq "$(state 1)" 9 "N8 answered 1: DEPARTED then ABROAD"
assert_eq "$(due 1:N12C)" "$(at "2027-04-06 07:00")" "N12: caretaker invited 14 days before the meeting"
# A check-in due at 03:00 in Rome (02:00 UTC in winter) waits for 09:00.
sql "UPDATE due SET due_at = $(at "2027-03-15 02:00")000 WHERE owner = 'parents' AND key = '1:N9'"
advance_to "$(at "2027-03-15 02:00")"
assert_eq "$(sent $P1 N9)" 0 "no check-in at 03:00 Rome"
assert_eq "$(due 1:N9)" "$(at "2027-03-15 08:00")" "moved to 09:00 Rome (08:00 UTC)"
advance_to "$(at "2027-03-15 08:00")"
assert_eq "$(sent $P1 N9)" 1 "check-in sent at 09:00 Rome"
r=$(sms $P1 "4")
assert_eq "$(task contact_at_risk)" 0 "one 'not at all' is no task yet"
# Across the last Sunday of March: 03:00 CEST = 01:00 UTC; 09:00 CEST = 07:00 UTC.
sql "UPDATE due SET due_at = $(at "2027-03-28 01:00")000 WHERE owner = 'parents' AND key = '1:N9'"
advance_to "$(at "2027-03-28 01:00")"
assert_eq "$(due 1:N9)" "$(at "2027-03-28 07:00")" "after the change: 09:00 CEST = 07:00 UTC"
advance_to "$(at "2027-03-28 07:00")"
assert_eq "$(sent $P1 N9)" 2 "second check-in at 09:00 summer time"
r=$(sms $P1 "4")
assert_eq "$(task contact_at_risk)" 1 "N9 answered 4 twice: contact at risk task"

# --- The cap: 4 system messages a month, the 5th waits for the 1st.
cli parents remind 1 N17 > /dev/null
cli parents remind 1 N10 > /dev/null
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM parents_messages WHERE phone = '$P1' AND direction = 'out' AND at >= $(at "2027-03-01 00:00")000")" 4 \
    "four system messages in March"
cli parents remind 1 N13 > /dev/null
housekeeping_now
assert_eq "$(sent $P1 N13)" 0 "the fifth is held back"
assert_eq "$(due 1:N13)" "$(at "2027-04-01 07:00")" "until 1 April 09:00 Rome"

# --- Early return (N10 = 3): everything pending is cancelled.
r=$(sms $P1 "3")
assert_match "$r" "Bine ai revenit" "early return acknowledged"
assert_eq "$(state 1)" 11 "RETURNED"
assert_eq "$(sql "SELECT count(*) FROM due WHERE owner = 'parents' AND key LIKE '1:%'")" 0 \
    "early return cancels every pending reminder"
assert_eq "$(task returned)" 1 "returning-parent support task"

# --- SPAS staff enter a notice; a voice_only caretaker gets calls.
r=$(cli parents add --name "Vasile Mare" --phone 0722800001 --role 2 --sole 1 \
    --lives 1 --other 3 --commune Apata --departure 2027-06-01 --country ES \
    --child Rares:2014 --caretaker-name "Ioana Mare" --caretaker-phone 0722800001 \
    --caretaker-rel 2 --caretaker-lives 1 --court 1 2>&1)
assert_match "$r" "must differ" "CLI refuses the parent's own number as caretaker"
r=$(cli parents add --name "Vasile Mare" --phone 0722800001 --role 2 --sole 1 \
    --lives 1 --other 3 --commune Apata --departure 2027-06-01 --country ES \
    --child Rares:2014 --caretaker-name "Ioana Mare" --caretaker-phone 0722800002 \
    --caretaker-rel 6 --caretaker-lives 1 --court 1 --voice-only --by ana)
assert_match "$r" "^notice 3 P-2027-0003 registered CARETAKER_NOT_RELATIVE,SOLE_OR_BOTH_ABROAD" \
    "CLI registration with its flags"
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722800002'")" 0 "no SMS to a voice_only caretaker"
assert_eq "$(task call_caretaker)" 1 "a phone-call task instead"

# --- What SPAS sees.
assert_match "$(cli parents list late --csv)" "P-2027-0001" "late notices list"
assert_match "$(cli parents list caretakers --csv)" "P-2027-0003" "caretaker problems list (not a relative)"
assert_match "$(cli parents task --csv)" "contact_at_risk" "tasks of the service"
assert_match "$(cli parents report --quarter 2027Q1 --csv)" "new_notices,<5" "quarterly aggregates, small cells suppressed"
cli parents show 1 --by ana > /dev/null
assert_eq "$(sql "SELECT count(*) FROM audit WHERE object = 'parents:1' AND action = 'view'")" 1 "show is audited"
assert_match "$(cli parents show 1)" "CARETAKER_NO_REPLY" "card shows the transitions"

stop_daemon
e2e_done
