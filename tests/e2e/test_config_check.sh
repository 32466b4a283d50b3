# stafetad -n: configuration check with file:line errors; the example
# configuration runs as it is; the systemd unit verifies.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/empty"
out=$("$B/stafetad" -n -c "$ROOT/config/stafeta.conf.example" -S "$T/empty" 2>&1)
assert_eq "$?" 0 "example configuration passes -n"
assert_match "$out" "configuration OK" "-n says configuration OK"

printf '[gateway]\nlog_level = info\n\n[queue]\nwatchdog_s = 1\n' > "$T/bad.conf"
out=$("$B/stafetad" -n -c "$T/bad.conf" -S "$T/empty" 2>&1)
assert_eq "$?" 1 "out-of-range value fails -n"
assert_match "$out" "bad.conf:5: " "error names file and line"

printf '[gateway]\nno_such_key = 1\n' > "$T/bad2.conf"
out=$("$B/stafetad" -n -c "$T/bad2.conf" -S "$T/empty" 2>&1)
assert_eq "$?" 1 "unknown key fails -n"
assert_match "$out" "bad2.conf:2: .*no_such_key" "unknown key named with its line"

"$B/stafetad" -n -c "$T/missing.conf" -S "$T/empty" > /dev/null 2>&1
assert_eq "$?" 1 "missing file fails -n"

# A second daemon on the same state directory refuses to start.
write_conf m1
start_daemon 1
"$B/stafetad" -f -c "$T/stafeta.conf" -S "$T/state" > "$T/second.log" 2>&1
assert_eq "$?" 1 "second daemon on the same state directory exits 1"
assert_match "$(cat "$T/second.log")" "another stafetad" "and says why"
stop_daemon

# The unit file as installed must verify.
if command -v systemd-analyze > /dev/null 2>&1; then
	sed "s,@SBINDIR@,$B,g" "$ROOT/systemd/stafetad.service" \
	    > "$T/stafetad.service"
	out=$(systemd-analyze verify "$T/stafetad.service" 2>&1)
	rc=$?
	assert_eq "$rc" 0 "systemd-analyze verify stafetad.service ($out)"
else
	fail "systemd-analyze not installed"
fi
e2e_done
