#!/bin/sh
# The SPAS task list and the access log (core store): a task a service
# opened is listed, overdue when past its deadline (test clock), closed
# through the running daemon with the operator recorded (the Unix user of
# `stafeta`, learnt from the control socket, or --by), exported as CSV
# with a BOM and as XLSX; reading the audit log is itself logged, and the
# log refuses edits.
. "$(dirname "$0")/lib.sh"

write_conf m1
start_daemon 1 || { e2e_done; exit 1; }
me=$(id -un)
now=$(now_ms)

# What a service's rule does (store_task_open), written here directly.
sql "INSERT INTO tasks (service, kind, ref, title, created_at, due_at)
     VALUES ('sheet', 'unknown_household', 'sheet:AB-101',
             'Verificati codul de gospodarie', $now, $((now + 3600000)))"
out=$(cli tasks)
assert_match "$out" "unknown_household +sheet:AB-101" "the open task is listed"
echo "$out" | grep "sheet:AB-101" | grep -q " da " &&
    fail "not overdue yet, but marked so" || ok "not overdue before its deadline"
clock_advance 7200
cli tasks | grep "sheet:AB-101" | grep -q " da " &&
    ok "overdue after its deadline (test clock)" ||
    fail "not marked overdue: $(cli tasks)"

cli tasks --csv "$T/tasks.csv" 2>/dev/null
assert_eq "$(head -c 3 "$T/tasks.csv" | od -An -tx1 | tr -d ' ')" efbbbf \
    "the CSV starts with a UTF-8 BOM"
grep -q "Ce este de făcut" "$T/tasks.csv" && ok "Romanian headings with diacritics" ||
    fail "no Romanian heading in $(head -1 "$T/tasks.csv")"
cli tasks --xlsx "$T/tasks.xlsx" 2>/dev/null
assert_eq "$(head -c 2 "$T/tasks.xlsx")" "PK" "the XLSX is a zip workbook"
cli tasks --xlsx > /dev/null 2>&1
assert_eq "$?" 2 "--xlsx without a file: usage, exit 2"

id=$(sql "SELECT id FROM tasks WHERE ref = 'sheet:AB-101'")
out=$(cli tasks done "$id" --note "cod corect, familie noua" 2>&1); rc=$?
assert_eq "$rc" 0 "tasks done exits 0"
assert_eq "$out" "task $id done by $me" "it says who closed it"
wait_log 5 "control: tasks done: exit 0" && ok "the close went through the daemon" ||
    fail "tasks done did not go through the daemon"
assert_eq "$(sql "SELECT state || '|' || closed_by || '|' || outcome FROM tasks WHERE id = $id")" \
    "done|$me|cod corect, familie noua" "stored closed, by the Unix user, with the note"
cli tasks done "$id" > /dev/null 2> "$T/err"; rc=$?
assert_eq "$rc" 1 "closing it again: exit 1"
assert_match "$(cat "$T/err")" "no open task $id" "and why"
cli tasks | grep -q "sheet:AB-101" && fail "a closed task is still listed" ||
    ok "a closed task leaves the default list"
cli tasks --all | grep -q "sheet:AB-101" && ok "--all shows it" ||
    fail "--all lost the closed task"
sql "INSERT INTO tasks (service, kind, ref, title, created_at)
     VALUES ('parents', 'caretaker_silent', 'notice:3', 'Sunati', $now)"
id=$(sql "SELECT id FROM tasks WHERE ref = 'notice:3'")
cli tasks cancel "$id" --by "Maria Pop" > /dev/null
assert_eq "$(sql "SELECT state || '|' || closed_by FROM tasks WHERE id = $id")" \
    "cancelled|Maria Pop" "--by names the worker"

# The access log: reading it is logged; nobody edits it.
cli audit > /dev/null
out=$(cli audit)
assert_match "$out" "$me +cli +view +audit" "reading the audit log is logged"
sql "UPDATE audit SET who = 'nobody'" 2> "$T/err"
assert_match "$(cat "$T/err")" "append-only" "the log refuses an edit"
assert_eq "$(sql "SELECT count(*) FROM audit WHERE who = 'nobody'")" 0 \
    "and nothing changed"
e2e_done
