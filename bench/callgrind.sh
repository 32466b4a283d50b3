#!/usr/bin/env bash
# bench/callgrind.sh - instructions per inbound SMS on the SMS path (parse,
# advance the session, store, queue the reply) for a three-step flow,
# measured with valgrind --tool=callgrind.
#
# Two drivers, each run in-process on a fresh database per measurement:
#   simulate  stafeta -c CONF -S STATE simulate NUMBER --channel sms --db FILE
#             (the operator's simulator: flow engine + store, one inbound
#             line per stdin line);
#   sms-path  bench/sms-path.c, built here against build/libstafeta.a: every
#             stdin line goes through gw_inbound_batch() as one SMS-DELIVER
#             part from NUMBER on modem m1 -- dedup claim, inbound row,
#             contact, flow engine, reply queued, one transaction each --
#             i.e. exactly the daemon's code after a modem worker reported
#             the part (the worker's libgammu decode and the socketpair are
#             not included).
# The dialogue (a trigger keyword and the three answers of a three-question
# flow) is repeated D1 and D2 times from one number, and
#     Ir per message = (Ir(D2) - Ir(D1)) / ((D2 - D1) * lines per dialogue)
# so start-up (configuration, flow loading, schema) cancels out.  The native
# wall time per message (no valgrind, same difference, best of 3) is
# printed too.  Databases live in the scratch folder under $TMPDIR; SQLite
# syncs are part of the cost as in the daemon.
#
# Usage: bench/callgrind.sh
# Env:   D1=10 D2=40 (dialogues)  DIALOGUE='KEYWORD|answer1|answer2|answer3'
#        DRIVERS="simulate sms-path"  NUMBER=+40722123456
#        TOP=12 (functions listed for the last driver, 0 = none)  BUILD=build KEEP=1
source "$(dirname "$0")/lib.sh"

D1=${D1:-10}
D2=${D2:-40}
NUMBER=${NUMBER:-+40722123456}
TOP=${TOP:-12}
DRIVERS=${DRIVERS:-simulate sms-path}
# Default: flows/sondaj.flow, the example poll: SONDAJ, then yes/no (1 = yes),
# satisfaction 1-5 (4), what to improve 1-7 (3); it ends with a thank-you.
DIALOGUE=${DIALOGUE:-SONDAJ|1|4|3}
need_cmd valgrind awk sqlite3 cc pkg-config
[ -f "$B/libstafeta.a" ] || die "$B/libstafeta.a missing; run 'make -j2' first"

IFS='|' read -r -a LINES <<< "$DIALOGUE"
PER=${#LINES[@]}
d="$W/sim"
STAFETA_EXTRA_CONF=$'\n[flows]\ndir = '"$ROOT/flows" stafeta_conf "$d" 250
CONF="$d/stafeta.conf"

write_lines() { # D FILE
	local i
	: > "$2"
	for i in $(seq 1 "$1"); do printf '%s\n' "${LINES[@]}" >> "$2"; done
}

build_sms_path() {
	local cflags libs
	cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g -I$ROOT -I$ROOT/gateway -I$ROOT/modem -I$ROOT/flows -I$ROOT/store -I$ROOT/config"
	cflags="$cflags $(pkg-config --cflags gammu libevent sqlite3 libpcre2-8 libsystemd | sed 's/-I/-isystem /g')"
	libs="$(pkg-config --libs gammu libevent sqlite3 libpcre2-8 libsystemd) -levent_pthreads -lpthread"
	# shellcheck disable=SC2086
	cc $cflags -o "$W/sms-path" "$BENCH/sms-path.c" "$B/libstafeta.a" $libs ||
	    die "building bench/sms-path.c against $B/libstafeta.a failed"
}

# drv DRIVER N: runs the driver on N dialogues with a fresh state dir,
# stdin from $W/in.N.  Prefix with valgrind through $VG.
drv() {
	local tool=$1 n=$2; local st="$W/st.$tool.$n.$RANDOM"
	mkdir -p "$st"
	case $tool in
	simulate) $VG "$B/stafeta" -c "$CONF" -S "$st" simulate "$NUMBER" --channel sms --db "$st/sim.db" ;;
	sms-path) $VG "$W/sms-path" "$CONF" "$st" "$NUMBER" ;;
	esac < "$W/in.$n"
	LAST_ST=$st
}

run_cg() { # DRIVER N -> IR
	local tool=$1 n=$2
	VG="valgrind --tool=callgrind --callgrind-out-file=$W/cg.$tool.$n"
	drv "$tool" "$n" > "$W/out.$tool.$n" 2> "$W/err.$tool.$n" ||
	    { tail -n 20 "$W/err.$tool.$n" >&2; echo "  $tool failed under valgrind (see above)"; return 1; }
	IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$W/cg.$tool.$n")
	[ -n "$IR" ] || { echo "  no instruction total in $W/cg.$tool.$n"; return 1; }
}

run_native() { # DRIVER N -> microseconds (best of 3)
	local tool=$1 n=$2 best="" t0 e
	VG=""
	for _ in 1 2 3; do
		t0=$(now_us)
		drv "$tool" "$n" > /dev/null 2>&1
		e=$(( $(now_us) - t0 ))
		if [ -z "$best" ] || [ "$e" -lt "$best" ]; then best=$e; fi
	done
	echo "$best"
}

measure() { # DRIVER
	local tool=$1 ir0 ir1 ir2 perm perd nat1 nat2 natm
	echo "-- driver: $tool"
	run_cg "$tool" 0 || return 0; ir0=$IR
	run_cg "$tool" "$D1" || return 0; ir1=$IR
	run_cg "$tool" "$D2" || return 0; ir2=$IR
	echo "  output of the first dialogue:"
	head -n $((PER + 6)) "$W/out.$tool.$D2" | sed 's/^/    | /'
	local db; db=$(ls "$LAST_ST"/*.db 2>/dev/null | head -1)
	[ -n "$db" ] && echo "  stored after $D2 dialogues ($((D2 * PER)) lines): $(sqlite3 "$db" \
	    "SELECT (SELECT count(*) FROM inbound) || ' inbound, ' || (SELECT count(*) FROM outbox) || ' outbox rows'" 2>/dev/null)"
	perm=$(awk -v a="$ir1" -v b="$ir2" -v n=$(( (D2 - D1) * PER )) 'BEGIN { printf "%.0f", (b - a) / n }')
	perd=$(awk -v a="$ir1" -v b="$ir2" -v n=$(( D2 - D1 )) 'BEGIN { printf "%.0f", (b - a) / n }')
	nat1=$(run_native "$tool" "$D1"); nat2=$(run_native "$tool" "$D2")
	natm=$(awk -v a="$nat1" -v b="$nat2" -v n=$(( (D2 - D1) * PER )) 'BEGIN { printf "%.1f", (b - a) / n }')
	printf '  Ir(0) = %s (start-up and exit)   Ir(%d dialogues) = %s   Ir(%d dialogues) = %s\n' \
	    "$ir0" "$D1" "$ir1" "$D2" "$ir2"
	RESULTS+=("CALLGRIND $tool: instructions per inbound SMS = $perm  (per $PER-message dialogue: $perd); native wall time per SMS = $natm us")
	LASTCG="$W/cg.$tool.$D2"
	breakdown "$tool"
}

# Per-message inclusive instructions of the main steps (same difference
# of the two runs), from callgrind_annotate --inclusive=yes.
incl() { # FILE FUNCTION -> inclusive Ir (0 if absent)
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
	    awk -v f=":$2 [" 'index($0, f) { gsub(",", "", $1); print $1; found = 1; exit } END { if (!found) print 0 }'
}
breakdown() {
	local tool=$1 fn a b
	command -v callgrind_annotate > /dev/null || return 0
	case $tool in
	sms-path) set -- gw_inbound_batch store_dedup_claim store_inbound_add store_contact_set_channel flow_engine_inbound store_outbox_add gsm_text_parts store_commit ;;
	simulate) set -- flow_engine_inbound store_commit ;;
	esac
	echo "  per inbound SMS, inclusive instructions of:"
	for fn in "$@"; do
		a=$(incl "$W/cg.$tool.$D1" "$fn"); b=$(incl "$W/cg.$tool.$D2" "$fn")
		printf '    %-26s %9s\n' "$fn" "$(awk -v a="$a" -v b="$b" -v n=$(( (D2 - D1) * PER )) 'BEGIN { printf "%.0f", (b - a) / n }')"
	done
}

note "callgrind: SMS path per inbound message; dialogue '${DIALOGUE//|/ / }' ($PER lines) repeated $D1 and $D2 times from one number"
cpu_busy
for n in 0 "$D1" "$D2"; do write_lines "$n" "$W/in.$n"; done
RESULTS=()
LASTCG=""
for t in $DRIVERS; do
	case $t in
	simulate)
		need_bin "$B/stafeta" "operator CLI"
		mkdir -p "$W/probe"
		if ! printf 'x\n' | "$B/stafeta" -c "$CONF" -S "$W/probe" simulate "$NUMBER" --channel sms \
		    --db "$W/probe.db" > "$W/probe.out" 2>&1; then
			echo "-- driver: simulate: not usable ($(head -c 200 "$W/probe.out" | tr '\n' ' '))"
			continue
		fi ;;
	sms-path) build_sms_path ;;
	*) die "unknown driver $t" ;;
	esac
	measure "$t"
done
echo
echo "SUMMARY callgrind (Ir = instructions executed; difference of two runs, start-up cancelled)"
for r in "${RESULTS[@]}"; do echo "$r"; done
if [ "$TOP" != 0 ] && [ -n "$LASTCG" ] && command -v callgrind_annotate > /dev/null; then
	echo
	echo "  top $TOP functions by own instructions ($(basename "$LASTCG"), includes start-up):"
	callgrind_annotate --threshold=100 "$LASTCG" 2>/dev/null |
	    awk 'go && NF && !/^-+$/ { print } /file:function/ { go = 1 }' | head -n "$TOP" | sed 's/^/    /'
fi
