#!/bin/sh
# Runs every tests/e2e/test_*.sh; prints a summary line and fails if any
# test failed.  With E2E_STORE=postgresql the same suites run on the
# PostgreSQL store (pg_lib.sh); the few that are about the SQLite file
# itself are skipped, each with its reason.
cd "$(dirname "$0")" || exit 1
passed=0
failed=0
skipped=0

# skip_reason SUITE: why SUITE does not run in this mode (empty: it runs).
skip_reason() {
	[ "${E2E_STORE:-sqlite}" = postgresql ] || return 0
	case $1 in
	test_backup.sh) echo "backs up and restores the SQLite file (PostgreSQL: pg_dump)" ;;
	test_lock.sh) echo "holds SQLite's write lock from another process" ;;
	test_install.sh) echo "installs the package on its embedded SQLite default" ;;
	test_pg_restart.sh) echo "starts its own PostgreSQL in every mode" ;;
	esac
}

for t in test_*.sh; do
	why=$(skip_reason "$t")
	if [ -n "$why" ]; then
		echo "== e2e $t skipped: $why"
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
echo "e2e${E2E_STORE:+ ($E2E_STORE)}: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
