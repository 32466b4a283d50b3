# ModemManager named in the error (issue 10, field guide section 3): an AT
# modem whose port will not open (/dev/null: not a serial port, the open
# error libgammu gives for a busy port too) while a process named
# ModemManager runs gets the hint in its last error, in `stafeta status`
# and in the log.  The "ModemManager" here is a copy of sleep.
. "$(dirname "$0")/lib.sh"

cp "$(command -v sleep)" "$T/ModemManager"
"$T/ModemManager" 30 &
MMPID=$!
write_conf
cat >> "$T/stafeta.conf" <<CONF

[modem a1]
model = at
connection = at
device = /dev/null
CONF
start_daemon 0 || { kill "$MMPID"; e2e_done; exit 1; }
HINT="ModemManager is running and may hold the port: see docs/modems.md"
wait_for 15 "SELECT CASE WHEN error LIKE '%$HINT%' THEN 1 ELSE 0 END FROM channels WHERE name = 'a1'" 1 &&
    ok "the port's open error names ModemManager" ||
    fail "no ModemManager hint in the modem's error"
assert_match "$(cli status)" "a1: last error: connect: .*$HINT" \
    "status shows the hint as a1's last error"
wait_log 5 "modem a1: connect: .*$HINT" && ok "the log says so too" ||
    fail "no hint in the log"
kill "$MMPID" 2>/dev/null
wait "$MMPID" 2>/dev/null

stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
