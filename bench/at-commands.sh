#!/bin/sh
# bench/at-commands.sh - AT commands an AT modem sees (issue 10), measured
# on tests/tools/at-emulator through libgammu's real AT driver:
#   - per idle minute (a real window of IDLE_S seconds, scaled to 60 s),
#   - per received single-part message, from +CMTI to the reply's
#     AT+CMGS and its delivery report (all commands in that span),
#   - the +CMTI -> AT+CMGS latency of those messages (p50/p99) with the
#     realistic modem delays of the issue (20 ms per command, 150 ms more
#     for SIM storage commands) when DELAYS=1.
# Both with today's defaults (safety_poll_s = 60) and with the old
# behaviour (safety_poll_s = 0: list the inbox every poll_ms = 250).
#   usage: BUILD=build bench/at-commands.sh      env: IDLE_S=60 N=10 DELAYS=1
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
IDLE_S=${IDLE_S:-60}
N=${N:-10}
DELAYS=${DELAYS:-1}
run() { # run SAFETY_POLL_S
	(
	set +u
	. tests/e2e/lib.sh > /dev/null
	ROOT=$PWD
	B="$ROOT/$BUILD"
	write_conf
	AT_EXTRA="poll_ms = 250
safety_poll_s = $1" write_at_modem a1 huawei
	if [ "$DELAYS" = 1 ]; then
		printf 'delay 20\nsimdelay 150\n' > "$T/at-a1/control"
	fi
	start_daemon 1 > /dev/null || exit 1
	sleep 3		# the connect-time pass and first status are over
	t0=$(date +%s%3N)
	sleep "$IDLE_S"
	idle=$(at_commands a1 "$t0")
	t1=$(date +%s%3N)
	i=0
	lat=""
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		s=$(date +%s%3N)
		at_inject a1 "+4072210$(printf %04d $i)" "AJUTOR"
		wait_for 20 "SELECT count(*) FROM outbox WHERE recipient = '+4072210$(printf %04d $i)' AND state = 3" 1 > /dev/null ||
		    echo "message $i: no delivered reply" >&2
		# +CMTI time: the emulator's note; AT+CMGS: its command log.
		c=$(awk '/stored injected message/ {t=$1} END {print t}' "$T/at-a1/emulator.log")
		g=$(awk '$2 ~ /^AT\+CMGS=/ {t=$1} END {print t}' "$T/at-a1/commands.log")
		lat="$lat $((g - c))"
	done
	sleep 1
	t2=$(date +%s%3N)
	per=$(awk -v a="$t1" -v b="$t2" '$1 >= a && $1 < b && $2 ~ /^AT/' "$T/at-a1/commands.log" | wc -l)
	# The idle share of the receive window is not the messages' cost.
	idle_part=$(( idle * (t2 - t1) / (IDLE_S * 1000) ))
	echo "safety_poll_s=$1: idle $((idle * 60 / IDLE_S)) AT commands/min ($idle in ${IDLE_S} s);" \
	    "per received message $(( (per - idle_part) / N )) ($per in $(( (t2 - t1) / 1000 )) s for $N);" \
	    "+CMTI->AT+CMGS ms:$(echo $lat | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {printf " p50 %d p99 %d max %d", a[int((NR+1)/2)], a[int(NR*0.99+0.999)], a[NR]}')"
	echo "  commands in one message's span:" $(awk -v a="$(awk '/stored injected message/ {t=$1} END {print t}' "$T/at-a1/emulator.log")" '$1 >= a && $2 ~ /^AT/ {print $2}' "$T/at-a1/commands.log" | head -30)
	stop_daemon
	)
}
run 60
run 0
