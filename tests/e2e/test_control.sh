# Control socket (issue 9): while stafetad runs, the operator's writes go
# to it over STATE/stafetad.sock and print what they print without it;
# without a daemon the command writes directly; only the daemon migrates
# the schema, and the command refuses a schema it does not know.
. "$(dirname "$0")/lib.sh"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
SOCK="$T/state/stafetad.sock"

[ -S "$SOCK" ] && ok "the daemon listens on STATE/stafetad.sock" ||
    fail "no control socket at $SOCK"
assert_eq "$(stat -c %a "$SOCK" 2>/dev/null)" 660 "socket mode 0660"

# A write through the daemon: same output, same exit code, and the
# daemon did it (its log names the command, never the number).
out=$(cli send +40722123456 "Buna ziua" 2>"$T/err"); rc=$?
assert_eq "$rc" 0 "send through the daemon exits 0"
assert_match "$out" "^queued message [0-9]+ \(1 part\)$" "send prints the queued line"
wait_log 5 "control: send: exit 0" && ok "the daemon ran the send" ||
    fail "the send did not go through the daemon"
grep "control:" "$T/daemon.log" | grep -q "4072212" &&
    fail "a control log line holds the number" ||
    ok "no number in the control log lines"
wait_for 10 "SELECT count(*) FROM outbox WHERE recipient = '+40722123456'" 1 &&
    ok "the message is queued once" || fail "message not queued"

# Errors and usage come back on stderr with the same codes.
cli send +40722123456 > "$T/out" 2> "$T/err"; rc=$?
assert_eq "$rc" 2 "send with no text: exit 2 through the daemon"
grep -q "^usage: stafeta send" "$T/err" && ok "usage on stderr" ||
    fail "no usage on stderr: $(cat "$T/err")"
cli send 12 hello > "$T/out" 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "a bad number: exit 1"
assert_match "$(cat "$T/err")" "is not a phone number" "the reason on stderr"
cli flow start nosuchflow +40722123457 > "$T/out" 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "flow start of an unknown flow: exit 1"
assert_match "$(cat "$T/err")" "no flow named nosuchflow" "its message"
wait_log 5 "control: flow start: exit 1" && ok "flow start went through the daemon" ||
    fail "flow start did not go through the daemon"

# Reads stay direct, and see the write.
cli outbox | grep -q "+40722123456" && ok "outbox lists it (direct read)" ||
    fail "outbox does not list it"

# A garbage client does not hurt the daemon.
timeout 15 python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'\\xff\\xff\\xff\\xffgarbage'); s.recv(100)" "$SOCK" 2>/dev/null
out=$(cli send +40722123458 again); rc=$?
assert_eq "$rc" 0 "a send after a garbage client still works"

# Only the daemon migrates.  A schema this stafeta does not know: refused.
sql "INSERT INTO schema_migrations VALUES ('9999_future', 0)"
cli status > "$T/out" 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "status on a newer schema: exit 1"
assert_match "$(cat "$T/err")" "9999_future, which this stafeta does not know" \
    "the refusal names the unknown migration"
sql "DELETE FROM schema_migrations WHERE name = '9999_future'"
# A migration the daemon has not applied: the command does not apply it
# under the running daemon.
sql "DELETE FROM schema_migrations WHERE name = '0007_due'"
cli inbox > "$T/out" 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "inbox on an unmigrated schema under a daemon: exit 1"
assert_match "$(cat "$T/err")" "0007_due is not applied and stafetad is running" \
    "the refusal says the daemon migrates"
assert_eq "$(sql "SELECT count(*) FROM schema_migrations WHERE name = '0007_due'")" 0 \
    "the command did not migrate under the daemon"
sql "INSERT INTO schema_migrations VALUES ('0007_due', 0)"

stop_daemon
assert_eq "$RC" 0 "daemon stops cleanly"
[ -e "$SOCK" ] && fail "socket left behind" || ok "socket removed at exit"

# No daemon: the command writes directly, with the same output.
out=$(cli send +40722123459 "fara daemon" 2>&1); rc=$?
assert_eq "$rc" 0 "send without a daemon exits 0"
assert_match "$out" "^queued message [0-9]+ \(1 part\)$" "and prints the same line"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE recipient = '+40722123459'")" 1 \
    "queued directly"
# A stale socket file of a dead daemon: refused connection, direct write.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
out=$(cli send +40722123460 "socket mort" 2>&1); rc=$?
assert_eq "$rc" 0 "a stale socket: the send is done directly"
rm -f "$SOCK"
# Newer schema without a daemon: still refused.
sql "INSERT INTO schema_migrations VALUES ('9999_future', 0)"
cli status > /dev/null 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "status on a newer schema without a daemon: exit 1"
sql "DELETE FROM schema_migrations WHERE name = '9999_future'"

e2e_done
