#!/bin/sh
# tests/long/fuzz.sh - long fuzzing runs (issue 9), outside `make ci`.
#
# Builds the libFuzzer targets (`make fuzz`, clang with libclang-rt; on
# Debian: apt-get install clang libclang-rt-dev) and runs every target in
# tests/fuzz/*_fuzzer.c for SECONDS seconds (default 120) at nice 10, with
# its dictionary (tests/fuzz/NAME.dict when there is one), on a scratch
# copy of its corpus (tests/fuzz/corpus/NAME/), so the tree is never
# touched.  A crash is saved (crash-*, leak-*, timeout-*, oom-* in the
# scratch folder) and the target goes on for the rest of its time.
# Prints, per target: executions, coverage (cov = edges, ft = features),
# corpus size before and after, crashes.  Exits non-zero if any target
# crashed.
#
#   sh tests/long/fuzz.sh               120 s per target
#   SECONDS=600 sh tests/long/fuzz.sh   (or: sh tests/long/fuzz.sh 600)
#   TARGETS="text control" sh tests/long/fuzz.sh
#   NOBUILD=1 ...                       reuse build/fuzz/
#   KEEP=DIR ...                        scratch folder (default: mktemp,
#                                       kept when something crashed)
# Under sh (dash) SECONDS is an ordinary variable; under bash it is the
# shell's clock, so pass the time as the first argument there.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SECS=${1:-${SECONDS:-120}}
NICE=${NICE:-10}
W=${KEEP:-$(mktemp -d /tmp/stafeta-fuzz.XXXXXX)}
mkdir -p "$W"
command -v clang > /dev/null 2>&1 || {
	echo "fuzz.sh: clang missing (apt-get install clang libclang-rt-dev)" >&2
	exit 2
}
if [ -z "${NOBUILD:-}" ]; then
	nice -n "$NICE" make -s fuzz > "$W/build.log" 2>&1 || {
		tail -n 30 "$W/build.log"
		echo "fuzz.sh: make fuzz failed" >&2
		exit 2
	}
fi
TARGETS=${TARGETS:-$(for f in tests/fuzz/*_fuzzer.c; do basename "$f" _fuzzer.c; done)}
echo "# fuzz: $SECS s per target, nice $NICE, scratch $W"
printf '%-14s %12s %9s %7s %7s %13s %8s\n' target execs exec/s cov ft corpus crashes
total_crash=0
total_execs=0
for n in $TARGETS; do
	bin=build/fuzz/$n
	[ -x "$bin" ] || { echo "fuzz.sh: no $bin" >&2; exit 2; }
	c="$W/corpus/$n"
	mkdir -p "$c" "$W/artifacts/$n"
	cp -R tests/fuzz/corpus/"$n"/. "$c"/ 2>/dev/null
	before=$(ls "$c" | wc -l)
	dict=""
	[ -f "tests/fuzz/$n.dict" ] && dict="-dict=tests/fuzz/$n.dict"
	start=$(date +%s)
	execs=0
	crashes=0
	run=0
	# libFuzzer stops at the first crash: start it again for the time
	# left, so one crash does not end the target's run.
	while :; do
		left=$((SECS - ($(date +%s) - start)))
		[ "$left" -ge 1 ] || break
		run=$((run + 1))
		nice -n "$NICE" "$bin" -max_total_time="$left" -timeout=10 \
		    -rss_limit_mb=2048 -print_final_stats=1 $dict \
		    -artifact_prefix="$W/artifacts/$n/" "$c" \
		    > "$W/$n.$run.log" 2>&1
		rc=$?
		e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$n.$run.log" | tail -n 1)
		execs=$((execs + ${e:-0}))
		[ "$rc" -eq 0 ] && break
		crashes=$((crashes + 1))
		echo "  $n: run $run exited $rc:" \
		    "$(grep -m1 -E 'ERROR|==[0-9]+==|deadly signal' "$W/$n.$run.log")"
		[ "$crashes" -ge 20 ] && break
	done
	el=$(($(date +%s) - start))
	[ "$el" -ge 1 ] || el=1
	# The last status line: "#N  DONE/pulse/... cov: X ft: Y corp: ..."
	line=$(grep -E '^#[0-9]+.*cov: ' "$W/$n.$run.log" | tail -n 1)
	cov=$(printf '%s' "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	after=$(ls "$c" | wc -l)
	printf '%-14s %12s %9s %7s %7s %13s %8s\n' "$n" "$execs" \
	    $((execs / el)) "${cov:-?}" "${ft:-?}" "$before->$after" "$crashes"
	total_crash=$((total_crash + crashes))
	total_execs=$((total_execs + execs))
done
echo "# total: $total_execs execs, $total_crash crash(es), seconds per target $SECS"
if [ "$total_crash" -gt 0 ]; then
	echo "# crash inputs kept in $W/artifacts/ (replay: build/fuzz/NAME FILE)"
	exit 1
fi
[ -z "${KEEP:-}" ] && rm -rf "$W"
exit 0
