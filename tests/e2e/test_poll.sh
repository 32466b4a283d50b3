# Participation polls (issue 12) through the real daemon with the test
# clock: opt-in by SMS and by SPAS staff, the push in the recipients'
# local daytime (an invitation due at 22:00 waits until 09:00; an Italian
# number follows Rome time), never into another dialogue, loose answers,
# a voter who changes an answer, STOP mid-poll, the reminder to
# non-responders only, a late answer after close, tallies against a hand
# computation with a Borda tie, the mayor's page, the thank-you SMS, and
# anonymity: after the dispute window nothing links a number to an answer.
. "$(dirname "$0")/lib.sh"

EXTRA="[polls]
commune = Apata
villages = Apata, Satu Nou, Valeni
dispute_days = 7"
write_conf m1

# The daemon's "now": 22:00 in Bucharest, two days from today.
DAY=$(TZ=Europe/Bucharest date -d "today + 2 days" +%Y-%m-%d)
at() { TZ=Europe/Bucharest date -d "$DAY $1" +%s; } # at "+N days HH:MM"
mkdir -p "$T/state"
echo $((($(at "22:00") - $(date +%s)) * 1000)) > "$T/clock"
start_daemon 1 || { e2e_done; exit 1; }

# clock_to "+N days HH:MM": moves the test clock there (Bucharest time).
clock_to() {
	_d=$(($(TZ=Europe/Bucharest date -d "$DAY $1" +%s) - $(now_ms) / 1000))
	[ "$_d" -gt 0 ] || { fail "clock_to $1 is in the past"; return; }
	clock_advance "$_d"
}
# sms NUMBER TEXT: sends one SMS, prints every reply queued to NUMBER.
sms() {
	_before=$(sql "SELECT coalesce(max(id), 0) FROM outbox")
	_n=$(sql "SELECT count(*) FROM inbound WHERE sender = '$1'")
	inject m1 --time "$(date -u -d "@$(($(now_ms) / 1000))" +%Y%m%dT%H%M%S)" "$1" "$2"
	wait_for 10 "SELECT count(*) FROM inbound WHERE sender = '$1'" \
	    $((_n + 1)) > /dev/null
	sql "SELECT text FROM outbox WHERE recipient = '$1' AND id > $_before ORDER BY id"
}
sent_to() { # sent_to NUMBER LIKE: messages queued to NUMBER matching LIKE
	sql "SELECT count(*) FROM outbox WHERE recipient = '$1' AND text LIKE '$2'"
}

PA=+40722100001 PB=+40722100002 PC=+40722100003 PD=+40722100004
PE=+40722100005 PF=+393331234567 PG=+40722100006 PH=+40722100007

# --- opt-in (R2) --------------------------------------------------------
for n in $PA $PB $PC $PD $PE $PG $PH; do
	sms $n INSCRIERE > /dev/null
	sms $n 1 > /dev/null
	r=$(sms $n 2)
done
assert_match "$r" "Te-ai inscris" "opt-in by SMS confirmed"
assert_eq "$(sql "SELECT count(*) FROM poll_optins WHERE village = 'Satu Nou' AND source = 'sms'")" 7 \
    "seven residents opted in by SMS with their village"
# Seven numbers of one block of 100 within the hour: the fifth alerts (R15).
assert_match "$(grep -c 'opt-ins within 3600 s from one block of 100' "$T/daemon.log")" "^1$" \
    "burst of consecutive-number opt-ins logged once"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%inscrieri la sondaje%numere consecutive%'")" 1 \
    "administrators alerted about the burst"
assert_match "$(sms +40722100099 INSCRIERE)" "18 ani" "opt-in asks for age"
assert_match "$(sms +40722100099 2)" "peste 18" "a minor is not registered"
cli optin add 0722100098 > /dev/null 2>&1
assert_eq "$?" 2 "optin add without a consent source is refused"
assert_match "$(cli optin add $PF --source paper --lang ro)" "added" \
    "SPAS registers an Italian number from a paper form"
assert_match "$(cli optin list --csv-ids)" "\+393331234567,,ro,paper" "optin list shows the consent source"
assert_eq "$(sql "SELECT count(*) FROM poll_optins WHERE revoked_at IS NULL")" 8 "eight in the register"

# --- create, check, approve -------------------------------------------------
P="$ROOT/flows/poll/polls/P1.poll"
assert_match "$(cli poll check "$P")" "Q1 ro: 2 SMS, GSM-7" "poll check gives each message's cost"
printf 'poll: X\nquestion Q1: rank_12\n  ro: x\n' > "$T/bad.poll"
out=$(cli poll check "$T/bad.poll" 2>&1)
assert_eq "$?" 1 "a broken poll file fails the check"
assert_match "$out" "bad.poll:2: unknown question type" "errors name file:line"
assert_match "$(cli poll create "$P" --by "Ana SPAS")" "P1 created \(DRAFT\)" "poll created as DRAFT"
assert_match "$(cli poll open P1 --by "Primar Ion")" "approved by Primar Ion" "mayor approves"
assert_match "$(cli poll show P1)" "approved: .* by Primar Ion" "approval recorded"

# --- R6 + R9: information message due at 22:00 waits for 09:00 ------------
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE text LIKE 'Primaria Apata: inainte de sondaj%'")" 0 \
    "no information SMS at 22:00"
assert_eq "$(sql "SELECT due_at / 1000 FROM poll_invites WHERE phone = '$PA'")" "$(at "+1 day 09:00")" \
    "Romanian number waits until 09:00 Bucharest"
assert_eq "$(sql "SELECT due_at / 1000 FROM poll_invites WHERE phone = '$PF'")" "$(at "+1 day 10:00")" \
    "Italian number waits until 09:00 Rome (10:00 Bucharest)"
clock_to "+1 day 09:30"
assert_eq "$(sent_to $PA 'Primaria Apata: inainte de sondaj%')" 1 "information SMS at 09:30"
assert_eq "$(sent_to $PF 'Primaria Apata: inainte de sondaj%')" 0 "not yet in Rome (08:30)"
clock_to "+1 day 10:01"
assert_eq "$(sent_to $PF 'Primaria Apata: inainte de sondaj%')" 1 "Italian number informed at 09:01 Rome"

# --- opening at 22:00 (+3 days): invitations wait for the morning ------------
clock_to "+3 days 22:15"
assert_match "$(cli poll show P1)" "state: OPEN" "poll open after the information days"
assert_eq "$(sql "SELECT count(*) FROM flow_sessions WHERE flow = 'poll'")" 0 "no invitation at night"
# Anti-stuffing (R2): a planning poll invites only numbers registered
# before it opened.
sms +40722100008 INSCRIERE > /dev/null; sms +40722100008 1 > /dev/null
sms +40722100008 1 > /dev/null
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM poll_invites WHERE phone = '+40722100008'")" 0 \
    "a number registered after the opening is not invited to a planning poll"
# E is inside another dialogue in the morning: the push must not interrupt.
clock_to "+4 days 08:50"
sms $PE SONDAJ > /dev/null
clock_to "+4 days 09:30"
assert_eq "$(sent_to $PA 'Primaria Apata: sondaj gratuit%')" 1 "invitation sent at 09:30"
assert_eq "$(sent_to $PE 'Primaria Apata: sondaj gratuit%')" 0 "a person in another dialogue is not interrupted"
assert_match "$(cli poll show P1)" "push: 6 invited, 2 waiting" "show tells how far the push is"
sms $PE GATA > /dev/null
clock_to "+4 days 09:50"
assert_eq "$(sent_to $PE 'Primaria Apata: sondaj gratuit%')" 1 "invited once the other dialogue ended"

# --- answers ----------------------------------------------------------------
r=$(sms $PA 1)
assert_match "$r" "^1/5 Ce ar trebui" "intro accepted, first question"
r=$(sms $PA "5 2 7")
assert_match "$r" "^2/5" "rank answer with spaces"
r=$(sms $PA "x")
assert_match "$r" "Raspuns nevalid" "invalid answer re-prompted with a hint"
assert_match "$r" "2/5" "the question again"
r=$(sms $PA "99")
assert_match "$r" "^3/5" "second invalid answer recorded invalid, moves on"
sms $PA 3 > /dev/null
r=$(sms $PA DA)
assert_match "$r" "^5/5" "DA accepted for yes/no"
r=$(sms $PA 2)
assert_match "$r" "Multumim! Rezultatele" "end of the poll"
# The same voter changes Q1 (R1): only the last answer counts.
r=$(sms $PA INSCRIERE)
assert_match "$r" "sondaj gratuit" "a registered voter goes back into the open poll"
sms $PA 1 > /dev/null
sms $PA 6 > /dev/null
sms $PA GATA > /dev/null
sms $PB 1 > /dev/null; sms $PB "1 4 2" > /dev/null; sms $PB GATA > /dev/null
sms $PC igen > /dev/null; sms $PC "3,4,2" > /dev/null; sms $PC GATA > /dev/null
sms $PD 1 > /dev/null; sms $PD "1.5.2" > /dev/null; sms $PD GATA > /dev/null
sms $PE da > /dev/null; sms $PE "4 2" > /dev/null; sms $PE GATA > /dev/null
clock_to "+4 days 10:30"
assert_eq "$(sent_to $PF 'Primaria Apata: sondaj gratuit%')" 1 "Italian number invited in Rome daytime"
sms $PF 1 > /dev/null; sms $PF "2-1-4" > /dev/null; sms $PF GATA > /dev/null
# STOP mid-poll (R3): effective at once, confirmed, out of the register.
sms $PG 1 > /dev/null
assert_match "$(sms $PG STOP)" "Nu veti mai primi" "STOP confirmed"
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM poll_optins WHERE phone = '$PG' AND revoked_at IS NOT NULL")" 1 \
    "STOP removes the poll opt-in"
assert_match "$(cli poll show P1)" "opt-outs during the poll: 1" "opt-out counted"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE text IN ('5 2 7', '3,4,2', '1.5.2', '2-1-4', '1 4 2', '4 2', 'DA', 'igen')")" 0 \
    "no poll answer text kept in the inbox"
assert_eq "$(sql "SELECT count(*) FROM poll_responses WHERE rkey LIKE '+%' OR rkey LIKE '%0722%'")" 0 \
    "answers stored under keys, not numbers"

# --- reminder to non-responders only (after 3 days) ----------------------------
clock_to "+7 days 10:00"
clock_advance 60
assert_eq "$(sent_to $PH 'Primaria Apata: sondaj gratuit%')" 2 "non-responder reminded once"
assert_eq "$(sent_to $PB 'Primaria Apata: sondaj gratuit%')" 1 "respondent not reminded"
assert_eq "$(sent_to $PG 'Primaria Apata: sondaj gratuit%')" 1 "opted-out number not reminded"
clock_to "+8 days 10:00"
assert_eq "$(sent_to $PH 'Primaria Apata: sondaj gratuit%')" 2 "only one reminder"

# --- close; a late answer is told the poll is closed ----------------------------
assert_match "$(cli poll close P1)" "closed" "SPAS closes the poll"
n0=$(sql "SELECT count(*) FROM poll_responses")
assert_match "$(sms $PH 1)" "Sondajul s-a incheiat" "late answer told the poll is closed"
assert_eq "$(sql "SELECT count(*) FROM poll_responses")" "$n0" "late answer not counted"

# --- tallies: Borda by hand ---------------------------------------------------
# Final Q1 answers: A 6, B 142, C 342, D 152, E 42, F 214.  Points (3-2-1):
# 1: 3+3+2 = 8 (2 firsts), 2: 1+1+1+2+3 = 8 (1 first, 5 mentions),
# 4: 2+2+3+1 = 8 (1 first, 4 mentions), 3: 3, 6: 3 (tie, code order), 5: 2.
res=$(cli poll results P1 --csv-ids)
q1=$(printf '%s\n' "$res" | grep '^all,Q1,[0-9]' | cut -d, -f3,7 | tr '\n' ' ')
assert_eq "$q1" "1,8 2,8 4,8 3,3 6,3 5,2 7,0 " "Borda order with the tie rules"
assert_match "$res" "all,respondents,,,6" "six respondents"
assert_match "$res" "all,invited,,,8" "eight invited"
assert_match "$res" "K1=1,respondents,,,< 5" "small segment suppressed"
cli poll results P1 --html "$T/p1.html"
assert_match "$(grep -c '<svg' "$T/p1.html")" "^[1-9]" "mayor's page with SVG charts"
cli poll results P1 --xlsx "$T/p1.xlsx" && [ -s "$T/p1.xlsx" ] && ok "XLSX export" || fail "XLSX export"

# --- publish: thank-you SMS with the headline (R14) -------------------------------
assert_match "$(cli poll results P1 --publish "After-school din 2027")" "to 6 respondent" \
    "thank-you queued to respondents only"
housekeeping_now
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE text LIKE '%Pe primul loc: Ajutor acte/institutii. Consiliul a decis: After-school din 2027%'")" 6 \
    "thank-you SMS with the headline result and the decision"

# --- anonymity (R4): after the dispute window -----------------------------------
clock_to "+16 days 10:00"
assert_match "$(cli poll show P1)" "state: ARCHIVED" "archived after the dispute window"
assert_eq "$(sql "SELECT count(*) FROM poll_polls WHERE secret IS NOT NULL")" 0 "secret destroyed"
assert_eq "$(sql "SELECT count(*) FROM poll_invites")" 0 "invitation links destroyed"
assert_eq "$(sql "SELECT count(*) FROM poll_responses WHERE poll_id = 'P1' AND valid = 1 AND qid = 'Q1'")" 6 \
    "answers kept without a phone link"
stop_daemon
assert_eq "$RC" 0 "clean stop"
dump=$(sqlite3 "$DB" .dump)
leak=0
for n in $PA $PB $PC $PD $PE $PF $PG $PH; do
	for a in "5 2 7" "1 4 2" "3,4,2" "1.5.2" "2-1-4" "'4 2'" "igen"; do
		printf '%s\n' "$dump" | grep -F -- "$n" | grep -qF -- "$a" && leak=1
	done
done
assert_eq "$leak" 0 "no database row holds a number next to an answer"
for a in "5 2 7" "1 4 2" "3,4,2" "1.5.2" "2-1-4"; do
	cat "$DB"* "$T/daemon.log" | grep -qaF -- "$a" && { leak=1; echo "  found: $a"; }
done
assert_eq "$leak" 0 "no answer text in the database file, its WAL or the log"
for n in $PA $PB $PC $PD $PE $PF $PG $PH; do
	grep -qF -- "$n" "$T/daemon.log" && { leak=1; echo "  number in log: $n"; }
done
assert_eq "$leak" 0 "no full phone number in the log"
e2e_done
