# --help and -h: the commands and every subcommand print their usage on
# stdout and exit 0 (without loading the configuration); a wrong option
# still prints usage on stderr and exits 2.
. "$(dirname "$0")/lib.sh"

write_conf m1
mkdir -p "$T/state"

# help_ok DESCRIPTION COMMAND...: exit 0, "usage" on stdout, stderr empty.
help_ok() {
	_d=$1
	shift
	"$@" > "$T/out" 2> "$T/err"
	_rc=$?
	if [ "$_rc" -eq 0 ] && grep -q "usage" "$T/out" && [ ! -s "$T/err" ]
	then
		ok "$_d"
	else
		fail "$_d: exit $_rc, stdout '$(head -c 200 "$T/out")'," \
		    "stderr '$(head -c 200 "$T/err")'"
	fi
}

# usage_err DESCRIPTION COMMAND...: exit 2, "usage" on stderr, stdout empty.
usage_err() {
	_d=$1
	shift
	"$@" > "$T/out" 2> "$T/err"
	_rc=$?
	if [ "$_rc" -eq 2 ] && grep -q "usage" "$T/err" && [ ! -s "$T/out" ]
	then
		ok "$_d"
	else
		fail "$_d: exit $_rc, stdout '$(head -c 200 "$T/out")'," \
		    "stderr '$(head -c 200 "$T/err")'"
	fi
}

for h in --help -h; do
	help_ok "stafetad $h" "$B/stafetad" "$h"
	help_ok "stafeta $h" "$B/stafeta" "$h"
done
help_ok "stafeta help" "$B/stafeta" help

# Every command and subcommand, as typed by an operator.
while read -r args; do
	# shellcheck disable=SC2086 # word splitting wanted
	help_ok "stafeta $args --help" cli $args --help
	# shellcheck disable=SC2086
	help_ok "stafeta $args -h" cli $args -h
done <<'CMDS'
status
inbox
outbox
send
send +40700000001
reporter
reporter add
reporter add --phone +40700000001
reporter list
reporter disable
reporter enable
reporter pin
sheets
sheets list
sheets show
sheets export
sheets visit
flow
flow list
flow check
flow start
simulate
simulate +40700000001
CMDS

# The command's own usage, not the global one.
out=$(cli reporter add --help)
assert_match "$out" "stafeta reporter add --phone" "reporter --help shows reporter usage"
out=$(cli sheets visit --help)
assert_match "$out" "stafeta sheets visit ID" "sheets --help shows sheets usage"
out=$("$B/stafeta" help flow)
assert_match "$out" "stafeta flow check" "stafeta help flow shows flow usage"

# No configuration needed to ask for help.
help_ok "--help without a configuration file" \
    "$B/stafeta" -c "$T/missing.conf" inbox --help
help_ok "stafetad --help with other options" \
    "$B/stafetad" -c "$T/missing.conf" --help

# Wrong options keep exit 2 and usage on stderr.
usage_err "stafeta --bogus" "$B/stafeta" --bogus
usage_err "stafeta no such command" "$B/stafeta" nosuchcommand
usage_err "stafeta help nosuchcommand" "$B/stafeta" help nosuchcommand
usage_err "stafetad --bogus" "$B/stafetad" --bogus
usage_err "stafetad -x" "$B/stafetad" -x
usage_err "stafeta status extra" cli status extra
usage_err "stafeta inbox --bogus" cli inbox --bogus
usage_err "stafeta send (no number)" cli send
usage_err "stafeta reporter bogus" cli reporter bogus
usage_err "stafeta reporter add --bogus" cli reporter add --bogus
usage_err "stafeta sheets bogus" cli sheets bogus
usage_err "stafeta flow bogus" cli flow bogus
usage_err "stafeta simulate --bogus" cli simulate --bogus

# After "--", -h is an argument, not a request for help.
"$B/stafeta" -c "$T/stafeta.conf" -S "$T/state" flow -- -h > "$T/out" 2>&1
assert_eq "$?" 2 "-h after -- is not help"

e2e_done
