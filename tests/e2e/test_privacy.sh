# Privacy (issue 9): a number that is not enrolled and sends a report
# leaves no trace once its refusal is sent (README, Privacy); the database
# the daemon creates is not world-readable even under umask 022.
. "$(dirname "$0")/lib.sh"

STRANGER=+40722499999
PORT=$((21000 + ($$ + 13) % 20000))
SECRET=s3cret-privacy
EXTRA="[http]
listen = 127.0.0.1:$PORT
secret = $SECRET

[sheets]
county_code = 8
commune = Apata
spas_numbers = +40700000111"
write_conf m1
umask 022
start_daemon 1 || { e2e_done; exit 1; }

for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -e "$f" ] || continue
	m=$(stat -c %a "$f")
	case $m in
	600 | 640) ok "$(basename "$f") has mode $m under umask 022" ;;
	*) fail "$(basename "$f") has mode $m under umask 022 (want 640 or stricter)" ;;
	esac
done

inject m1 "$STRANGER" "FO 48219303 1a1 2b 4c2d"
wait_for 10 "SELECT count(*) FROM outbox WHERE state = 2" 1 &&
    ok "the refusal is sent" || fail "no refusal sent"
assert_eq "$(sql "SELECT text FROM outbox")" \
    "EROARE: numar neinregistrat. Contactati SPAS pentru inscriere." \
    "the refusal text"
assert_eq "$(sql "SELECT count(*) FROM inbound")" 1 \
    "the message itself is counted (a row without sender or text)"
housekeeping_now || fail "no housekeeping pass"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender LIKE '%722499999%' OR text IS NOT NULL")" 0 \
    "inbound keeps neither sender nor text"
assert_eq "$(sql "SELECT count(*) FROM contacts WHERE phone LIKE '%722499999%'")" 0 \
    "no contact row for the stranger"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient LIKE '%722499999%'")" 0 \
    "the sent refusal keeps no recipient"
# Only the per-sender limit's counter (docs/configuration.md, [limits])
# names the number, until a day after its last message.
n=$(sqlite3 "$DB" .dump | grep -v "^INSERT INTO sender_limits " | grep -c 722499999)
assert_eq "$n" 0 "no other table of the database holds the number"
clock_advance $((25 * 3600))
assert_eq "$(sqlite3 "$DB" .dump | grep -c 722499999)" 0 \
    "a day later not even the limit's counter"

# The same over USSD: the Observation Sheet menu refuses a stranger, and
# neither its USSD session nor a contact keeps the number.
r=$(curl -s -X POST -H "X-Stafeta-Secret: $SECRET" \
    --data-urlencode "sessionId=priv-$$" --data-urlencode "serviceCode=*123*4#" \
    --data-urlencode "phoneNumber=+40722488888" --data-urlencode "text=" \
    "http://127.0.0.1:$PORT/ussd")
assert_match "$r" "^END " "a USSD stranger is refused"
assert_eq "$(sqlite3 "$DB" .dump | grep -v "^INSERT INTO sender_limits " | grep -c 722488888)" 0 \
    "nothing of the USSD stranger kept"

# An enrolled reporter's own rows are untouched.
cli reporter add --phone 0722400001 --name "Ana Pop" --profession teacher \
    --commune Apata > /dev/null
inject m1 +40722400001 "FO 48219303 1a1 2b 4c2d"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40722400001'" 1 &&
    ok "an enrolled reporter is answered" || fail "reporter not answered"
assert_eq "$(sql "SELECT count(*) FROM inbound WHERE sender = '+40722400001'")" 1 \
    "an enrolled reporter's inbound row keeps its sender"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
