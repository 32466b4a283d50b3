#!/bin/sh
# Runs every tests/e2e/test_*.sh; prints a summary line and fails if any
# test failed.
#
# The same suites run in two more modes (make e2e-pg, make e2e-kannel):
# E2E_STORE=postgresql on the PostgreSQL store (tests/e2e/pg_lib.sh), and
# E2E_CHANNEL=kannel over a real Kannel instead of the dummy modems
# (tests/e2e/kannel_lib.sh).  A suite that is about what the mode
# replaces is skipped there, named with its reason, never silently.
PG_SKIP='
test_backup.sh		backs up and restores the SQLite file (PostgreSQL: pg_dump)
test_lock.sh		holds SQLite'"'"'s write lock from another process
test_install.sh		installs the package on its embedded SQLite default
test_pg_restart.sh	starts its own PostgreSQL in every mode
'
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
test_pg_restart.sh	PostgreSQL restarts under dummy modems
test_group_commit.sh	posts USSD requests and Kannel MOs over HTTP itself, with a [channel] of its own
'
cd "$(dirname "$0")" || exit 1
passed=0
failed=0
skipped=0
mode=""
skip=""
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	mode="postgresql"
	skip=$PG_SKIP
fi
if [ "${E2E_CHANNEL:-modem}" = kannel ]; then
	mode="${mode:+$mode, }kannel"
	skip="$skip$KANNEL_SKIP"
fi
for t in test_*.sh; do
	why=$(printf '%s\n' "$skip" | awk -v t="$t" \
	    '$1 == t { sub(/^[^\t]*\t+/, ""); print; exit }')
	if [ -n "$why" ]; then
		echo "== e2e $t skipped ($mode): $why"
		skipped=$((skipped + 1))
		continue
	fi
	echo "== e2e $t"
	if timeout 600 sh "$t"; then
		passed=$((passed + 1))
	else
		echo "== e2e $t FAILED"
		failed=$((failed + 1))
	fi
done
echo "e2e${mode:+ ($mode)}: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
