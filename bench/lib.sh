# shellcheck shell=bash
# bench/lib.sh - sourced by the benchmark scripts.
#
# Conventions: every wait is bounded (in time and in count) and every
# benchmark prints figures; nothing here asserts a timing.  Traffic goes to
# 127.0.0.1 only.  Scratch data lives in one temporary folder per script
# run ($W), removed at exit unless KEEP=1.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
BENCH="$ROOT/bench"
W=$(mktemp -d "${TMPDIR:-/tmp}/stafeta-bench.XXXXXX")
BENCH_PIDS=""

bench_cleanup() {
	for p in $BENCH_PIDS; do
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "# scratch kept in $W" >&2; else rm -rf "$W"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "ERROR: $*" >&2; exit 1; }
note() { echo "# $*"; }

# Wall clock in microseconds / milliseconds, without forking (bash >= 5).
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
now_ms() { local t=$EPOCHREALTIME; t=${t/./}; echo "${t:0:-3}"; }

need_bin() { # need_bin PATH WHAT
	[ -x "$1" ] || die "$1 missing ($2); run 'make -j2' first"
}
need_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "$c not found; run bench/deps.sh"; done; }

# Arithmetic on decimals (bc may be absent): fdiv A B [DIGITS]
fdiv() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.*f\n", d, a / b }'; }

# stats FILE: numbers, one per line -> "n=.. min=.. p50=.. p90=.. p99=.. max=.. mean=.."
# (nearest-rank percentiles)
stats() {
	sort -n "$1" | awk '
	{ v[NR] = $1; s += $1 }
	function pct(p,  r) { r = int(p * NR / 100 + 0.999999); if (r < 1) r = 1; return v[r] }
	END {
		if (NR == 0) { print "n=0"; exit }
		printf "n=%d min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f mean=%.1f\n",
		    NR, v[1], pct(50), pct(90), pct(99), v[NR], s / NR
	}'
}

# ---- Stafeta daemon -------------------------------------------------------
# stafeta_conf DIR POLL_MS [HTTP_PORT SECRET]: writes DIR/stafeta.conf with
# one dummy modem m1 (state in DIR/state, modem folder DIR/state/modem-m1).
stafeta_conf() {
	local d=$1 poll=$2 port=${3:-} secret=${4:-}
	mkdir -p "$d/state"
	{
		printf '[gateway]\nlog_level = %s\n\n' "${LOG_LEVEL:-warn}"
		# One sender sends every message: no per-sender limit.
		printf '[limits]\nreplies_per_hour = 0\n\n'
		if [ -n "$port" ]; then
			printf '[http]\nlisten = 127.0.0.1:%s\nsecret = %s\n\n' "$port" "$secret"
		fi
		printf '[modem m1]\nmodel = dummy\nconnection = none\ndevice = modem-m1\n'
		printf 'poll_ms = %s\nsend_per_minute = 0\n' "$poll"
		printf '%s\n' "${STAFETA_EXTRA_CONF:-}"
	} > "$d/stafeta.conf"
}

# stafeta_start DIR: starts build/stafetad in the foreground (background
# job), waits (<= 20 s) until modem m1 is up.  Sets SPID.
stafeta_start() {
	local d=$1 i
	"$B/stafetad" -f -c "$d/stafeta.conf" -S "$d/state" >> "$d/daemon.log" 2>&1 &
	SPID=$!
	BENCH_PIDS="$BENCH_PIDS $SPID"
	for i in $(seq 1 200); do
		if [ "$(sqlite3 -cmd '.timeout 2000' "$d/state/stafeta.db" \
		    "SELECT count(*) FROM channels WHERE state = 'up'" 2>/dev/null)" = 1 ]; then
			return 0
		fi
		kill -0 "$SPID" 2>/dev/null || { tail -n 20 "$d/daemon.log" >&2; die "stafetad exited during start"; }
		sleep 0.1
	done
	tail -n 20 "$d/daemon.log" >&2
	die "stafetad did not bring modem m1 up within 20 s ($d/daemon.log)"
}

stafeta_stop() {
	[ -n "${SPID:-}" ] || return 0
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}

sdb() { sqlite3 -cmd '.timeout 5000' "$1/state/stafeta.db" "$2"; }

# Number of files in a folder (0 if empty or missing), without forking.
# (Not "[ -e first ]": a daemon may delete that very file meanwhile.)
nfiles() {
	local f=("$1"/*)
	if [ "${#f[@]}" = 1 ] && [ "${f[0]}" = "$1/*" ]; then echo 0; else echo "${#f[@]}"; fi
}

# nap SECONDS: sleep without forking (read with a timeout on a pipe that
# never gets data), so that fine-grained completion polls cost little CPU.
exec {NAPFD}<> <(:)
nap() { read -r -t "$1" -u "$NAPFD" _ || true; }

# cpu_busy: share of all cores in use over 1 s (call it before starting
# the benchmark's own processes).  Prints it, and a warning with the
# busiest processes when the machine is not idle: figures then mean little.
cpu_sample() { awk '/^cpu / { print $2 + $3 + $4 + $6 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
cpu_busy() {
	local a b p
	a=$(cpu_sample); sleep 1; b=$(cpu_sample)
	p=$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
		t = y[2] - x[2]; printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }')
	echo "# machine load before the run: $p% CPU busy (of $(nproc) cores), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ "$p" -gt 20 ]; then
		echo "# WARNING: other processes are using the CPU; the figures below are not reliable"
		ps -eo pcpu=,comm= --sort=-pcpu | head -n 3 | awk '{ printf "#   busy: %s (%s%% CPU)\n", $2, $1 }'
	fi
}
