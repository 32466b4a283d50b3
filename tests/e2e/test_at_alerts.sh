# The "modem down" alert says what is true about the other modems
# (issue 10): with m2 up it names m2 as the way messages go (and leaves
# through it); when m2 goes down too, with m1 already down, its alert says
# no other modem works and messages wait.
. "$(dirname "$0")/lib.sh"

write_conf m1 m2
start_daemon 2 || { e2e_done; exit 1; }
alert() { sql "SELECT text FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%$1 NU%'"; }

mv "$T/state/modem-m1" "$T/state/modem-m1.away"
wait_for 20 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m1 NU%'" 1 ||
    fail "no alert for m1"
assert_match "$(alert m1)" "Mesajele trec prin modemul m2\.$" \
    "m1 down, m2 up: the alert names m2"
wait_for 20 "SELECT state || ' ' || channel FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m1 NU%'" "2 m2" &&
    ok "and it left through m2" || fail "m1's alert did not leave through m2"

mv "$T/state/modem-m2" "$T/state/modem-m2.away"
wait_for 20 "SELECT count(*) FROM outbox WHERE recipient = '+40700000999' AND text LIKE '%m2 NU%'" 1 ||
    fail "no alert for m2"
assert_match "$(alert m2)" "Niciun alt modem nu functioneaza: mesajele asteapta pana revine\.$" \
    "m2 down with m1 down: the alert says nothing else carries messages"
case "$(alert m2)" in
*celelalte*) fail "the single-modem alert still claims other modems" ;;
*) ok "no claim about other modems" ;;
esac

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
