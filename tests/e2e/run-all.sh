#!/bin/sh
# Runs every tests/e2e/test_*.sh; prints a summary line and fails if any
# test failed.
#
# E2E_CHANNEL=kannel (make e2e-kannel) runs the suites about messages,
# flows and services over a real Kannel instead of the dummy modems
# (tests/e2e/kannel_lib.sh).  The suites below are about the modem side
# or about nothing that travels as SMS; each is named with its reason.
KANNEL_SKIP='
test_alerts.sh		modem device vanishing (dummy-driver folder)
test_at_alerts.sh	AT emulator modems going down
test_at_cdsi.sh		AT emulator delivery reports in SR memory
test_at_faults.sh	AT emulator faults
test_at_modem.sh	AT emulator dialects
test_modemmanager.sh	ModemManager and serial ports
test_modems.sh		dummy modems: multipart parts, workers killed, folders
test_slots.sh		SIM slots of the dummy inbox
test_kannel.sh		runs its own Kannel in both modes
test_cli_help.sh	CLI usage only, no channel
test_config_check.sh	configuration checks only, no channel
test_install.sh		make install only, no channel
test_http_limits.sh	HTTP listener limits, no messages
'
cd "$(dirname "$0")" || exit 1
passed=0
failed=0
skipped=0
mode=${E2E_CHANNEL:-modem}
for t in test_*.sh; do
	if [ "$mode" = kannel ]; then
		why=$(printf '%s\n' "$KANNEL_SKIP" | awk -v t="$t" \
		    '$1 == t { sub(/^[^\t]*\t+/, ""); print }')
		if [ -n "$why" ]; then
			echo "== e2e $t skipped on kannel: $why"
			skipped=$((skipped + 1))
			continue
		fi
	fi
	echo "== e2e $t"
	if timeout 600 sh "$t"; then
		passed=$((passed + 1))
	else
		echo "== e2e $t FAILED"
		failed=$((failed + 1))
	fi
done
if [ "$mode" = kannel ]; then
	echo "e2e (kannel): $passed passed, $failed failed, $skipped skipped"
else
	echo "e2e: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
