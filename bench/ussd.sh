#!/usr/bin/env bash
# bench/ussd.sh - stafetad's USSD callback (POST /ussd) under wrk on
# loopback, beside nginx serving a static file of the same size, one after
# the other in the same run (each server alone on the machine while it is
# measured).
#
#   wrk -t2 -c100 -d10s --latency -s bench/ussd.lua   http://127.0.0.1:18081/ussd
#   wrk -t2 -c100 -d10s --latency -s bench/static.lua http://127.0.0.1:18080/ussd.txt
#
# ussd.lua sends a realistic FIRST request of a USSD session for every
# request: a fresh sessionId, serviceCode (USSD_CODE, default *123#),
# phoneNumber +40722NNNNNN (10000 numbers) and text empty (just dialled);
# the daemon answers "CON <menu>".  So each request opens and stores a new
# session: the heaviest kind of USSD request.  The nginx file holds the
# exact reply body stafetad gave, so both send the same bytes.
# A 2 s warm-up run precedes each measured run (WARMUP=0 to skip).
# The daemon admits all CONNECTIONS from the one loopback address ([http]
# max_per_address; its default, 16, would answer the others 503 at once)
# and its /metrics gives how many requests shared each commit (group
# commit, gateway/gw_batch.c).
#
# Usage: bench/ussd.sh
# Env:   DURATION=10s CONNECTIONS=100 THREADS=2 WARMUP=2 USSD_CODE='*123#'
#        USSD_PORT=18081 NGINX_PORT=18080 METRICS_PORT=18082 BUILD=build KEEP=1
source "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2}
USSD_PORT=${USSD_PORT:-18081}
NGINX_PORT=${NGINX_PORT:-18080}
METRICS_PORT=${METRICS_PORT:-18082}
export USSD_CODE=${USSD_CODE:-*123#}
export USSD_SECRET="bench-$RANDOM$RANDOM"
need_bin "$B/stafetad" daemon
need_cmd wrk nginx curl sqlite3
chmod 755 "$W"   # nginx workers (user nobody) read the static file

# wrk_run NAME URL SCRIPT -> prints and sets RPS P50 P99 (ms)
to_ms() { awk -v v="$1" 'BEGIN {
	n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
	if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
	printf "%.2f", n }'; }
wrk_run() {
	local name=$1 url=$2 script=$3 out
	if [ "$WARMUP" != 0 ]; then
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$script" "$url" > /dev/null 2>&1
	fi
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url" 2>&1)
	echo "$out" | sed 's/^/  /' > "$W/wrk-$name.txt"
	cat "$W/wrk-$name.txt"
	RPS=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
	P50=$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
	P99=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
}

note "USSD endpoint vs nginx static file: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, 127.0.0.1, $(nproc) cores"
cpu_busy

# ---- stafetad ---------------------------------------------------------------
d="$W/stafeta"
STAFETA_EXTRA_CONF="$(printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$METRICS_PORT")" \
    stafeta_conf "$d" 250 "$USSD_PORT" "$USSD_SECRET"
sed -i "/^\[http\]/a max_connections = $((CONNECTIONS * 2 + 16))\nmax_per_address = $((CONNECTIONS + 8))" "$d/stafeta.conf"
stafeta_start "$d"
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$USSD_PORT/" && break
	sleep 0.1
done
body=$(curl -s --max-time 5 -H "X-Stafeta-Secret: $USSD_SECRET" \
    --data-urlencode "sessionId=bench-probe-$$" --data-urlencode "serviceCode=$USSD_CODE" \
    --data-urlencode "phoneNumber=+40722999999" --data-urlencode "text=" \
    -w '\n%{http_code}' "http://127.0.0.1:$USSD_PORT/ussd")
code=${body##*$'\n'}; body=${body%$'\n'*}
echo "  probe: HTTP $code, reply (${#body} chars): $(printf '%s' "$body" | head -c 200 | tr '\n' '|')"
case "$body" in CON\ *|END\ *) ;; *) echo "  WARNING: the first request did not get a CON/END reply" >&2 ;; esac
echo "-- stafetad POST /ussd (fresh session per request)"
metric() { curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SPID/stat"; }
c0=$(metric stafeta_batch_commits_total) u0=$(metric stafeta_batch_units_total)
k0=$(cpu_ticks) w0=$(now_ms)
wrk_run ussd "http://127.0.0.1:$USSD_PORT/ussd" "$BENCH/ussd.lua"
k1=$(cpu_ticks) w1=$(now_ms)
# The daemon's one thread: near 100 % means the CPU, not the disk, is
# what bounds it.
S_CPU=$(awk -v k=$((k1 - k0)) -v t="$(getconf CLK_TCK)" -v w=$((w1 - w0)) \
    'BEGIN { printf "%.0f", 100 * k / t / (w / 1000) }')
echo "  stafetad used ${S_CPU}% of one core over the warm-up and the run"
S_RPS=$RPS S_P50=$P50 S_P99=$P99
S_BAD=$(awk '/USSD-REPLIES/ { sub(/.*non-200=/, ""); print }' "$W/wrk-ussd.txt")
c1=$(metric stafeta_batch_commits_total) u1=$(metric stafeta_batch_units_total)
# The measured run only (the warm-up and the probe came before c0/u0).
S_COMMITS=$(( ${c1:-0} - ${c0:-0} )) S_UNITS=$(( ${u1:-0} - ${u0:-0} ))
echo "  group commit (warm-up included): $S_UNITS requests in $S_COMMITS commits, $(fdiv "$S_UNITS" "$S_COMMITS" 1) per commit"
echo "  stored: $(sdb "$d" "SELECT count(*) FROM ussd_sessions" 2>/dev/null) USSD sessions, $(sdb "$d" "SELECT count(*) FROM flow_sessions" 2>/dev/null) flow sessions"
stafeta_stop

# ---- nginx ------------------------------------------------------------------
n="$W/nginx"
mkdir -p "$n/www" "$n/tmp"
printf '%s' "${body:-CON 1. Raspuns}" > "$n/www/ussd.txt"
chmod -R a+rX "$n"
cat > "$n/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type text/plain;
	client_body_temp_path $n/tmp/body;
	proxy_temp_path $n/tmp/proxy;
	fastcgi_temp_path $n/tmp/fastcgi;
	uwsgi_temp_path $n/tmp/uwsgi;
	scgi_temp_path $n/tmp/scgi;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $n/www;
	}
}
CONF
nginx -p "$n" -c "$n/nginx.conf" 2> "$n/stderr" &
NPID=$!
BENCH_PIDS="$BENCH_PIDS $NPID"
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/ussd.txt" && break; sleep 0.1; done
kill -0 "$NPID" 2>/dev/null || { cat "$n/stderr" "$n/error.log" >&2; die "nginx did not start"; }
echo "-- nginx $(nginx -v 2>&1 | awk -F/ '{print $2}') GET /ussd.txt ($(stat -c %s "$n/www/ussd.txt") bytes, worker_processes auto, access_log off)"
wrk_run nginx "http://127.0.0.1:$NGINX_PORT/ussd.txt" "$BENCH/static.lua"
N_RPS=$RPS N_P50=$P50 N_P99=$P99
kill -TERM "$NPID" 2>/dev/null; wait "$NPID" 2>/dev/null

echo
echo "SUMMARY USSD (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback, $(nproc) cores)"
printf '%-36s %10s %9s %9s\n' server req/s p50_ms p99_ms
printf '%-36s %10s %9s %9s\n' "stafetad POST /ussd (new session)" "$S_RPS" "$S_P50" "$S_P99"
printf '%-36s %10s %9s %9s\n' "nginx static file" "$N_RPS" "$N_P50" "$N_P99"
echo "RATIO stafetad/nginx requests/s = $(fdiv "${S_RPS:-0}" "${N_RPS:-0}" 3)"
echo "stafetad: ${S_BAD:-?} replies not 200 CON/END; $(fdiv "$S_UNITS" "$S_COMMITS" 1) requests per commit ($S_COMMITS commits); ${S_CPU}% of one core"
