# tests/e2e/kannel_lib.sh - a real Kannel on loopback for the tests
# (issue 15): bearerbox + smsbox + one fakesmsc (kannel-extras) per SMSC.
#
# Shared by tests/e2e/test_kannel.sh, bench/kannel.sh and the e2e suite's
# Kannel mode (E2E_CHANNEL=kannel; lib.sh sources this file then and
# calls the kannel_e2e_* hooks below).  POSIX sh.
#
# Kannel's side is described by variables the caller sets:
#   KDIR     folder of kannel.conf, logs, spool and FIFOs
#   KPORT    base port: admin +1, bearerbox<-smsbox +2, sendsms +4,
#            the SMSC number i (0, 1, ...) of KSMSCS at +5+i
#   KSMSCS   smsc-ids, one fake SMSC each (default "fake")
#   KGETURL  the sms-service get-url (Stafeta's /kannel/mo)
#   KLOGLEVEL (0), KPENDING max-pending-requests (8), KRETRY
#            http-request-retry (5)
# and it gives:
#   kannel_write_conf            writes $KDIR/kannel.conf
#   kannel_start / kannel_stop   bearerbox, every fakesmsc, smsbox
#   kannel_bb_start, kannel_fake_start ID   (restarts after a kill)
#   kannel_mo ID FROM TYPE DATA  one MO line typed into SMSC ID
#   kannel_wait_file SECONDS FILE ERE [COUNT]
#   KBB_PID, KSB_PID, KFAKE_PIDS: what runs
KBB=${BEARERBOX:-/usr/sbin/bearerbox}
KSB=${SMSBOX:-/usr/sbin/smsbox}
KFAKE=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
KBB_PID=""
KSB_PID=""
KFAKE_PIDS=""
KFIFO_PIDS=""

# kannel_installed: 0 when bearerbox, smsbox and fakesmsc are there.
kannel_installed() {
	[ -x "$KBB" ] && [ -x "$KSB" ] && [ -x "$KFAKE" ]
}

kannel_write_conf() {
	mkdir -p "$KDIR/spool"
	cat > "$KDIR/kannel.conf" <<CONF
group = core
admin-port = $((KPORT + 1))
admin-password = adm
status-password = adm
admin-interface = 127.0.0.1
smsbox-port = $((KPORT + 2))
box-allow-ip = 127.0.0.1
log-file = "$KDIR/bearerbox.log"
log-level = ${KLOGLEVEL:-0}
store-type = spool
store-location = "$KDIR/spool"
dlr-storage = internal
CONF
	_ki=0
	for _id in ${KSMSCS:-fake}; do
		cat >> "$KDIR/kannel.conf" <<CONF

group = smsc
smsc = fake
smsc-id = $_id
port = $((KPORT + 5 + _ki))
connect-allow-ip = 127.0.0.1
CONF
		_ki=$((_ki + 1))
	done
	cat >> "$KDIR/kannel.conf" <<CONF

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $((KPORT + 2))
sendsms-port = $((KPORT + 4))
sendsms-interface = 127.0.0.1
max-pending-requests = ${KPENDING:-8}
http-request-retry = ${KRETRY:-5}
http-queue-delay = 1
log-file = "$KDIR/smsbox.log"
log-level = ${KLOGLEVEL:-0}

group = sendsms-user
username = stafeta
password = pw
max-messages = 10
default-sender = 1234
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "$KGETURL"
CONF
}

# kannel_wait_file SECONDS FILE ERE [COUNT]: bounded wait for COUNT lines.
kannel_wait_file() {
	_kdl=$(($(date +%s) + $1 * ${E2E_SLACK:-1}))
	while [ "$(date +%s)" -le "$_kdl" ]; do
		_kgot=$(grep -Ec -- "$3" "$2" 2>/dev/null)
		[ "${_kgot:-0}" -ge "${4:-1}" ] && return 0
		sleep 0.05
	done
	echo "  (waited $1 s for ${4:-1} line(s) /$3/ in $(basename "$2"), saw ${_kgot:-0})"
	return 1
}

kannel_bb_start() {
	_kn=$(grep -c "Start-up done" "$KDIR/bearerbox.log" 2>/dev/null)
	"$KBB" -v 0 "$KDIR/kannel.conf" >> "$KDIR/bearerbox.out" 2>&1 &
	KBB_PID=$!
	kannel_wait_file 20 "$KDIR/bearerbox.log" "Start-up done" \
	    $((${_kn:-0} + 1))
}

# kannel_fake_start ID: fakesmsc for SMSC ID, reading MOs from the FIFO
# $KDIR/fake-ID.fifo (held open by a sleeping writer), writing what the
# SMSC receives to $KDIR/fake-ID.log.  Sets KFAKE_PID.
kannel_fake_start() {
	_kn=$(grep -c "Fakesmsc client connected" "$KDIR/bearerbox.log" 2>/dev/null)
	_ki=0
	for _id in ${KSMSCS:-fake}; do
		[ "$_id" = "$1" ] && break
		_ki=$((_ki + 1))
	done
	rm -f "$KDIR/fake-$1.fifo"
	mkfifo "$KDIR/fake-$1.fifo"
	stdbuf -i0 "$KFAKE" -H 127.0.0.1 -r $((KPORT + 5 + _ki)) -i 0 -m -1 \
	    < "$KDIR/fake-$1.fifo" >> "$KDIR/fake-$1.log" 2>&1 &
	KFAKE_PID=$!
	sleep 100000 > "$KDIR/fake-$1.fifo" &
	KFIFO_PIDS="$KFIFO_PIDS $!"
	KFAKE_PIDS="$KFAKE_PIDS $KFAKE_PID"
	kannel_wait_file 20 "$KDIR/bearerbox.log" "Fakesmsc client connected" \
	    $((${_kn:-0} + 1))
}

kannel_start() {
	kannel_bb_start || return 1
	for _id in ${KSMSCS:-fake}; do
		kannel_fake_start "$_id" || return 1
	done
	_kn=$(grep -c "Connected to bearerbox" "$KDIR/smsbox.log" 2>/dev/null)
	"$KSB" -v 0 "$KDIR/kannel.conf" >> "$KDIR/smsbox.out" 2>&1 &
	KSB_PID=$!
	kannel_wait_file 20 "$KDIR/smsbox.log" "Connected to bearerbox" \
	    $((${_kn:-0} + 1))
}

kannel_stop() {
	for _p in $KFAKE_PIDS $KSB_PID $KBB_PID; do
		kill -TERM "$_p" 2>/dev/null
	done
	for _p in $KFAKE_PIDS $KSB_PID $KBB_PID; do
		wait "$_p" 2>/dev/null
	done
	for _p in $KFIFO_PIDS; do kill "$_p" 2>/dev/null; done
	KFAKE_PIDS=""
	KFIFO_PIDS=""
	KSB_PID=""
	KBB_PID=""
}

# kannel_mo ID FROM TYPE DATA: an MO typed into the fake SMSC ID
# (fakesmsc's line: TYPE text = plain, ucs2 = URL-encoded UTF-16BE).
# fakesmsc takes one line per wake-up of its stdin: unbuffered (stdbuf
# -i0), lines written at once are not swallowed by stdio's buffer.
kannel_mo() {
	printf '%s 1234 %s %s\n' "$2" "$3" "$4" > "$KDIR/fake-$1.fifo"
}

# kannel_ucs2 TEXT: TEXT (UTF-8) as fakesmsc's ucs2 data.
kannel_ucs2() {
	printf '%s' "$1" | iconv -f UTF-8 -t UTF-16BE |
	    od -An -v -tx1 | tr -s ' \n' '  ' | sed 's/ *$//; s/ \([0-9a-f]\)/%\1/g'
}

# ---- E2E_CHANNEL=kannel: hooks called by lib.sh ----
# Every [modem M] of write_conf becomes a Kannel channel M (its own fake
# SMSC, smsc-id M), so rows name the same channel.  No delivery reports
# (dlr_mask = 0): the dummy modem gives none either, so outbox rows end
# SENT in both modes.  One get-url at a time keeps the arrival order the
# dummy inbox gives; smsbox retries a refused MO for 60 s (a suite may
# hold the database lock for 20 s).
if [ "${E2E_CHANNEL:-modem}" = kannel ]; then
	KDIR="$T/kannel"
	# Above the kernel's ephemeral ports (32768-60999): a listener
	# there never meets an outgoing connection's local port.
	KPORT=$((61000 + ($$ % 450) * 10))
	KSECRET=e2e-kannel-secret
	KPENDING=1
	KRETRY=60
fi

# kannel_e2e_channel M: the [channel M] section replacing [modem M].
# Kannel calls back on the suite's [http] listen with its secret, or on
# an [http] of its own written before the first channel (a suite may
# append keys for M after write_conf, as it does for [modem M]).
kannel_e2e_channel() {
	if ! grep -q '^\[http\]$' "$T/stafeta.conf" &&
	    ! printf '%s\n' "${EXTRA:-}" | grep -q '^\[http\]$'; then
		printf '\n[http]\nlisten = 127.0.0.1:%s\nsecret = %s\n' \
		    $((KPORT + 3)) "$KSECRET" >> "$T/stafeta.conf"
	fi
	cat >> "$T/stafeta.conf" <<CONF

[channel $1]
type = kannel
sendsms_url = http://127.0.0.1:$((KPORT + 4))/cgi-bin/sendsms
username = stafeta
password = pw
smsc = $1
dlr_mask = 0
send_per_minute = 0
CONF
}

# kannel_e2e_conf: after EXTRA: kannel.conf for the channels written.
kannel_e2e_conf() {
	KSMSCS=$(sed -n 's/^\[channel \(.*\)\]$/\1/p' "$T/stafeta.conf" | tr '\n' ' ')
	_khttp=$(awk '/^\[/ { s = ($0 == "[http]") } s && /^listen *=/ {
	    sub(/^listen *= */, ""); print }' "$T/stafeta.conf")
	_ksec=$(awk '/^\[/ { s = ($0 == "[http]") } s && /^secret *=/ {
	    sub(/^secret *= */, ""); print }' "$T/stafeta.conf")
	KGETURL="http://$_khttp/kannel/mo?channel=%i&id=%I&from=%p&to=%P&coding=%c&charset=%C&text=%b"
	[ -n "$_ksec" ] && KGETURL="$KGETURL&secret=$_ksec"
	[ -n "$KSMSCS" ] && kannel_write_conf
	return 0
}

# kannel_e2e_start: before the daemon starts: Kannel up with the current
# kannel.conf (restarted when write_conf changed it).
kannel_e2e_start() {
	[ -n "${KSMSCS:-}" ] || return 0
	if [ -n "$KBB_PID" ] && cmp -s "$KDIR/kannel.conf" "$KDIR/kannel.conf.run"; then
		return 0
	fi
	kannel_stop
	cp "$KDIR/kannel.conf" "$KDIR/kannel.conf.run"
	if ! kannel_start; then
		fail "Kannel did not start (logs in $KDIR)"
		return 1
	fi
	echo "# kannel: smscs $KSMSCS, sendsms port $((KPORT + 4))"
}

# kannel_e2e_inject M [stafeta-inject options] SENDER TEXT: the same MOs
# through M's fake SMSC.  --time and --start only matter to the dummy
# inbox (dedup in this mode is on Kannel's id); options about parts and
# reports fakesmsc cannot express: said, and nothing is sent.
kannel_e2e_inject() {
	_km=$1
	shift
	_kcount=1
	_knum=0
	_ktype=text
	while [ $# -gt 2 ]; do
		case $1 in
		--count) _kcount=$2; shift ;;
		--number-texts) _knum=1 ;;
		--unicode) _ktype=ucs2 ;;
		--time|--start|--seed|--folder|--smsc) shift ;;
		*)
			echo "skip - inject $1: not expressible through fakesmsc"
			return 1 ;;
		esac
		shift
	done
	# fakesmsc's text passes UTF-8 through; UCS-2 when asked for or for
	# control characters (a line ends the message).  " #i" of
	# --number-texts changes neither.
	if [ "$_ktype" = text ] && { [ -z "$2" ] ||
	    [ "$(printf '%s' "$2" | wc -l)" -gt 0 ] ||
	    printf '%s' "$2" | LC_ALL=C grep -q '[[:cntrl:]]'; }; then
		_ktype=ucs2
	fi
	_kd=$2
	[ "$_ktype" = text ] || _kd=$(kannel_ucs2 "$2")
	# fakesmsc reads lines of at most 255 bytes.
	if [ $(($(printf '%s' "$1 $_kd" | wc -c) + 40)) -gt 255 ]; then
		echo "skip - inject: a text this long does not fit fakesmsc's 255-byte line"
		return 1
	fi
	_ki=1
	while [ "$_ki" -le "$_kcount" ]; do
		_kt=$_kd
		if [ "$_knum" = 1 ] && [ "$_ktype" = text ]; then
			_kt="$_kd #$_ki"
		elif [ "$_knum" = 1 ]; then
			_kt="$_kd$(kannel_ucs2 " #$_ki")"
		fi
		kannel_mo "$_km" "$1" "$_ktype" "$_kt"
		_ki=$((_ki + 1))
	done
}

kannel_e2e_stop() {
	kannel_stop
}
