#!/usr/bin/env bash
# bench/kannel.sh - messages/s through the Kannel channel (bearerbox +
# smsbox + fakesmsc from kannel-extras, on loopback) against Kannel's own
# rate without Stafeta, in the same run and the same Kannel.
#
#   out   Stafeta: N outbox rows committed in one transaction while the
#         daemon runs; T0 = commit, done when the fake SMSC has received
#         all N.  Peer (the ceiling): a keep-alive HTTP client
#         (bench/kannel_client.py) sending the same N texts to sendsms,
#         one request at a time as Stafeta's channel does, and with 4
#         connections (Kannel's own peak); done when the fake SMSC has
#         all N.
#   in    fakesmsc generates N MOs at once (-i 0); Kannel's sms-service
#         calls get-url.  Stafeta: done when N inbound rows are stored
#         (each is also answered: the replies go out through sendsms).
#         Peer: the same Kannel calling a trivial HTTP server that
#         answers 200 at once (bench/kannel_client.py serve); done when
#         it counted N requests.
#
# Usage: bench/kannel.sh            Env: N=2000 TIMEOUT=120 BUILD KEEP=1
# Prints figures; asserts nothing about timings.
source "$(dirname "$0")/lib.sh"

N=${N:-2000}
TIMEOUT=${TIMEOUT:-120}
BB=/usr/sbin/bearerbox
SB=/usr/sbin/smsbox
FAKE=/usr/lib/kannel/test/fakesmsc
PY="$BENCH/kannel_client.py"
need_bin "$B/stafetad" daemon
need_bin "$BB" "apt-get install kannel"
need_bin "$SB" "apt-get install kannel"
need_bin "$FAKE" "apt-get install kannel-extras"
need_cmd sqlite3 python3 awk curl

# The Kannel configuration is the tests' (tests/e2e/kannel_lib.sh).
. "$ROOT/tests/e2e/kannel_lib.sh"
BASEPORT=$((40000 + ($$ % 2000) * 10))
HP=$BASEPORT SEND=$((BASEPORT + 4)) FPORT=$((BASEPORT + 5))
MPORT=$((BASEPORT + 9))
SECRET=bench-kannel
KDIR=$W KPORT=$BASEPORT KSMSCS=fake KLOGLEVEL=1
KGETURL="http://127.0.0.1:$HP/kannel/mo?channel=op1&secret=$SECRET&id=%I&from=%p&to=%P&coding=%c&charset=%C&text=%b"
mkdir -p "$W/st"
kannel_write_conf

wait_grep() { # wait_grep SECONDS FILE ERE [COUNT]
	local i
	for i in $(seq 1 $(($1 * 20))); do
		local c
		c=$(grep -Ec -- "$3" "$2" 2>/dev/null)
		[ "${c:-0}" -ge "${4:-1}" ] && return 0
		nap 0.05
	done
	return 1
}
got() { grep -c "Got message" "$W/fake.log" 2>/dev/null; }

"$BB" "$W/kannel.conf" > /dev/null 2>&1 &
BENCH_PIDS="$BENCH_PIDS $!"
wait_grep 20 "$W/bearerbox.log" "Start-up done" || die "bearerbox did not start"
fake_interactive() {
	mkfifo "$W/fifo.$1"
	"$FAKE" -H 127.0.0.1 -r "$FPORT" -m -1 < "$W/fifo.$1" >> "$W/fake.log" 2>&1 &
	FAKEPID=$!
	sleep 100000 > "$W/fifo.$1" &
	FIFOPID=$!
	BENCH_PIDS="$BENCH_PIDS $FAKEPID $FIFOPID"
}
fake_stop() {
	kill "$FAKEPID" "$FIFOPID" 2>/dev/null
	wait "$FAKEPID" "$FIFOPID" 2>/dev/null
	nap 0.5
}
fake_interactive 1
"$SB" "$W/kannel.conf" > /dev/null 2>&1 &
BENCH_PIDS="$BENCH_PIDS $!"
wait_grep 20 "$W/smsbox.log" "Connected to bearerbox" || die "smsbox did not connect"
cpu_busy

# done_when_got COUNT: microseconds when the fake SMSC has COUNT messages.
done_when_got() {
	local i
	for i in $(seq 1 $((TIMEOUT * 50))); do
		[ "$(got)" -ge "$1" ] && { now_us; return 0; }
		nap 0.02
	done
	echo 0
}
rate() { fdiv "$1" "$(fdiv "$2" 1000000 6)" 0; } # rate COUNT ELAPSED_US

# ---- out: Kannel alone (ceiling) ----
for conc in 1 4; do
	base=$(got)
	t0=$(now_us)
	python3 "$PY" send "127.0.0.1:$SEND" "$N" "$conc" > "$W/client.$conc" || die "client failed"
	t1=$(now_us)
	t2=$(done_when_got $((base + N)))
	accepted=$(cat "$W/client.$conc")
	echo "KANNEL sendsms alone, $conc connection(s): $accepted of $N accepted, $(rate "$N" $((t1 - t0))) req/s; all at the SMSC: $(rate "$N" $((t2 - t0))) msg/s"
	eval "CEIL_OUT_$conc=$(rate "$N" $((t2 - t0)))"
done

# ---- in: Kannel alone (ceiling), a trivial get-url server ----
python3 "$PY" serve "127.0.0.1:$HP" "$N" > "$W/serve.out" &
SERVE=$!
BENCH_PIDS="$BENCH_PIDS $SERVE"
for i in $(seq 1 200); do
	(exec 3<> "/dev/tcp/127.0.0.1/$HP") 2>/dev/null && break
	nap 0.05
done
fake_stop
t0=$(now_us)
"$FAKE" -H 127.0.0.1 -r "$FPORT" -i 0 -m "$N" "0722000001 1234 text AJUTOR" >> "$W/fake.log" 2>&1 &
FAKEPID=$!
BENCH_PIDS="$BENCH_PIDS $FAKEPID"
for i in $(seq 1 $((TIMEOUT * 50))); do
	kill -0 "$SERVE" 2>/dev/null || break
	nap 0.02
done
t1=$(now_us)
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null
CEIL_IN=$(rate "$N" $((t1 - t0)))
echo "KANNEL MO alone: $N MOs to a trivial get-url in $(fdiv $((t1 - t0)) 1000 0) ms: $CEIL_IN msg/s"
kill "$FAKEPID" 2>/dev/null; wait "$FAKEPID" 2>/dev/null; nap 0.5

# ---- Stafeta ----
{
	printf '[gateway]\nlog_level = warn\n\n[limits]\nreplies_per_hour = 0\n\n'
	printf '[http]\nlisten = 127.0.0.1:%s\nsecret = %s\n\n' "$HP" "$SECRET"
	printf '[channel op1]\ntype = kannel\nsendsms_url = http://127.0.0.1:%s/cgi-bin/sendsms\n' "$SEND"
	printf 'username = stafeta\npassword = pw\nsend_per_minute = 0\ndlr_mask = 0\n'
	printf '\n[metrics]\nlisten = 127.0.0.1:%s\n' "$MPORT"
} > "$W/st/stafeta.conf"
"$B/stafetad" -f -c "$W/st/stafeta.conf" -S "$W/st/state" >> "$W/st/daemon.log" 2>&1 &
SPID=$!
BENCH_PIDS="$BENCH_PIDS $SPID"
for i in $(seq 1 200); do
	[ "$(sdb "$W/st" "SELECT count(*) FROM channels WHERE state = 'up'" 2>/dev/null)" = 1 ] && break
	nap 0.1
done
fake_interactive 2
nap 0.5

base=$(got)
ms=$(now_ms)
sdb "$W/st" "BEGIN;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)
  INSERT INTO outbox (created_at, recipient, text, priority, state, attempts, parts, next_attempt_at)
  SELECT $ms, printf('+4074%07d', i), 'Mesaj de test ' || i, 50, 0, 0, 1, 0 FROM c;
  COMMIT;" || die "outbox insert failed"
t0=$(now_us)
t2=$(done_when_got $((base + N)))
ST_OUT=$(rate "$N" $((t2 - t0)))
echo "STAFETA out through Kannel: $N committed -> all at the SMSC: $ST_OUT msg/s"

fake_stop
metric() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
c0=$(metric stafeta_batch_commits_total) u0=$(metric stafeta_batch_units_total)
t0=$(now_us)
"$FAKE" -H 127.0.0.1 -r "$FPORT" -i 0 -m "$N" "0723000001 1234 text AJUTOR" >> "$W/fake.log" 2>&1 &
FAKEPID=$!
BENCH_PIDS="$BENCH_PIDS $FAKEPID"
t1=0
for i in $(seq 1 $((TIMEOUT * 50))); do
	c=$(sdb "$W/st" "SELECT count(*) FROM inbound" 2>/dev/null)
	[ "${c:-0}" -ge "$N" ] && { t1=$(now_us); break; }
	nap 0.02
done
ST_IN=$(rate "$N" $((t1 - t0)))
echo "STAFETA in through Kannel: $N MOs stored (and answered): $ST_IN msg/s"
c1=$(metric stafeta_batch_commits_total) u1=$(metric stafeta_batch_units_total)
echo "STAFETA in: group commit: $(( ${u1:-0} - ${u0:-0} )) MOs in $(( ${c1:-0} - ${c0:-0} )) commits"
stafeta_stop

echo
echo "SUMMARY (N = $N, one Kannel, same run)"
printf '%-44s %10s %10s %8s\n' "" "Stafeta" "Kannel" "ratio"
printf '%-44s %10s %10s %8s\n' "outbound, 1 request in flight" "$ST_OUT" "$CEIL_OUT_1" "$(fdiv "$ST_OUT" "$CEIL_OUT_1" 2)"
printf '%-44s %10s %10s %8s\n' "outbound vs Kannel's peak (4 connections)" "$ST_OUT" "$CEIL_OUT_4" "$(fdiv "$ST_OUT" "$CEIL_OUT_4" 2)"
printf '%-44s %10s %10s %8s\n' "inbound (get-url)" "$ST_IN" "$CEIL_IN" "$(fdiv "$ST_IN" "$CEIL_IN" 2)"
