# The AT path without hardware (issue 10): stafetad drives libgammu's real
# AT driver (connection = proxyat) against tests/tools/at-emulator, one
# Huawei E-series and one SIMCom SIM800 dialect.  Receive (single GSM-7,
# UCS-2 Romanian, 3 parts out of order), the reply PDUs the emulator got
# decoded and checked, a +CDS delivery report matched, USSD balance.
. "$(dirname "$0")/lib.sh"

write_conf
# The balance pattern is config/stafeta.conf.example's, as an operator
# would copy it.
EXAMPLE_RE=$(grep -m1 '^#balance_regex = ' "$ROOT/config/stafeta.conf.example" | sed 's/^#balance_regex = //')
AT_EXTRA="balance_ussd = *133#
balance_regex = $EXAMPLE_RE
low_credit = 2.0" write_at_modem h1 huawei
write_at_modem s1 sim800
start_daemon 2 || { e2e_done; exit 1; }
for m in h1:huawei s1:sim800; do
	grep -Eq "start profile ${m#*:}, [1-9][0-9]* answers from .*/tests/tools/at-data/${m#*:}\.at" "$T/at-${m%%:*}/emulator.log" &&
	    ok "${m%%:*} answers from at-data/${m#*:}.at (recorded lines)" ||
	    fail "${m%%:*} not answering from its data file"
done

# 1. Single GSM-7 message to the Huawei: stored, answered; the answer's
#    PDU, as the modem received it in AT+CMGS, decodes to the reply text.
at_inject h1 "+40722000001" "AJUTOR"
wait_for 15 "SELECT count(*) FROM inbound WHERE sender = '+40722000001'" 1 &&
    ok "GSM-7 SMS read from the AT modem" || fail "GSM-7 SMS not stored"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40722000001'")" \
    "AJUTOR" "GSM-7 text intact"
wait_for 15 "SELECT count(*) FROM outbox WHERE recipient = '+40722000001' AND state IN (2, 3)" 1 &&
    ok "reply sent through AT+CMGS" || fail "reply not sent"
reply=$(sql "SELECT text FROM outbox WHERE recipient = '+40722000001'")
sent=$(at_sent h1 | awk -F '\t' '$1 == "+40722000001"' | sort -t "$(printf '\t')" -k2n | cut -f5 | tr -d '\n')
assert_eq "$sent" "$(printf '%s' "$reply" | tr -d '\n')" "the PDU the modem got decodes to the reply"
assert_eq "$(ls "$T/at-h1/sim" | wc -l)" 0 "message deleted from the SIM after storing"

# 2. UCS-2 Romanian and a 3-part message delivered last part first, to
#    the SIM800.
RO="Bună ziua! Școala și țara, mâine înghețată. ĂÂÎȘȚ"
LONG="Raport: copilul a lipsit de la școală trei zile, părinții sunt plecați în străinătate, bunica nu poate să îl îngrijească. Vă rog să veniți mâine dimineață la noi acasă."
at_inject s1 --unicode "+40722000002" "$RO"
AT_ORDER=reverse at_inject s1 --ref 77 "+40722000003" "$LONG"
wait_for 15 "SELECT count(*) FROM inbound WHERE sender IN ('+40722000002', '+40722000003')" 2 ||
    fail "UCS-2 messages not stored"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40722000002'")" \
    "$RO" "UCS-2 Romanian intact"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+40722000003'")" \
    "$LONG" "3-part message, parts out of order, reassembled"
assert_eq "$(sql "SELECT parts FROM inbound WHERE sender = '+40722000003'")" \
    3 "recorded with its 3 parts"
wait_for 15 "SELECT count(*) FROM outbox WHERE recipient IN ('+40722000002', '+40722000003') AND state IN (2, 3)" 2 ||
    fail "UCS-2 replies not sent"
for n in 2 3; do
	reply=$(sql "SELECT text FROM outbox WHERE recipient = '+4072200000$n'")
	sent=$(at_sent s1 | awk -F '\t' -v r="+4072200000$n" '$1 == r' |
	    sort -t "$(printf '\t')" -k2n | cut -f5 | tr -d '\n')
	assert_eq "$sent" "$(printf '%s' "$reply" | tr -d '\n')" \
	    "reply to +4072200000$n decodes intact from the modem's PDUs"
done

# The SMSC number is asked once per connection, not once per part sent
# (libgammu re-reads it with AT+CSCA? when the message names a location).
starts=$(grep -c 'start profile' "$T/at-s1/emulator.log")
cmgs=$(grep -c '^[0-9]* AT+CMGS=' "$T/at-s1/commands.log")
csca=$(grep -c '^[0-9]* AT+CSCA?' "$T/at-s1/commands.log")
[ "$cmgs" -gt "$starts" ] && [ "$csca" -le "$starts" ] &&
    ok "AT+CSCA? $csca time(s) for $cmgs AT+CMGS over $starts connection(s)" ||
    fail "AT+CSCA? $csca times for $cmgs AT+CMGS over $starts connection(s)"

# 2b. SMS-DELIVER PDUs as real modems stored them, copied from gammu's
#     recordings (github.com/gammu/gammu 78fd6a92, GPL-2.0; the +CMGR
#     answers in tests/at-sms/03.dump, 12.dump, 11.dump), put on the
#     Huawei's SIM and announced with +CMTI.
n=0
for pdu in 0791198948004544040C9119894882006200007050307040042206CF35689E9603 \
    0791261229064012040C912622192340800000700191218253820CE130681C5E97E12072190D \
    07912374151616F6040B912374786468F300002010031220324036541D149D66A7E16180FA3D47D7C32E7459FE76BBDC653A68AEA397E774503B9C66BB46CAFA9C0E42BFE169F7D9E57201; do
	n=$((n + 1))
	printf '%s\n' "$pdu" > "$T/rec.$n"
	mv "$T/rec.$n" "$T/at-h1/inject/rec$n"
done
wait_for 15 "SELECT count(*) FROM inbound WHERE sender IN ('+919884280026', '+622291320408', '+32478746863')" 3 ||
    fail "recorded PDUs not all stored"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+919884280026'")" \
    "Ok sir" "recorded PDU (at-sms/03.dump) decoded"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+622291320408'")" \
    "aa cakep deh" "recorded PDU (at-sms/12.dump) decoded"
assert_eq "$(sql "SELECT text FROM inbound WHERE sender = '+32478746863'")" \
    "T:Philipa@joshua.heron.net s:test mail.#Just hoping..." \
    "recorded PDU (at-sms/11.dump) decoded"

# 3. Delivery reports: every send asked for one (TP-SRR), the emulator
#    answered with +CDS, and the report was matched by recipient and MR.
assert_match "$(at_sent h1 | cut -f4 | sort -u | tr -d '\n')" "^1$" \
    "sends request a delivery report"
wait_for 15 "SELECT count(*) FROM outbox WHERE recipient = '+40722000001' AND state = 3" 1 &&
    ok "+CDS delivery report matched to the message" ||
    fail "+CDS report not matched"

# 4. USSD balance through the Huawei (packed GSM-7 answer).
wait_for 20 "SELECT balance FROM channels WHERE name = 'h1'" "5.78" &&
    ok "balance read by AT+CUSD and the example regex" || fail "no balance"
grep -q '^[0-9]* AT+CUSD=1,' "$T/at-h1/commands.log" &&
    ok "USSD went out as AT+CUSD" || fail "no AT+CUSD seen"

e2e_done
