#!/bin/sh
# bench/at-commands.sh - AT commands an AT modem sees (issue 10), measured
# on tests/tools/at-emulator (Huawei profile, answers from
# tests/tools/at-data/huawei.at) through libgammu's real AT driver, for
# Stafeta and for gammu-smsd on the same emulator, in the same run:
#   - per idle minute (a real window of IDLE_S seconds, scaled to 60 s),
#   - per received single-part message answered with one reply: the
#     commands from its +CMTI to the reply's AT+CMGS (span), and all
#     commands of the receive window divided by N (window: background
#     probes and delivery report handling included),
#   - the +CMTI -> reply's AT+CMGS latency (p50/p99) with the realistic
#     modem delays of the issue (20 ms per command, 150 ms more for SIM
#     storage commands) when DELAYS=1.
# Stafeta runs with today's defaults (safety_poll_s = 60) and with the
# old behaviour (safety_poll_s = 0: list the inbox every poll_ms = 250).
# gammu-smsd 1.42 runs with its defaults (files service, CommTimeout 30,
# ReceiveFrequency 15, StatusFrequency 60, all checks on), delivery
# reports requested (deliveryreport = sms) and a RunOnReceive script that
# queues the same kind of reply with gammu-smsd-inject, so both answer
# every message.
#   needs: apt-get install gammu-smsd   (bench/deps.sh installs it; the
#          benchmarks are not run in CI)
#   usage: BUILD=build bench/at-commands.sh
#   env:   IDLE_S=60 N=10 DELAYS=1 ONLY="stafeta60 stafeta0 smsd"
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
IDLE_S=${IDLE_S:-60}
N=${N:-10}
DELAYS=${DELAYS:-1}
ONLY=${ONLY:-stafeta60 stafeta0 smsd}

# report NAME EMUDIR T1 T2 IDLE LATENCIES: the figure line.  Per message:
# the commands from each message's +CMTI to its reply's AT+CMGS (the
# span; the +CDS after it costs none), averaged; and all commands of the
# receive window (N messages, 1 s apart after each reply, delivery
# reports included) divided by N.
report() {
	win=$(awk -v a="$3" -v b="$4" '$1 >= a && $1 < b && $2 ~ /^AT/' "$2/commands.log" | wc -l)
	spans=$(awk '/stored injected message/ {print $1}' "$2/emulator.log" | while read -r c; do
		awk -v a="$c" '$1 >= a && $2 ~ /^AT/ {n++} $1 >= a && $2 ~ /^AT\+CMGS=/ {print n; exit}' "$2/commands.log"
	done | awk '{s += $1; n++} END {if (n) printf "%.1f", s / n}')
	printf '%-30s idle %3d AT/min | per message: span %4s, window %4.1f (%d in %d s) | +CMTI->AT+CMGS ms:%s\n' \
	    "$1" $(($5 * 60 / IDLE_S)) "$spans" "$(echo "$win $N" | awk '{print $1 / $2}')" "$win" \
	    $(( ($4 - $3) / 1000 )) \
	    "$(echo $6 | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {printf " p50 %d p99 %d max %d", a[int((NR+1)/2)], a[int(NR*0.99+0.999)], a[NR]}')"
	echo "  last message, +CMTI to the reply's AT+CMGS:" $(awk -v a="$(awk '/stored injected message/ {t=$1} END {print t}' "$2/emulator.log")" '$1 >= a && $2 ~ /^AT/ {print $2} $1 >= a && $2 ~ /^AT\+CMGS=/ {exit}' "$2/commands.log")
}

# inject_all EMUDIR WAITCMD: N messages, one at a time, each until its
# reply's AT+CMGS is seen; prints the latencies.
inject_all() {
	i=0
	lat=""
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		num="+4072210$(printf %04d $i)"
		before=$(grep -c '^[0-9]* AT+CMGS=' "$1/commands.log")
		"$B/tools/at-pdu" deliver "$num" "AJUTOR" > "$1/p.$i"
		mv "$1/p.$i" "$1/inject/$(printf %06d $i)"
		k=0
		while [ "$(grep -c '^[0-9]* AT+CMGS=' "$1/commands.log")" -le "$before" ] && [ $k -lt 600 ]; do
			sleep 0.1
			k=$((k + 1))
		done
		[ $k -lt 600 ] || echo "message $i: no reply sent" >&2
		# Let the delivery report come in before the next message.
		sleep 1
		# +CMTI time: the emulator's note; AT+CMGS: its command log.
		c=$(awk '/stored injected message/ {t=$1} END {print t}' "$1/emulator.log")
		g=$(awk -v c="$c" '$1 >= c && $2 ~ /^AT\+CMGS=/ {print $1; exit}' "$1/commands.log")
		lat="$lat $((g - c))"
	done
	echo "$lat"
}

delays() { # EMUDIR
	if [ "$DELAYS" = 1 ]; then
		printf 'delay 20\nsimdelay 150\n' > "$1/control"
	fi
}

run_stafeta() { # SAFETY_POLL_S
	(
	set +u
	. tests/e2e/lib.sh > /dev/null
	ROOT=$PWD
	B="$ROOT/$BUILD"
	write_conf
	AT_EXTRA="poll_ms = 250
safety_poll_s = $1" write_at_modem a1 huawei
	delays "$T/at-a1"
	start_daemon 1 > /dev/null || exit 1
	sleep 3		# the connect-time pass and first status are over
	t0=$(date +%s%3N)
	sleep "$IDLE_S"
	idle=$(at_commands a1 "$t0")
	t1=$(date +%s%3N)
	lat=$(inject_all "$T/at-a1")
	t2=$(date +%s%3N)
	report "stafeta (safety_poll_s=$1)" "$T/at-a1" "$t1" "$t2" "$idle" "$lat"
	stop_daemon
	)
}

run_smsd() {
	command -v gammu-smsd > /dev/null ||
	    { echo "gammu-smsd not installed: apt-get install gammu-smsd" >&2; return 1; }
	(
	set +u
	. tests/e2e/lib.sh > /dev/null
	ROOT=$PWD
	B="$ROOT/$BUILD"
	S="$T/smsd"
	mkdir -p "$S/in" "$S/out" "$S/sent" "$S/err" "$T/at-g1/inject"
	delays "$T/at-g1"
	# Reply to the bench's AJUTOR, as Stafeta's flow does; not to
	# delivery reports (they carry the recipient's number) or USSD.
	cat > "$S/reply.sh" <<SH
#!/bin/sh
[ -n "\$SMS_1_NUMBER" ] && [ "\$SMS_1_TEXT" = AJUTOR ] || exit 0
exec gammu-smsd-inject -c "$S/smsdrc" TEXT "\$SMS_1_NUMBER" -report -text "Multumim, mesajul a fost primit." > /dev/null 2>&1
SH
	chmod +x "$S/reply.sh"
	cat > "$S/smsdrc" <<CONF
[gammu]
connection = proxyat
device = $B/tools/at-emulator --profile huawei --data $ROOT/tests/tools/at-data/huawei.at $T/at-g1

[smsd]
service = files
inboxpath = $S/in/
outboxpath = $S/out/
sentsmspath = $S/sent/
errorsmspath = $S/err/
logfile = $S/smsd.log
debuglevel = 1
runonreceive = $S/reply.sh
deliveryreport = sms
CONF
	gammu-smsd -c "$S/smsdrc" > "$S/stdout" 2>&1 &
	gpid=$!
	k=0
	until grep -q 'AT+CNMI=2' "$T/at-g1/commands.log" 2>/dev/null || [ $k -ge 300 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	sleep 3
	t0=$(date +%s%3N)
	sleep "$IDLE_S"
	idle=$(at_commands g1 "$t0")
	t1=$(date +%s%3N)
	lat=$(inject_all "$T/at-g1")
	t2=$(date +%s%3N)
	report "gammu-smsd $(gammu-smsd --version 2>/dev/null | awk 'NR==1 {print $NF}') (defaults)" "$T/at-g1" "$t1" "$t2" "$idle" "$lat"
	[ -z "${DUMP:-}" ] || cp "$T/at-g1/commands.log" "$T/at-g1/emulator.log" "$S/smsd.log" "$DUMP"
	kill "$gpid"
	wait "$gpid" 2>/dev/null
	e2e_done > /dev/null
	)
}

for r in $ONLY; do
	case $r in
	stafeta60) run_stafeta 60 ;;
	stafeta0) run_stafeta 0 ;;
	smsd) run_smsd ;;
	esac
done
