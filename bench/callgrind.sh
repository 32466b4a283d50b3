#!/usr/bin/env bash
# bench/callgrind.sh - instructions per inbound SMS on the SMS path (parse,
# advance the session, store, queue the reply) for a three-step flow,
# measured with valgrind --tool=callgrind on the simulator:
#
#   stafeta -c CONF -S STATE simulate NUMBER --channel sms --db FILE < lines
#
# runs the flow engine and the store in-process, one inbound line per
# stdin line, each in its own store transaction, as the daemon does.  The
# dialogue (a trigger keyword and the three answers of a three-question
# flow) is repeated D1 and D2 times from one number, each on a fresh
# database, and
#     Ir per message = (Ir(D2) - Ir(D1)) / ((D2 - D1) * lines per dialogue)
# so start-up (configuration, flow loading, schema) cancels out.  The
# native time per message (no valgrind, D2 dialogues minus D1) is printed too.
#
# Usage: bench/callgrind.sh
# Env:   D1=10 D2=40 (dialogues)  DIALOGUE='KEYWORD|answer1|answer2|answer3'
#        NUMBER=+40722123456  TOP=12 (functions listed, 0 = none)  BUILD=build KEEP=1
source "$(dirname "$0")/lib.sh"

D1=${D1:-10}
D2=${D2:-40}
NUMBER=${NUMBER:-+40722123456}
TOP=${TOP:-12}
# The example poll flows/sondaj.flow: three questions (menu choice, yes/no,
# integer), then a thank-you and end.  Override for another flow.
DIALOGUE=${DIALOGUE:-SONDAJ|1|DA|3}
need_bin "$B/stafeta" "operator CLI"
need_cmd valgrind awk

IFS='|' read -r -a LINES <<< "$DIALOGUE"
PER=${#LINES[@]}
d="$W/sim"
stafeta_conf "$d" 250
CONF="$d/stafeta.conf"

write_lines() { # D FILE
	local i
	: > "$2"
	for i in $(seq 1 "$1"); do printf '%s\n' "${LINES[@]}" >> "$2"; done
}

# run_cg D -> IR (total instructions of the process); replies in $W/out.D
run_cg() {
	local n=$1
	write_lines "$n" "$W/in.$n"
	rm -f "$W/db.$n"*
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.$n" \
	    "$B/stafeta" -c "$CONF" -S "$d/state" simulate "$NUMBER" --channel sms --db "$W/db.$n" \
	    < "$W/in.$n" > "$W/out.$n" 2> "$W/err.$n" || { tail -n 20 "$W/err.$n" >&2; die "simulate failed under valgrind"; }
	IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$W/cg.$n")
	[ -n "$IR" ] || die "no instruction total in $W/cg.$n"
}

run_native() { # D -> seconds (best of 3)
	local n=$1 best="" t0 t1 e
	for _ in 1 2 3; do
		rm -f "$W/ndb.$n"*
		t0=$(now_us)
		"$B/stafeta" -c "$CONF" -S "$d/state" simulate "$NUMBER" --channel sms --db "$W/ndb.$n" \
		    < "$W/in.$n" > /dev/null 2>&1
		t1=$(now_us); e=$((t1 - t0))
		if [ -z "$best" ] || [ "$e" -lt "$best" ]; then best=$e; fi
	done
	echo "$best"
}

note "callgrind: SMS path per inbound message, dialogue '${DIALOGUE//|/ / }' ($PER lines) x $D1 and x $D2, one number"
run_cg 0;   IR0=$IR
run_cg "$D1"; IR1=$IR
run_cg "$D2"; IR2=$IR
replies=$(grep -c . "$W/out.$D2" || true)
echo "  sample replies (first dialogue):"
head -n $((PER + 4)) "$W/out.$D2" | sed 's/^/    | /'
echo "  output lines for $((D2 * PER)) inbound lines: $replies"
echo "  stored: $(sqlite3 "$W/db.$D2" "SELECT (SELECT count(*) FROM inbound) || ' inbound, ' || (SELECT count(*) FROM outbox) || ' outbox'" 2>/dev/null)"
perm=$(awk -v a="$IR1" -v b="$IR2" -v n=$(( (D2 - D1) * PER )) 'BEGIN { printf "%.0f", (b - a) / n }')
perd=$(awk -v a="$IR1" -v b="$IR2" -v n=$(( D2 - D1 )) 'BEGIN { printf "%.0f", (b - a) / n }')
nat1=$(run_native "$D1"); nat2=$(run_native "$D2")
natm=$(awk -v a="$nat1" -v b="$nat2" -v n=$(( (D2 - D1) * PER )) 'BEGIN { printf "%.1f", (b - a) / n }')
echo
echo "SUMMARY callgrind (Ir = instructions executed, whole process)"
printf '  Ir(0 dialogues)  = %s   (start-up and exit)\n' "$IR0"
printf '  Ir(%d dialogues) = %s\n' "$D1" "$IR1"
printf '  Ir(%d dialogues) = %s\n' "$D2" "$IR2"
echo "CALLGRIND instructions per inbound SMS = $perm  (per $PER-message dialogue: $perd)"
echo "NATIVE    wall time per inbound SMS   = $natm us  (simulate, best of 3, $(( (D2 - D1) * PER )) messages difference)"
if [ "$TOP" != 0 ] && command -v callgrind_annotate >/dev/null; then
	echo
	echo "  top $TOP functions by own instructions (D=$D2 run, includes start-up):"
	callgrind_annotate --threshold=100 "$W/cg.$D2" 2>/dev/null |
	    awk '/^-+$/ { sep++; next } sep >= 3 && NF { print }' | head -n "$TOP" | sed 's/^/    /'
fi
