# A poll pushed to 5,000 registered numbers over a 2-modem pool (issue
# 12): the daemon is killed with SIGKILL in the middle of the push and
# restarted; every number is invited exactly once, over both modems, and
# `poll show` follows the push.
. "$(dirname "$0")/lib.sh"

# Sanitizer builds run several times slower: a smaller pool of numbers
# proves the same (POLL_PUSH_N overrides).
case $BUILD in
*san*) N=${POLL_PUSH_N:-1000} ;;
*) N=${POLL_PUSH_N:-5000} ;;
esac
EXTRA="[polls]
commune = Apata"
write_conf m1 m2
DAY=$(TZ=Europe/Bucharest date -d "today + 1 day" +%Y-%m-%d)
mkdir -p "$T/state"
echo $((($(TZ=Europe/Bucharest date -d "$DAY 10:00" +%s) - $(date +%s)) * 1000)) > "$T/clock"
start_daemon 2 || { e2e_done; exit 1; }

# The register: N numbers that consented on paper (seeded directly).
sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $N - 1)
     INSERT INTO poll_optins (phone, village, lang, source, consent, created_at)
     SELECT '+4072' || substr(CAST(10000000 + i AS TEXT), 2), '', 'ro', 'paper', 'v1', 0 FROM n"
assert_eq "$(sql "SELECT count(*) FROM poll_optins")" "$N" "$N numbers in the register"
cat > "$T/push.poll" <<'POLL'
poll: PUSH
title: Test push
kind: monitoring
days: 7
intro ro: Test push Apata: o intrebare. Incepem? 1=Da 2=Nu
end ro: Multumim!
question Q1: yesno
  ro: 1/1 Ati folosit after-school? 1=Da 2=Nu
POLL
cli poll create "$T/push.poll" > /dev/null
cli poll open PUSH --now > /dev/null
invited() { sql "SELECT count(*) FROM poll_invites WHERE step >= 2"; }

# Push until about a third is invited, then kill -9 mid-push.
i=0
while [ "$(invited)" -lt $((N / 3)) ] && [ $i -lt 1000 ]; do
	housekeeping_now > /dev/null; i=$((i + 1))
done
assert_match "$(cli poll show PUSH)" "push: [0-9]+ invited, [1-9][0-9]* waiting" "show follows the push"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
ok "daemon killed with SIGKILL at $(invited) of $N"
start_daemon 2 || { e2e_done; exit 1; }
i=0
while [ "$(invited)" -lt "$N" ] && [ $i -lt 1000 ]; do
	housekeeping_now > /dev/null; i=$((i + 1))
done
assert_eq "$(invited)" "$N" "every number invited after the restart"
wait_for $((N / 20 + 30)) "SELECT count(*) FROM outbox WHERE text LIKE 'Test push Apata%' AND state = 2" "$N" ||
	fail "not every invitation sent"
assert_eq "$(sql "SELECT count(*) FROM (SELECT recipient FROM outbox WHERE text LIKE 'Test push Apata%' GROUP BY recipient HAVING count(*) > 1) t")" 0 \
    "no number invited twice across the kill"
assert_eq "$(sql "SELECT count(DISTINCT recipient) FROM outbox WHERE text LIKE 'Test push Apata%'")" "$N" \
    "each number invited once"
assert_eq "$(sql "SELECT count(DISTINCT channel) FROM outbox WHERE text LIKE 'Test push Apata%'")" 2 \
    "both modems of the pool sent"
assert_match "$(cli poll show PUSH)" "push: $N invited, 0 waiting" "show: push complete"
stop_daemon
assert_eq "$RC" 0 "clean stop"
e2e_done
