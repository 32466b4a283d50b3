#!/bin/sh
# Runs every tests/e2e/test_*.sh; prints a summary line and fails if any
# test failed.
cd "$(dirname "$0")" || exit 1
passed=0
failed=0
for t in test_*.sh; do
	echo "== e2e $t"
	if timeout 600 sh "$t"; then
		passed=$((passed + 1))
	else
		echo "== e2e $t FAILED"
		failed=$((failed + 1))
	fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
