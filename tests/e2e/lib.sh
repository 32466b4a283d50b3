# tests/e2e/lib.sh - sourced by every end-to-end test.
#
# Each test gets a fresh temporary folder T with a configuration, a state
# directory (SQLite database, dummy modem folders) and the daemon's log,
# starts the real build/stafetad on Gammu's dummy driver, talks to it the
# way a phone would (SMS files in the dummy inbox, HTTP for USSD) and
# asserts on what a user sees: stored rows, reply texts, exit codes.
# Every wait is bounded; a test prints "ok - ..." / "FAIL - ..." lines
# and exits non-zero if anything failed.
#
# Tests own time (lib/clock.h): the daemon, the CLI and the injector all
# read the wall clock as real time plus the offset in $T/clock, so a
# timeout, expiry or schedule is reached with clock_advance, never by
# sleeping.  Randomised choices come from SEED (printed at the start; run
# again with SEED=N to replay).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
T=$(mktemp -d /tmp/stafeta-e2e.XXXXXX)
DB="$T/state/stafeta.db"
DPID=""
FAILS=0
PASSES=0
export STAFETA_TEST_CLOCK="$T/clock"
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
SEED=$((SEED % 2147483648))
RNG=$SEED
echo "# seed: $SEED"
# E2E_CHANNEL=kannel: the same suites over a real Kannel instead of the
# dummy modems (tests/e2e/kannel_lib.sh); default modem.
E2E_CHANNEL=${E2E_CHANNEL:-modem}
[ "$E2E_CHANNEL" != kannel ] || . "$ROOT/tests/e2e/kannel_lib.sh"

e2e_cleanup() {
	[ "$E2E_CHANNEL" != kannel ] || kannel_e2e_stop
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	pkill -KILL -f "stafetad -f -c $T/" 2>/dev/null
	e2e_store_cleanup
	if [ "$FAILS" -gt 0 ]; then
		echo "--- daemon log (last 40 lines) $T/daemon.log"
		tail -n 40 "$T/daemon.log" 2>/dev/null
	else
		rm -rf "$T"
	fi
}
trap e2e_cleanup EXIT
# A test stopped by timeout(1) or ^C cleans up too (daemon, Kannel,
# PostgreSQL): the EXIT trap runs when a signal trap exits.
trap "exit 143" TERM
trap "exit 130" INT

ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $*"; }

# assert_eq ACTUAL EXPECTED DESCRIPTION
assert_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: expected '$2', got '$1'"; fi
}
# assert_match ACTUAL ERE DESCRIPTION
assert_match() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"
	else fail "$3: '$1' does not match /$2/"; fi
}

# write_conf MODEM... : a configuration with one dummy modem per name.
# EXTRA (a string) is appended verbatim for test-specific sections.
write_conf() {
	cat > "$T/stafeta.conf" <<CONF
[gateway]
log_level = ${LOG_LEVEL:-debug}
admin_numbers = +40700000999

[queue]
multipart_timeout_s = ${MULTIPART_TIMEOUT:-3600}
watchdog_s = ${WATCHDOG_S:-10}
send_retry_base_s = 1
CONF
	# Before the channels: suites append keys to the last section.
	e2e_store_conf >> "$T/stafeta.conf"
	for m in "$@"; do
		[ "$E2E_CHANNEL" != kannel ] || { kannel_e2e_channel "$m"; continue; }
		cat >> "$T/stafeta.conf" <<CONF

[modem $m]
model = dummy
connection = none
device = modem-$m
poll_ms = ${POLL_MS:-50}
send_per_minute = 0
CONF
	done
	printf '%s\n' "${EXTRA:-}" >> "$T/stafeta.conf"
	[ "$E2E_CHANNEL" != kannel ] || kannel_e2e_conf
}

sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$@"; }
# db_dump: every row as SQL text; e2e_sqlite_only WHAT: 0 if a check on
# the SQLite file itself applies (it does not on another store).
db_dump() { sqlite3 "$DB" .dump; }
e2e_sqlite_only() { return 0; }
# Hooks of the other stores (pg_lib.sh): extra configuration, cleanup.
e2e_store_conf() { :; }
e2e_store_cleanup() { :; }
if [ "${E2E_STORE:-sqlite}" = postgresql ]; then
	. "$ROOT/tests/e2e/pg_lib.sh"
fi

# Every bound below is an upper limit, never a pause: a passing run waits
# only as long as the daemon needs.  Sanitizer builds run several times
# slower, so their bounds stretch (E2E_SLACK, default 4 for build-san).
case $BUILD in
*san*) E2E_SLACK=${E2E_SLACK:-4} ;;
*) E2E_SLACK=${E2E_SLACK:-1} ;;
esac

# wait_for SECONDS SQL EXPECTED: polls until the query prints EXPECTED.
wait_for() {
	_deadline=$(($(date +%s) + $1 * E2E_SLACK))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		_got=$(sql "$2" 2>/dev/null)
		[ "$_got" = "$3" ] && return 0
		sleep 0.05
	done
	echo "  (waited $1 s for [$2] = '$3', last '$_got')"
	return 1
}

# wait_log SECONDS ERE [COUNT]: polls until the daemon log has at least
# COUNT (default 1) lines matching ERE.
wait_log() {
	_deadline=$(($(date +%s) + $1 * E2E_SLACK))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		_got=$(grep -Ec -- "$2" "$T/daemon.log" 2>/dev/null)
		[ "${_got:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	echo "  (waited $1 s for ${3:-1} log line(s) /$2/, saw ${_got:-0})"
	return 1
}

# now_ms: the test clock's "now" in ms, as the daemon sees it.
now_ms() {
	echo $(($(date +%s%3N) + $(cat "$T/clock" 2>/dev/null || echo 0)))
}

# housekeeping_now: has the daemon run its periodic housekeeping (due
# timeouts, expiries, schedules, queue pick-up) at once (SIGUSR2, test
# clock only) and waits until that pass is committed.  Also a barrier:
# whatever the daemon would do on its next tick, it has done.
housekeeping_now() {
	_hk=$(grep -c "housekeeping done (SIGUSR2)" "$T/daemon.log" 2>/dev/null)
	kill -USR2 "$DPID"
	wait_log 10 "housekeeping done \(SIGUSR2\)" $((${_hk:-0} + 1))
}

# clock_advance SECONDS: moves the wall clock of the daemon, the CLI and
# the injector forward, then runs the daemon's housekeeping.  The file is
# replaced by rename, so no reader ever sees it half written.
clock_advance() {
	_off=$(($(cat "$T/clock" 2>/dev/null || echo 0) + $1 * 1000))
	echo "$_off" > "$T/clock.new"
	mv "$T/clock.new" "$T/clock"
	if [ -n "$DPID" ]; then housekeeping_now; fi
}

# rng LO HI: sets RND to the next number in [LO, HI] of the sequence
# seeded by SEED (an LCG: same SEED, same test run).
rng() {
	RNG=$(((RNG * 1103515245 + 12345) % 2147483648))
	RND=$(($1 + RNG / 65536 % ($2 - $1 + 1)))
}

# start_daemon [N_MODEMS_UP]: starts stafetad and waits until the modems
# reported up.
start_daemon() {
	mkdir -p "$T/state"
	# A restarted daemon finds the last run's channel rows still "up":
	# wait for its own "started" line too (logged once every handler,
	# SIGUSR2's included, is in place).
	_started=$(grep -c "]: started: state " "$T/daemon.log" 2>/dev/null)
	[ "$E2E_CHANNEL" != kannel ] || kannel_e2e_start || return 1
	"$B/stafetad" -f -d -c "$T/stafeta.conf" -S "$T/state" \
	    >> "$T/daemon.log" 2>&1 &
	DPID=$!
	_n=${1:-1}
	if ! wait_log 20 "\]: started: state " $((${_started:-0} + 1)); then
		fail "daemon did not start"
		return 1
	fi
	if ! wait_for 20 "SELECT count(*) FROM channels WHERE state = 'up'" "$_n"; then
		fail "daemon did not bring $_n modem(s) up"
		return 1
	fi
	return 0
}

# stop_daemon: SIGTERM and wait; the exit code is left in RC.
stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID"
	RC=$?
	DPID=""
}

# inject MODEM ARGS... (stafeta-inject options, SENDER TEXT).  Every call
# gets its own seed derived from SEED; the count is kept in a file because
# callers often run inject in a subshell.
inject() {
	[ "$E2E_CHANNEL" != kannel ] || { kannel_e2e_inject "$@"; return; }
	_m=$1
	shift
	_k=$(($(cat "$T/inject.n" 2>/dev/null || echo 0) + 1))
	echo "$_k" > "$T/inject.n"
	"$B/tools/stafeta-inject" "$T/state/modem-$_m" \
	    --seed $(((SEED + _k) % 2147483648)) "$@" > /dev/null
}

cli() { "$B/stafeta" -c "$T/stafeta.conf" -S "$T/state" "$@"; }

e2e_done() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# ---- AT modem emulator (issue 10) ----
# write_at_modem NAME [PROFILE]: appends an AT modem driven by libgammu's
# real AT driver through `connection = proxyat`, the modem being
# tests/tools/at-emulator (PROFILE huawei, the default, or sim800, its
# answers from tests/tools/at-data/PROFILE.at) with
# its state in $T/at-NAME (commands.log, sim/, inject/, sent/, control).
# Extra keys for the section come from AT_EXTRA.
write_at_modem() {
	mkdir -p "$T/at-$1/inject"
	cat >> "$T/stafeta.conf" <<CONF

[modem $1]
connection = proxyat
device = $B/tools/at-emulator --profile ${2:-huawei} --data $ROOT/tests/tools/at-data/${2:-huawei}.at $T/at-$1
send_per_minute = 0
${AT_EXTRA:-}
CONF
}

# at_inject NAME [at-pdu deliver options] SENDER TEXT: the modem receives
# the message (its parts in the order at-pdu printed them, or reversed
# with AT_ORDER=reverse) and announces it with +CMTI.
at_inject() {
	_m=$1
	shift
	_k=$(($(cat "$T/inject.n" 2>/dev/null || echo 0) + 1))
	echo "$_k" > "$T/inject.n"
	if [ "${AT_ORDER:-}" = reverse ]; then
		"$B/tools/at-pdu" deliver "$@" | tac > "$T/at-$_m.pdu.$_k"
	else
		"$B/tools/at-pdu" deliver "$@" > "$T/at-$_m.pdu.$_k"
	fi
	mv "$T/at-$_m.pdu.$_k" "$T/at-$_m/inject/$(printf %06d "$_k")"
}

# at_sent NAME: what the modem was asked to send, decoded, one line per
# part: NUMBER TAB PART TAB TOTAL TAB SRR TAB TEXT.
at_sent() {
	cat "$T/at-$1"/sent/*.pdu 2>/dev/null | "$B/tools/at-pdu" decode
}

# at_commands NAME [SINCE_MS]: AT commands the modem received (since the
# given epoch ms).
at_commands() {
	awk -v s="${2:-0}" '$1 >= s && $2 ~ /^AT/' "$T/at-$1/commands.log" \
	    2>/dev/null | wc -l
}
