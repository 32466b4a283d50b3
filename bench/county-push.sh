#!/usr/bin/env bash
# bench/county-push.sh - a county push (issue 15): C communes sharing one
# PostgreSQL database (one schema each) and one Kannel open the same poll
# at once; how long until every invitation is queued, and until every one
# is handed to Kannel, against Kannel's own sendsms rate in the same run.
#
#   setup  one throwaway PostgreSQL cluster (tests/e2e/pg_lib.sh: initdb,
#          Unix socket only; as root the server runs as postgres) and one
#          Kannel (tests/e2e/kannel_lib.sh: bearerbox + smsbox + one
#          fakesmsc) on loopback.  C stafetad daemons, each with its own
#          state folder, HTTP port, `[store] schema = communeN` in the one
#          database and a `[channel k]` on the shared smsbox; all use the
#          same sendsms-user (stafeta), no modem, no rate limit
#          (send_per_minute = 0), no delivery reports.
#   opt-in P residents per commune, seeded with one INSERT ... SELECT
#          generate_series per schema into poll_optins (source paper,
#          consent v1, lang ro, a village), as `stafeta optin add` stores
#          them; `optin add` per number (a process each) would take
#          longer than the push.
#   push   the same poll file (one-SMS invitation) `poll create`d in
#          every commune, then `poll open ID --now` in all communes at
#          once (T0).  queued = outbox rows (one per invitation; the row,
#          the dialogue and the SMS are one transaction), handed = outbox
#          rows SENT (smsbox answered 202), at the SMSC = fakesmsc's
#          count.  The daemons run under a test clock (STAFETA_TEST_CLOCK)
#          set to 10:00 Bucharest time, inside the 09-20 window of R9.
#   peer   Kannel alone: bench/kannel_client.py sending PEER_N texts to
#          the same sendsms, one connection and C connections (as many
#          as the communes' channels), done when fakesmsc has them all.
#
# Usage: bench/county-push.sh
# Env: COMMUNES=40 PER_COMMUNE=1250 PEER_N=2000 TIMEOUT=1800 BUILD KEEP=1
# Needs: kannel, kannel-extras, postgresql (initdb/pg_ctl/psql); root
# only for what pg_lib.sh needs (the server then runs as postgres).
# Prints figures; asserts nothing about timings.  Not run in CI.
source "$(dirname "$0")/lib.sh"

C=${COMMUNES:-40}
P=${PER_COMMUNE:-1250}
N=$((C * P))
PEER_N=${PEER_N:-2000}
TIMEOUT=${TIMEOUT:-1800}
PY="$BENCH/kannel_client.py"
need_bin "$B/stafetad" daemon
need_bin "$B/stafeta" CLI
need_cmd psql python3 awk
[ "$C" -ge 1 ] && [ "$C" -le 99 ] || die "COMMUNES must be 1..99"
[ "$P" -ge 1 ] && [ "$P" -le 99999 ] || die "PER_COMMUNE must be 1..99999"

# pg_lib.sh reports through fail(); T is where it would keep its files.
FAILS=0
fail() { echo "ERROR: $*" >&2; FAILS=$((FAILS + 1)); }
T=$W
. "$ROOT/tests/e2e/pg_lib.sh"
[ -x "$PG_BIN/initdb" ] || die "initdb missing (apt-get install postgresql)"
. "$ROOT/tests/e2e/kannel_lib.sh"
kannel_installed || die "Kannel missing (apt-get install kannel kannel-extras)"

DPIDS=""
county_cleanup() {
	for p in $DPIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $DPIDS; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	kannel_stop
	if [ -n "$PG_DIR" ]; then
		pg_stop fast
		rm -rf "$PG_DIR"
	fi
	bench_cleanup
}
trap county_cleanup EXIT

BASEPORT=$((40000 + ($$ % 1500) * 12))
KDIR="$W/kannel" KPORT=$BASEPORT KSMSCS=fake KLOGLEVEL=1
KGETURL="http://127.0.0.1:$((BASEPORT + 9))/unused?text=%b"
HTTP0=$((BASEPORT + 100))	# commune i listens on HTTP0 + i
SECRET=bench-county
mkdir -p "$KDIR"
cpu_busy
note "$C communes x $P residents = $N invitations; one PostgreSQL, one Kannel"

pg_start || die "PostgreSQL did not start"
# Kannel: the same configuration as the tests, more room for 40 clients.
kannel_write_conf
kannel_start || die "Kannel did not start (logs in $KDIR)"
got() { grep -c "Got message" "$KDIR/fake-fake.log" 2>/dev/null; }
rate() { fdiv "$1" "$(fdiv "$2" 1000000 6)" 0; } # rate COUNT ELAPSED_US
done_when_got() { # microseconds when fakesmsc has COUNT, or 0
	local i
	for i in $(seq 1 $((TIMEOUT * 10))); do
		[ "$(got)" -ge "$1" ] && { now_us; return 0; }
		nap 0.1
	done
	echo 0
}

# ---- Kannel alone (the peer) ----
for conc in 1 "$C"; do
	base=$(got)
	t0=$(now_us)
	python3 "$PY" send "127.0.0.1:$((KPORT + 4))" "$PEER_N" "$conc" > "$W/client.$conc" ||
	    die "client failed"
	t2=$(done_when_got $((base + PEER_N)))
	[ "$t2" = 0 ] && die "Kannel alone: not all $PEER_N at the SMSC within $TIMEOUT s"
	r=$(rate "$PEER_N" $((t2 - t0)))
	echo "KANNEL sendsms alone, $conc connection(s): $(cat "$W/client.$conc") of $PEER_N accepted; all at the SMSC: $r msg/s"
	eval "PEER_$conc=$r"
done
PEER_C=$(eval echo "\$PEER_$C")

# ---- the communes ----
# 10:00 in Bucharest today (or tomorrow, if that is past): inside R9's window.
DAY=$(TZ=Europe/Bucharest date +%Y-%m-%d)
[ "$(TZ=Europe/Bucharest date +%H)" -ge 10 ] && DAY=$(TZ=Europe/Bucharest date -d "$DAY + 1 day" +%Y-%m-%d)
echo $((($(TZ=Europe/Bucharest date -d "$DAY 10:00" +%s) - $(date +%s)) * 1000)) > "$W/clock"
export STAFETA_TEST_CLOCK="$W/clock"

psq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U stafeta -d stafeta -c "$1"; }
# sum_sql WHERE: one query adding up every commune's outbox.
sum_sql() {
	local i s=""
	for i in $(seq 1 "$C"); do
		s="$s${s:+ UNION ALL }SELECT count(*) AS n FROM commune$i.outbox $1"
	done
	echo "SELECT coalesce(sum(n), 0) FROM ($s) x"
}

for i in $(seq 1 "$C"); do
	d="$W/c$i"
	mkdir -p "$d/state"
	cat > "$d/stafeta.conf" <<CONF
[gateway]
log_level = warn

[limits]
replies_per_hour = 0

[http]
listen = 127.0.0.1:$((HTTP0 + i))
secret = $SECRET

[channel k]
type = kannel
sendsms_url = http://127.0.0.1:$((KPORT + 4))/cgi-bin/sendsms
username = stafeta
password = pw
dlr_mask = 0
send_per_minute = 0

[polls]
commune = Comuna$i
villages = Centru, Deal, Vale

[store]
backend = postgresql
url = $PG_URL
schema = commune$i
CONF
	"$B/stafetad" -f -c "$d/stafeta.conf" -S "$d/state" >> "$d/daemon.log" 2>&1 &
	DPIDS="$DPIDS $!"
done
t0=$(now_us)
up=0
for _ in $(seq 1 600); do
	up=0
	for i in $(seq 1 "$C"); do
		[ "$(psq "SELECT count(*) FROM commune$i.channels WHERE state = 'up'" 2>/dev/null)" = 1 ] &&
		    up=$((up + 1))
	done
	[ "$up" = "$C" ] && break
	nap 0.5
done
[ "$up" = "$C" ] || { tail -n 5 "$W"/c1/daemon.log >&2; die "only $up of $C communes came up"; }
note "$C daemons up (schemas created) in $(fdiv $(($(now_us) - t0)) 1000000 1) s"

t0=$(now_us)
for i in $(seq 1 "$C"); do
	psq "INSERT INTO commune$i.poll_optins (phone, village, lang, source, consent, created_at)
	     SELECT '+407' || lpad(($i * 100000 + g)::text, 8, '0'),
	            (ARRAY['Centru', 'Deal', 'Vale'])[1 + g % 3], 'ro', 'paper', 'v1', 0
	     FROM generate_series(1, $P) g" || die "opt-in seed failed"
done
note "opt-in register: $N residents seeded in $(fdiv $(($(now_us) - t0)) 1000000 1) s"

cat > "$W/county.poll" <<'POLL'
poll: COUNTY
title: Sondaj judetean
kind: planning
days: 7
reminder days: 3
intro ro: Primaria {COMUNA}: sondaj gratuit, 1 intrebare, raspunzi cu cifre. Raspunsurile nu sunt legate de numarul tau. Incepem? 1=Da 2=Nu
end ro: Multumim!
question Q1: yesno
  ro: 1/1 Ati folosit after-school? 1=Da 2=Nu
POLL
for i in $(seq 1 "$C"); do
	"$B/stafeta" -c "$W/c$i/stafeta.conf" -S "$W/c$i/state" poll create "$W/county.poll" \
	    > "$W/c$i/create.out" 2>&1 || { cat "$W/c$i/create.out" >&2; die "poll create in commune $i"; }
done
note "poll created in $C communes"

base=$(got)
T0=$(now_us)
for i in $(seq 1 "$C"); do
	"$B/stafeta" -c "$W/c$i/stafeta.conf" -S "$W/c$i/state" poll open COUNTY --now \
	    > "$W/c$i/open.out" 2>&1 &
	echo $! > "$W/c$i/open.pid"
done
for i in $(seq 1 "$C"); do
	wait "$(cat "$W/c$i/open.pid")" || { cat "$W/c$i/open.out" >&2; die "poll open in commune $i"; }
done
note "poll opened in $C communes in $(fdiv $(($(now_us) - T0)) 1000 0) ms"

# One query a second for both counts: the benchmark's own polling must
# cost little on a machine the daemons keep busy.
Q_BOTH="SELECT ($(sum_sql "")), ($(sum_sql "WHERE state = 2"))"
Q_BAD=$(sum_sql "WHERE state IN (4, 5)")
TQ=0 TS=0 TF=0 SQ=0 last=0 q=0 s=0 f=0
deadline=$(($(date +%s) + TIMEOUT))
while [ "$(date +%s)" -le "$deadline" ]; do
	now=$(now_us)
	if [ "$TQ" = 0 ] || [ "$TS" = 0 ]; then
		IFS='|' read -r q s <<< "$(psq "$Q_BOTH")"
		[ "$TQ" = 0 ] && [ "${q:-0}" -ge "$N" ] && { TQ=$now; SQ=${s:-0}; }
		[ "$TS" = 0 ] && [ "${s:-0}" -ge "$N" ] && TS=$now
	fi
	if [ "$TF" = 0 ]; then
		f=$(($(got) - base))
		[ "$f" -ge "$N" ] && TF=$now
	fi
	[ "$TQ" != 0 ] && [ "$TS" != 0 ] && [ "$TF" != 0 ] && break
	if [ $((now - last)) -ge 10000000 ]; then
		note "t+$(fdiv $((now - T0)) 1000000 0) s: queued $q, handed to Kannel $s, at the SMSC $f of $N"
		last=$now
	fi
	nap 1
done
bad=$(psq "$Q_BAD")
dup=0
for i in $(seq 1 "$C"); do
	dup=$((dup + $(psq "SELECT count(*) FROM (SELECT recipient FROM commune$i.outbox GROUP BY recipient HAVING count(*) > 1) x")))
done
[ "$TQ" = 0 ] && note "NOT every invitation queued within $TIMEOUT s (${q:-?} of $N)"
[ "$TS" = 0 ] && note "NOT every invitation handed to Kannel within $TIMEOUT s (${s:-?} of $N)"
[ "$TF" = 0 ] && note "NOT every invitation at the SMSC within $TIMEOUT s (${f:-?} of $N)"
secs() { [ "$1" = 0 ] && echo "-" || fdiv $(($1 - T0)) 1000000 1; }
rt() { [ "$1" = 0 ] && echo "-" || rate "$N" $(($1 - T0)); }
echo "STAFETA county push: $N invitations ($C communes x $P): queued in $(secs "$TQ") s ($(rt "$TQ")/s), handed to Kannel in $(secs "$TS") s ($(rt "$TS") msg/s), at the SMSC in $(secs "$TF") s ($(rt "$TF") msg/s); failed/expired $bad, numbers invited twice $dup"

echo
echo "SUMMARY ($C communes x $P = $N invitations, one PostgreSQL, one Kannel, same run)"
printf '%-50s %10s %10s\n' "" "seconds" "msg/s"
printf '%-50s %10s %10s\n' "Stafeta: every invitation queued (outbox)" "$(secs "$TQ")" "$(rt "$TQ")"
printf '%-50s %10s %10s\n' "Stafeta: every invitation handed to Kannel (SENT)" "$(secs "$TS")" "$(rt "$TS")"
printf '%-50s %10s %10s\n' "Stafeta: every invitation at the fake SMSC" "$(secs "$TF")" "$(rt "$TF")"
if [ "$TQ" != 0 ] && [ "$TS" != 0 ] && [ "$TS" -gt "$TQ" ]; then
	printf '%-50s %10s %10s\n' "Stafeta: handed while the push was queueing" "$SQ" ""
	printf '%-50s %10s %10s\n' "Stafeta: handed after the last was queued" \
	    "$(fdiv $((TS - TQ)) 1000000 1)" "$(rate $((N - SQ)) $((TS - TQ)))"
fi
printf '%-50s %10s %10s\n' "Kannel alone ($PEER_N texts), 1 connection" "" "$PEER_1"
printf '%-50s %10s %10s\n' "Kannel alone ($PEER_N texts), $C connections" "" "$PEER_C"
