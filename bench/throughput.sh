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
# Receive: the staged SMS files are renamed into the dummy inbox at T0.
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
#
# Usage: bench/throughput.sh [recv1] [recv3] [send]      (default: all three)
# Env:   N=1000  POLL_MS=50 (stafetad's modem poll_ms)  TIMEOUT=120 (s per run)
#        GAMMU_JOURNALS="wal delete"  (journal modes gammu-smsd runs with)
#        BUILD=build  KEEP=1
source "$(dirname "$0")/lib.sh"

N=${N:-1000}
POLL_MS=${POLL_MS:-50}
TIMEOUT=${TIMEOUT:-120}
GAMMU_JOURNALS=${GAMMU_JOURNALS:-wal delete}
MODES=${*:-recv1 recv3 send}
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

# ---- results table ----------------------------------------------------------
ROWS=()
# row SCENARIO SYSTEM ELAPSED_S MSGS PARTS [NOTE]
row() { ROWS+=("$1|$2|$3|$4|$5|${6:-}"); }
rate() { fdiv "$1" "$2" 1; }

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
ceiling_empty() {
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
ceiling_recv() { # NAME PARTS_PER_MSG
	[ -n "$CEILING" ] || return 0
	local d="$W/ceil-$1" out secs net pps
	mkdir -p "$d/sms/1"; copy_stage "$1" "$d/sms/1"
	out=$(timeout "$TIMEOUT" "$CEILING" "$d" recv 2>&1)
	echo "  gammu-ceiling recv: $(echo "$out" | tail -1)"
	secs=$(ceiling_secs "$out")
	[ -n "$secs" ] || { echo "  (could not read the time from gammu-ceiling output)"; return 0; }
	row "$1" "libgammu ceiling (read+delete)" "$secs" "$(rate "$N" "$secs")" "$(rate "$FILES" "$secs")"
	net=$(awk -v a="$secs" -v b="${CEIL_EMPTY:-0}" 'BEGIN { printf "%.3f", a - b }')
	pps=$(rate "$FILES" "$net")
	row "$1" "  ceiling less final empty scan" "$net" "$(rate "$N" "$net")" "$pps"
	eval "CEIL_$1=$pps"
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
	CEIL_send=$(rate "$n" "$secs")
	row send "libgammu ceiling (GSM_SendSMS)" "$(fdiv "$N" "$CEIL_send" 4)" "$CEIL_send" "$CEIL_send" "n=$n"
}

# ---- Stafeta ---------------------------------------------------------------
stafeta_recv() { # NAME PARTS_PER_MSG
	local name=$1 ppm=$2 d="$W/stafeta-$1" inbox t0 t done_recv="" done_reply="" c r i
	stafeta_conf "$d" "$POLL_MS"
	stafeta_start "$d"
	inbox="$d/state/modem-m1/sms/1"; mkdir -p "$inbox"
	copy_stage "$name" "$d/stage"
	sleep 0.5
	t0=$(now_us)
	mv "$d/stage/"* "$inbox/"
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
	row "$name" "stafetad (stored)" "$e1" "$(rate "$N" "$e1")" "$(rate "$FILES" "$e1")"
	eval "STAF_$name=$(rate "$N" "$e1")"
	if [ -n "$done_reply" ]; then
		local e2; e2=$(fdiv $((done_reply - t0)) 1000000 3)
		row "$name" "stafetad (stored+all replied)" "$e2" "$(rate "$N" "$e2")" "$(rate "$FILES" "$e2")"
	else
		echo "  TIMEOUT: only $nrep/$N replies sent within $TIMEOUT s" >&2
	fi
}

stafeta_send() {
	local d="$W/stafeta-send" t0 t done="" c i
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
	row send "stafetad (commit -> all state 2)" "$e" "$(rate "$N" "$e")" "$(rate "$N" "$e")"
	local span; span=$(fdiv $((last - first)) 1000 3)
	row send "stafetad (first..last sent_at)" "$span" "$(rate $((N - 1)) "$span")" "$(rate $((N - 1)) "$span")" "span"
	STAF_send=$(rate "$N" "$e")
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
	local name=$1 j=$2 run="$W/smsd-$1-$2" inbox t0 t done="" i
	smsd_setup "$run" "$j" yes
	smsd_start "$run"
	inbox="$run/phone/sms/1"; mkdir -p "$inbox"
	copy_stage "$name" "$run/stage"
	t0=$(now_us)
	mv "$run/stage/"* "$inbox/"
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
	row "$name" "gammu-smsd journal=$j" "$e" "$(rate "$N" "$e")" "$(rate "$FILES" "$e")"
	eval "SMSD_${name}_$j=$(rate "$N" "$e")"
}

smsd_send() { # JOURNAL
	local j=$1 run="$W/smsd-send-$1" t done="" i c
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
	row send "gammu-smsd journal=$j" "$e" "$(rate "$N" "$e")" "$(rate "$N" "$e")"
	eval "SMSD_send_$j=$(rate "$N" "$e")"
}

# ---- run ----------------------------------------------------------------------
START=$(now_us)
note "throughput: N=$N, $(nproc) cores, stafetad poll_ms=$POLL_MS send_per_minute=0 (SQLite WAL)"
note "gammu-smsd $(gammu-smsd --version 2>/dev/null | head -1 | awk '{print $NF}'), SQL service, libdbi sqlite3 ($DRIVERSPATH), journal modes: $GAMMU_JOURNALS"
note "gammu-smsd knobs: receivefrequency=0 loopsleep=0 commtimeout=0 statusfrequency=0 checksecurity=0 checkbattery=0 checksignal=0 checknetwork=0"
ceiling_empty
for m in $MODES; do
	case $m in
	recv1|recv3)
		if [ "$m" = recv1 ]; then stage recv1 "$TEXT1" --unicode; ppm=1; else stage recv3 "$TEXT3" --unicode --concat16; ppm=3; fi
		[ "$FILES" = $((N * ppm)) ] || echo "  WARNING: $FILES files staged for $N messages, expected $((N * ppm))" >&2
		echo "== $m: $N messages, $FILES files (parts) in the dummy inbox"
		ceiling_recv "$m" "$ppm"
		stafeta_recv "$m" "$ppm"
		for j in $GAMMU_JOURNALS; do smsd_recv "$m" "$j"; done
		;;
	send)
		echo "== send: $N single-part UCS-2 messages"
		ceiling_send
		stafeta_send
		for j in $GAMMU_JOURNALS; do smsd_send "$j"; done
		;;
	*) die "unknown mode $m (recv1, recv3, send)" ;;
	esac
done

echo
echo "SUMMARY (N=$N per scenario; msgs/s = messages / elapsed; ratio = stafetad msgs/s / gammu-smsd msgs/s;"
echo "         % of ceiling = stafetad (stored) parts/s / bare libgammu parts/s less its final empty scan)"
printf '%-6s %-34s %9s %9s %9s\n' scen system elapsed_s msgs/s parts/s
for r in "${ROWS[@]}"; do
	IFS='|' read -r s sys e m p n <<< "$r"
	printf '%-6s %-34s %9s %9s %9s\n' "$s" "$sys" "$e" "$m" "$p"
done
echo
for s in recv1 recv3 send; do
	v=STAF_$s; [ -n "${!v:-}" ] || continue
	line="$s: stafetad ${!v} msgs/s"
	for j in $GAMMU_JOURNALS; do
		g=SMSD_${s}_$j; [ -n "${!g:-}" ] && line="$line | ${!v}/${!g} = $(fdiv "${!v}" "${!g}" 1)x gammu-smsd($j)"
	done
	c=CEIL_$s
	if [ -n "${!c:-}" ]; then
		if [ "$s" = send ]; then pp=${!v}; else pp=$(awk -v m="${!v}" -v k="${s#recv}" 'BEGIN{print m*k}'); fi
		line="$line | $(fdiv "$(awk -v a="$pp" 'BEGIN{print a*100}')" "${!c}" 0)% of ceiling (${!c}/s)"
	fi
	echo "RATIO $line"
done
note "total run time $(fdiv $(( $(now_us) - START )) 1000000 0) s"
