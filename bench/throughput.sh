#!/usr/bin/env bash
# bench/throughput.sh - receive and send throughput of stafetad against
# gammu-smsd 1.42 (SQL service, SQLite through libdbi) and against the bare
# libgammu ceiling (build/tools/gammu-ceiling), on the same dummy input, in
# the same run.
#
#   recv1  N single-part UCS-2 SMS (same files for every system)
#   recv3  N three-part UCS-2 SMS, 16-bit concatenation references
#   send   N single-part UCS-2 messages to N different numbers
#
# Receive: at T0 the staged folder replaces the empty dummy inbox folder in
#   one rename(2), so every system sees the whole burst at once, as the
#   ceiling does (moving 3000 files one by one takes ~0.1 s, during which a
#   reader that is already polling ends a pass early and pays the dummy's
#   end-of-list scan again).
#   Stafeta is done when count(inbound) = N and the inbox folder is empty;
#   it also answers every message, so the time until all N replies have
#   state 2 (sent) is printed too.  gammu-smsd is done when the inbox folder
#   is empty (it deletes a part only after its INSERT; its DB is not read
#   during the run, because a reader makes it fail with "database is locked").
# Send: Stafeta: N outbox rows inserted in one transaction while the daemon
#   runs, T0 = commit, done when all N have state 2.  gammu-smsd: N outbox
#   rows inserted before it starts with SendingDateTime = S in the future,
#   T0 = S + 1 s (when they become eligible), done when its log shows N
#   'Transmitted' lines (as in the gammu-smsd peer benchmark).
# Completion is polled every 20 ms; every wait is bounded (TIMEOUT).
# Each receive run and Stafeta's send run is repeated REPEAT times,
# interleaved (ceiling, stafetad, gammu-smsd, then again), and the summary
# gives the median elapsed time with min-max; gammu-smsd's send (15-20 s a
# run) is repeated SMSD_SEND_REPEAT times.
# The ceiling, gammu-ceiling recv, includes one end-of-inbox scan of the
# dummy driver (GetNextSMS probes the remaining locations up to 10000,
# ~0.1 s); so does Stafeta's time (its worker ends a pass with that scan
# before the last ACK/delete).  The scan's cost alone is printed at start.
#
# Usage: bench/throughput.sh [recv1] [recv3] [send]      (default: all three)
# Env:   N=1000  POLL_MS=50 (stafetad's modem poll_ms)  TIMEOUT=120 (s per run)
#        GAMMU_JOURNALS="wal delete"  (journal modes gammu-smsd runs with)
#        REPEAT=3  SMSD_SEND_REPEAT=1
#        BUILD=build  KEEP=1
source "$(dirname "$0")/lib.sh"

N=${N:-1000}
POLL_MS=${POLL_MS:-50}
TIMEOUT=${TIMEOUT:-120}
GAMMU_JOURNALS=${GAMMU_JOURNALS:-wal delete}
MODES=${*:-recv1 recv3 send}
REPEAT=${REPEAT:-3}
SMSD_SEND_REPEAT=${SMSD_SEND_REPEAT:-1}
SENDER=+40722123456
TEXT1="Mesaj de test: ș ț ă î â"
# 167 characters: 3 UCS-2 parts of up to 66 (16-bit reference) with the number prefix
TEXT3="Bună ziua! Școala și țara, înghețată, mâine. Așa că încercăm un mesaj lung cu diacritice românești ș ț ă î â Ș Ț Ă Î Â pentru a testa concatenarea UCS-2 în Gammu SMSD."

need_bin "$B/stafetad" daemon
need_bin "$B/tools/stafeta-inject" injector
need_cmd sqlite3 gammu-smsd awk
CEILING="$B/tools/gammu-ceiling"
[ -x "$CEILING" ] || { echo "WARNING: $CEILING missing: no ceiling figures" >&2; CEILING=""; }

SCHEMA=""
for f in /usr/share/doc/gammu-smsd/examples/sqlite.sql /usr/share/doc/gammu/examples/sql/sqlite.sql; do
	[ -f "$f" ] && { SCHEMA=$f; break; }
	[ -f "$f.gz" ] && { SCHEMA=$f.gz; break; }
done
[ -n "$SCHEMA" ] || die "gammu-smsd sqlite.sql schema not found; run bench/deps.sh"
DRIVERSPATH=""
for d in /usr/lib/x86_64-linux-gnu/dbd /usr/lib/aarch64-linux-gnu/dbd /usr/lib/dbd /usr/lib64/dbd; do
	[ -f "$d/libdbdsqlite3.so" ] && { DRIVERSPATH=$d; break; }
done
[ -n "$DRIVERSPATH" ] || die "libdbi sqlite3 driver (libdbd-sqlite3) missing; run bench/deps.sh"

# ---- results ---------------------------------------------------------------
# rec SCENARIO SYSTEM ELAPSED_S MESSAGES PARTS: one measured run.
declare -A EL MS PS
ORDER=()
rec() {
	local k="$1|$2"
	[ -n "${EL[$k]+x}" ] || ORDER+=("$k")
	EL[$k]="${EL[$k]:-} $3"; MS[$k]=$4; PS[$k]=$5
}
rate() { fdiv "$1" "$2" 1; }
med() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { printf '%s\n' $1 | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR > 1) printf "%s-%s", a, b; else printf "-" }'; }
# mrate KEY -> msgs/s from the median (empty if no run)
mrate() { [ -n "${EL[$1]:-}" ] && rate "${MS[$1]}" "$(med "${EL[$1]}")"; }
prate() { [ -n "${EL[$1]:-}" ] && rate "${PS[$1]}" "$(med "${EL[$1]}")"; }

# ---- staging ----------------------------------------------------------------
stage() { # stage NAME TEXT [OPTIONS...] -> $W/in-NAME/sms/1/* ; sets FILES
	local name=$1 text=$2; shift 2
	"$B/tools/stafeta-inject" "$W/in-$name" --count "$N" --number-texts "$@" "$SENDER" "$text" > /dev/null ||
	    die "stafeta-inject failed"
	FILES=$(nfiles "$W/in-$name/sms/1")
}
copy_stage() { # copy_stage NAME DEST_DIR: a private copy of the input files
	mkdir -p "$2"; cp -p "$W/in-$1/sms/1/"* "$2/"
}

# ---- ceiling ---------------------------------------------------------------
ceiling_secs() { # OUTPUT -> the seconds figure of "... in S s = ..."
	echo "$1" | grep -oE 'in [0-9.]+ s' | tail -1 | grep -oE '[0-9.]+'
}
# The dummy driver ends every pass with a scan for further locations
# (ERR_EMPTY), ~0.1 s whatever the folder holds; gammu-ceiling's time includes
# one.  It is measured on an empty folder (best of 3) and shown separately.
ceiling_empty() {  # informational
	[ -n "$CEILING" ] || return 0
	local d="$W/ceil-empty" best="" s
	mkdir -p "$d/sms/1"
	for _ in 1 2 3; do
		s=$(ceiling_secs "$(timeout 60 "$CEILING" "$d" recv 2>&1)")
		[ -n "$s" ] || continue
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
	done
	CEIL_EMPTY=${best:-0}
	echo "  gammu-ceiling recv on an empty folder (the final empty scan): ${CEIL_EMPTY} s"
}
ceiling_recv() { # NAME
	[ -n "$CEILING" ] || return 0
	local d="$W/ceil-$1-$RANDOM" out secs
	mkdir -p "$d/sms/1"; copy_stage "$1" "$d/sms/1"
	out=$(timeout "$TIMEOUT" "$CEILING" "$d" recv 2>&1)
	echo "  gammu-ceiling recv: $(echo "$out" | tail -1)"
	secs=$(ceiling_secs "$out")
	[ -n "$secs" ] || { echo "  (could not read the time from gammu-ceiling output)"; return 0; }
	rec "$1" "libgammu ceiling (read+delete)" "$secs" "$N" "$FILES"
	rm -rf "$d"
}
ceiling_send() {
	[ -n "$CEILING" ] || return 0
	# GSM_SendSMS on the dummy only encodes the PDU: use enough messages
	# for a measurable time (the rate does not depend on N).
	local d="$W/ceil-send" out secs n=$(( N * 100 > 10000 ? N * 100 : 10000 ))
	mkdir -p "$d"
	out=$(timeout "$TIMEOUT" "$CEILING" "$d" send "$n" 2>&1)
	echo "  gammu-ceiling send: $(echo "$out" | tail -1)"
	secs=$(ceiling_secs "$out")
	[ -n "$secs" ] || { echo "  (could not read the time from gammu-ceiling output)"; return 0; }
	rec send "libgammu ceiling (GSM_SendSMS)" "$secs" "$n" "$n"
}

# ---- Stafeta ---------------------------------------------------------------
stafeta_recv() { # NAME PARTS_PER_MSG
	local name=$1 ppm=$2 d="$W/stafeta-$1-$RANDOM" inbox t0 t done_recv="" done_reply="" c r i
	stafeta_conf "$d" "$POLL_MS"
	stafeta_start "$d"
	inbox="$d/state/modem-m1/sms/1"; mkdir -p "$inbox"
	copy_stage "$name" "$d/stage"
	sleep 0.5
	t0=$(now_us)
	mv -T "$d/stage" "$inbox"
	for i in $(seq 1 $((TIMEOUT * 50))); do
		nap 0.02
		t=$(now_us)
		if [ -z "$done_recv" ] && [ "$(nfiles "$inbox")" = 0 ]; then
			c=$(sdb "$d" "SELECT count(*) FROM inbound" 2>/dev/null)
			[ "${c:-0}" -ge "$N" ] && done_recv=$t
		fi
		if [ -n "$done_recv" ]; then
			r=$(sdb "$d" "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL AND state IN (2, 3)" 2>/dev/null)
			[ "${r:-0}" -ge "$N" ] && { done_reply=$t; break; }
		fi
	done
	stafeta_stop
	local nin ninc nrep last_rx last_tx
	nin=$(sdb "$d" "SELECT count(*) FROM inbound")
	ninc=$(sdb "$d" "SELECT count(*) FROM inbound WHERE incomplete <> 0 OR parts <> $ppm")
	nrep=$(sdb "$d" "SELECT count(*) FROM outbox WHERE in_reply_to IS NOT NULL AND state IN (2, 3)")
	last_rx=$(sdb "$d" "SELECT max(received_at) FROM inbound")
	last_tx=$(sdb "$d" "SELECT max(sent_at) FROM outbox WHERE in_reply_to IS NOT NULL")
	echo "  stafetad: inbound=$nin/$N (not $ppm-part or incomplete: $ninc) replies sent=$nrep left-in-inbox=$(nfiles "$inbox")" \
	    "last received_at-T0=$(awk -v a="$last_rx" -v t="$t0" 'BEGIN{printf "%.0f", a - t/1000}') ms" \
	    "last reply sent_at-T0=$(awk -v a="${last_tx:-0}" -v t="$t0" 'BEGIN{printf "%.0f", a - t/1000}') ms"
	if [ -z "$done_recv" ]; then echo "  TIMEOUT: stafetad stored $nin/$N within $TIMEOUT s" >&2; return 0; fi
	local e1; e1=$(fdiv $((done_recv - t0)) 1000000 3)
	rec "$name" "stafetad (stored)" "$e1" "$N" "$FILES"
	if [ -n "$done_reply" ]; then
		local e2; e2=$(fdiv $((done_reply - t0)) 1000000 3)
		rec "$name" "stafetad (stored+all replied)" "$e2" "$N" "$FILES"
	else
		echo "  TIMEOUT: only $nrep/$N replies sent within $TIMEOUT s" >&2
	fi
}

stafeta_send() {
	local d="$W/stafeta-send-$RANDOM" t0 t done="" c i
	stafeta_conf "$d" "$POLL_MS"
	stafeta_start "$d"
	sleep 0.5
	local ms; ms=$(now_ms)
	sdb "$d" "BEGIN;
	  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
	  INSERT INTO outbox (created_at, recipient, text, priority, state, attempts, parts, next_attempt_at)
	  SELECT $ms, printf('+4074%07d', i), 'Mesaj ' || i || ': ș ț ă î â', 50, 0, 0, 1, 0 FROM c;
	  COMMIT;" || die "outbox insert failed"
	t0=$(now_us)
	for i in $(seq 1 $((TIMEOUT * 50))); do
		nap 0.02
		t=$(now_us)
		c=$(sdb "$d" "SELECT count(*) FROM outbox WHERE state IN (2, 3)" 2>/dev/null)
		[ "${c:-0}" -ge "$N" ] && { done=$t; break; }
	done
	stafeta_stop
	local first last nsent nfail
	IFS='|' read -r first last nsent nfail <<< "$(sdb "$d" "SELECT min(sent_at), max(sent_at),
	    sum(state IN (2, 3)), sum(state >= 4) FROM outbox")"
	echo "  stafetad: sent=$nsent/$N failed/expired=$nfail first sent_at-T0=$(awk -v a="${first:-0}" -v t="$t0" 'BEGIN{printf "%.0f", a - t/1000}') ms" \
	    "span first..last sent_at=$((${last:-0} - ${first:-0})) ms"
	if [ -z "$done" ]; then echo "  TIMEOUT: stafetad sent ${c:-0}/$N within $TIMEOUT s" >&2; return 0; fi
	local e; e=$(fdiv $((done - t0)) 1000000 3)
	rec send "stafetad (commit -> all state 2)" "$e" "$N" "$N"
	local span; span=$(fdiv $((last - first)) 1000 3)
	rec send "stafetad (first..last sent_at)" "$span" $((N - 1)) $((N - 1))
}

# ---- gammu-smsd ----------------------------------------------------------------
smsd_setup() { # RUN JOURNAL RECEIVE
	local run=$1
	mkdir -p "$run/phone"
	if [[ $SCHEMA == *.gz ]]; then zcat "$SCHEMA"; else cat "$SCHEMA"; fi | sqlite3 "$run/smsd.db"
	sqlite3 "$run/smsd.db" "PRAGMA journal_mode=$2;" > /dev/null
	cat > "$run/smsdrc" <<CONF
[gammu]
model = dummy
connection = none
device = $run/phone

[smsd]
service = sql
driver = sqlite3
database = smsd.db
dbdir = $run
driverspath = $DRIVERSPATH
logfile = $run/smsd.log
debuglevel = 1
phoneid = bench
receive = $3
receivefrequency = 0
loopsleep = 0
commtimeout = 0
statusfrequency = 0
checksecurity = 0
checkbattery = 0
checksignal = 0
checknetwork = 0
CONF
}
smsd_start() {
	local run=$1 i
	gammu-smsd -c "$run/smsdrc" -p "$run/smsd.pid" > "$run/stdout" 2>&1 &
	GPID=$!
	BENCH_PIDS="$BENCH_PIDS $GPID"
	for i in $(seq 1 300); do
		grep -q 'Inserting phone info\|Updating phone info' "$run/smsd.log" 2>/dev/null && { sleep 1; return 0; }
		kill -0 "$GPID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$run/smsd.log" >&2
	die "gammu-smsd did not start ($run/smsd.log)"
}
smsd_stop() {
	kill -TERM "$GPID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$GPID" 2>/dev/null
	wait "$GPID" 2>/dev/null
}
smsd_locks() {
	local l; l=$(grep -c 'database is locked' "$1/smsd.log" || true)
	[ "$l" = 0 ] || echo "  NOTE: $l 'database is locked' errors in gammu-smsd's log"
}

smsd_recv() { # NAME JOURNAL
	local name=$1 j=$2 run="$W/smsd-$1-$2-$RANDOM" inbox t0 t done="" i
	smsd_setup "$run" "$j" yes
	smsd_start "$run"
	inbox="$run/phone/sms/1"; mkdir -p "$inbox"
	copy_stage "$name" "$run/stage"
	t0=$(now_us)
	mv -T "$run/stage" "$inbox"
	for i in $(seq 1 $((TIMEOUT * 50))); do
		nap 0.02
		t=$(now_us)
		[ "$(nfiles "$inbox")" = 0 ] && { done=$t; break; }
	done
	sleep 0.5; smsd_stop
	local rows ok
	rows=$(sqlite3 "$run/smsd.db" "SELECT count(*) FROM inbox")
	ok=$(sqlite3 "$run/smsd.db" "SELECT count(*) FROM inbox WHERE TextDecoded <> ''")
	echo "  gammu-smsd ($j): inbox rows=$rows/$FILES messages with text=$ok/$N left-in-inbox=$(nfiles "$inbox")"
	smsd_locks "$run"
	if [ -z "$done" ]; then echo "  TIMEOUT: gammu-smsd ($j) within $TIMEOUT s" >&2; return 0; fi
	local e; e=$(fdiv $((done - t0)) 1000000 3)
	rec "$name" "gammu-smsd journal=$j" "$e" "$N" "$FILES"
}

smsd_send() { # JOURNAL
	local j=$1 run="$W/smsd-send-$1-$RANDOM" t done="" i c
	smsd_setup "$run" "$j" no
	local s_epoch=$(( $(date +%s) + 4 )) s_local
	s_local=$(date -d "@$s_epoch" '+%Y-%m-%d %H:%M:%S')
	sqlite3 "$run/smsd.db" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
	   INSERT INTO outbox (DestinationNumber, TextDecoded, Coding, CreatorID, SendingDateTime, MultiPart)
	   SELECT printf('+4074%07d', i), 'Mesaj ' || i || ': ș ț ă î â', 'Unicode_No_Compression', 'bench',
	          '$s_local', 'false' FROM c;"
	smsd_start "$run"
	local t0=$(( (s_epoch + 1) * 1000000 ))
	while [ "$(now_us)" -lt "$t0" ]; do sleep 0.05; done
	for i in $(seq 1 $((TIMEOUT * 50))); do
		nap 0.02
		t=$(now_us)
		c=$(grep -c 'Transmitted' "$run/smsd.log" 2>/dev/null)
		[ "${c:-0}" -ge "$N" ] && { done=$t; break; }
	done
	sleep 0.5; smsd_stop
	echo "  gammu-smsd ($j): sentitems=$(sqlite3 "$run/smsd.db" "SELECT count(*) FROM sentitems WHERE Status LIKE 'SendingOK%'")/$N" \
	    "outbox left=$(sqlite3 "$run/smsd.db" "SELECT count(*) FROM outbox")"
	smsd_locks "$run"
	if [ -z "$done" ]; then echo "  TIMEOUT: gammu-smsd ($j) sent ${c:-0}/$N within $TIMEOUT s" >&2; return 0; fi
	local e; e=$(fdiv $((done - t0)) 1000000 3)
	rec send "gammu-smsd journal=$j" "$e" "$N" "$N"
}

# ---- run ----------------------------------------------------------------------
START=$(now_us)
note "throughput: N=$N, $(nproc) cores, stafetad poll_ms=$POLL_MS send_per_minute=0 (SQLite WAL)"
note "gammu-smsd $(gammu-smsd --version 2>/dev/null | head -1 | awk '{print $NF}'), SQL service, libdbi sqlite3 ($DRIVERSPATH), journal modes: $GAMMU_JOURNALS"
note "gammu-smsd knobs: receivefrequency=0 loopsleep=0 commtimeout=0 statusfrequency=0 checksecurity=0 checkbattery=0 checksignal=0 checknetwork=0"
cpu_busy
ceiling_empty
for m in $MODES; do
	case $m in
	recv1|recv3)
		if [ "$m" = recv1 ]; then stage recv1 "$TEXT1" --unicode; ppm=1; else stage recv3 "$TEXT3" --unicode --concat16; ppm=3; fi
		[ "$FILES" = $((N * ppm)) ] || echo "  WARNING: $FILES files staged for $N messages, expected $((N * ppm))" >&2
		echo "== $m: $N messages, $FILES files (parts) in the dummy inbox"
		for r in $(seq 1 "$REPEAT"); do
			echo " -- run $r/$REPEAT"
			ceiling_recv "$m"
			stafeta_recv "$m" "$ppm"
			for j in $GAMMU_JOURNALS; do smsd_recv "$m" "$j"; done
		done
		;;
	send)
		echo "== send: $N single-part UCS-2 messages"
		ceiling_send
		for r in $(seq 1 "$REPEAT"); do echo " -- stafetad run $r/$REPEAT"; stafeta_send; done
		for r in $(seq 1 "$SMSD_SEND_REPEAT"); do
			echo " -- gammu-smsd run $r/$SMSD_SEND_REPEAT"
			for j in $GAMMU_JOURNALS; do smsd_send "$j"; done
		done
		;;
	*) die "unknown mode $m (recv1, recv3, send)" ;;
	esac
done

echo
echo "SUMMARY throughput (N=$N per scenario, $(nproc) cores; elapsed = median of the runs, range min-max;"
echo "        msgs/s and parts/s from the median)"
printf '%-6s %-34s %4s %9s %-15s %9s %9s\n' scen system runs elapsed_s range msgs/s parts/s
for k in "${ORDER[@]}"; do
	IFS='|' read -r sc sys <<< "$k"
	set -- ${EL[$k]}
	printf '%-6s %-34s %4s %9s %-15s %9s %9s\n' "$sc" "$sys" "$#" "$(med "${EL[$k]}")" "$(spread "${EL[$k]}")" \
	    "$(mrate "$k")" "$(prate "$k")"
done
echo
for s in recv1 recv3 send; do
	if [ "$s" = send ]; then sk="send|stafetad (commit -> all state 2)"; else sk="$s|stafetad (stored)"; fi
	sv=$(mrate "$sk") || true
	[ -n "$sv" ] || continue
	line="$s: stafetad $sv msgs/s"
	for j in $GAMMU_JOURNALS; do
		g=$(mrate "$s|gammu-smsd journal=$j") || true
		[ -n "$g" ] && line="$line | $(fdiv "$sv" "$g" 1)x gammu-smsd journal=$j ($g)"
	done
	if [ "$s" != send ]; then
		r=$(mrate "$s|stafetad (stored+all replied)") || true
		g=$(mrate "$s|gammu-smsd journal=wal") || true
		[ -n "$r" ] && [ -n "$g" ] && line="$line | with all replies sent: $r msgs/s = $(fdiv "$r" "$g" 1)x gammu-smsd wal"
	fi
	c=$(prate "$s|libgammu ceiling (read+delete)") || true
	[ "$s" = send ] && c=$(prate "send|libgammu ceiling (GSM_SendSMS)") || true
	if [ -n "$c" ]; then
		pp=$(prate "$sk")
		line="$line | $(awk -v a="$pp" -v b="$c" 'BEGIN { printf "%.1f", 100 * a / b }')% of the libgammu ceiling ($c parts/s)"
		[ "$s" = send ] && line="$line (the dummy's GSM_SendSMS only encodes the PDU)"
	fi
	echo "RATIO $line"
done
note "total run time $(fdiv $(( $(now_us) - START )) 1000000 0) s"
