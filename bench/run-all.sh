#!/usr/bin/env bash
# bench/run-all.sh - run every benchmark and print all figures.
#
#   bench/run-all.sh            (about 5-7 minutes on 2 cores)
#
# Builds first (make -j2), installs missing benchmark packages
# (bench/deps.sh, needs root or sudo), then runs latency, throughput, ussd
# and callgrind one after the other and repeats their figure lines at the
# end.  Set SKIP_DEPS=1 / SKIP_BUILD=1 to skip those steps.  Env variables
# of the single scripts pass through.  Benchmarks print figures; nothing
# here fails on a timing.
set -u
cd "$(dirname "$0")/.." || exit 1
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/stafeta-bench-all.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT

[ "${SKIP_DEPS:-0}" = 1 ] || bench/deps.sh || exit 1
[ "${SKIP_BUILD:-0}" = 1 ] || make -j2 > /dev/null || { echo "build failed" >&2; exit 1; }

echo "# Stafeta benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
rc=0
for b in latency throughput ussd callgrind; do
	echo
	echo "########## bench/$b.sh"
	bash "bench/$b.sh" 2>&1 | tee "$LOGS/$b.log"
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "(bench/$b.sh failed)"; rc=1; }
done
echo
echo "########## all figures"
for b in latency throughput ussd callgrind; do
	[ -f "$LOGS/$b.log" ] || continue
	awk '
	/^# machine load|^# WARNING/ { print; next }
	/^(LATENCY|RATIO|CALLGRIND)/ || /^        poll_ms=/ { tab = 0; print; next }
	/^SUMMARY/ { tab = 1; print; next }
	tab && (NF == 0 || /^#/) { tab = 0; next }
	tab { print }
	' "$LOGS/$b.log"
	echo
done
exit $rc
