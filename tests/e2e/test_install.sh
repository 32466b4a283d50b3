# make install PREFIX=/usr DESTDIR=... after a plain make: the flows, the
# sheet service's files, the unit and the configuration land under
# DESTDIR, and the installed binaries look for their flows in
# /usr/share/stafeta/flows (compiled in), not next to themselves.
#
# Builds into its own folder under $T (a full, unsanitised build), so the
# build under test ($BUILD) is not touched.  When run as root, the
# install step runs as nobody: DESTDIR installs need no privileges.
. "$(dirname "$0")/lib.sh"

# Not the make that may be running us: our own job count, no jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
IB="$T/build"
R="$T/root"
mk() { make -C "$ROOT" -j2 BUILD="$IB" "$@"; }

if ! mk > "$T/make.log" 2>&1; then
	fail "plain make into $IB"
	tail -n 20 "$T/make.log"
	e2e_done
	exit 1
fi
ok "plain make into a separate build folder"
strings "$IB/stafetad" | grep -qx "/usr/local/share/stafeta/flows" &&
    ok "plain build looks in /usr/local/share/stafeta/flows" ||
    fail "plain build: /usr/local/share/stafeta/flows not compiled in"

as_user=""
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null 2>&1; then
	mkdir -p "$R"
	chmod 755 "$T"
	chown -R 65534:65534 "$IB" "$R"
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# shellcheck disable=SC2086 # as_user is a command prefix or nothing
$as_user make -C "$ROOT" -j2 BUILD="$IB" install PREFIX=/usr DESTDIR="$R" \
    > "$T/install.log" 2>&1
rc=$?
assert_eq "$rc" 0 "make install PREFIX=/usr DESTDIR=... ${as_user:+(as nobody) }exits 0"
[ "$rc" -eq 0 ] || tail -n 20 "$T/install.log"
assert_match "$(cat "$T/install.log")" "CC +config/config.c" \
    "PREFIX change rebuilds config.c"

for f in "$ROOT"/flows/*.flow; do
	n=$(basename "$f")
	cmp -s "$f" "$R/usr/share/stafeta/flows/$n" &&
	    ok "flows/$n installed" || fail "flows/$n not installed"
done
for f in "$ROOT"/flows/sheet/*.flow "$ROOT"/flows/sheet/indicators.csv; do
	n=$(basename "$f")
	cmp -s "$f" "$R/usr/share/stafeta/flows/sheet/$n" &&
	    ok "flows/sheet/$n installed" || fail "flows/sheet/$n not installed"
done
[ -x "$R/usr/sbin/stafetad" ] && ok "stafetad in sbin" || fail "no sbin/stafetad"
[ -x "$R/usr/bin/stafeta" ] && ok "stafeta in bin" || fail "no bin/stafeta"
[ -f "$R/etc/stafeta/stafeta.conf" ] && ok "configuration installed" ||
    fail "no etc/stafeta/stafeta.conf"
assert_eq "$(stat -c %a "$R/etc/stafeta/stafeta.conf" 2>/dev/null)" 640 \
    "configuration is not world-readable"
assert_match "$(cat "$R/usr/lib/systemd/system/stafetad.service" 2>/dev/null)" \
    "ExecStart=/usr/sbin/stafetad" "unit starts /usr/sbin/stafetad"
assert_match "$(cat "$R/usr/lib/systemd/system/stafeta-backup.service" 2>/dev/null)" \
    "ExecStart=/usr/bin/stafeta .* backup --rotate" "backup unit runs /usr/bin/stafeta backup"
[ -f "$R/usr/lib/systemd/system/stafeta-backup.timer" ] &&
    ok "backup timer installed" || fail "no stafeta-backup.timer"

# The data folder compiled into the installed binaries.
for b in sbin/stafetad bin/stafeta; do
	s=$(strings "$R/usr/$b" | grep '/share/stafeta')
	assert_eq "$s" "/usr/share/stafeta/flows" "$b looks in /usr/share/stafeta/flows"
done

# Without [flows] dir the installed daemon uses that folder, not one
# relative to itself (flows sit next to it under $R, a stray copy of the
# tree's flows must not be found either).
mkdir -p "$T/st"
printf '[gateway]\nlog_level = info\n' > "$T/noflows.conf"
out=$("$R/usr/sbin/stafetad" -n -c "$T/noflows.conf" -S "$T/st" 2>&1)
rc=$?
assert_match "$out" "/usr/share/stafeta/flows" "stafetad -n names /usr/share/stafeta/flows"
if printf '%s' "$out" | grep -q "$R\|$ROOT"; then
	fail "stafetad -n looked under DESTDIR or the checkout: $out"
else
	ok "no flows searched under DESTDIR or the checkout"
fi
if [ ! -d /usr/share/stafeta/flows ]; then
	assert_eq "$rc" 1 "-n fails: /usr/share/stafeta/flows does not exist here"
fi
# (A machine with the package installed has that folder: then the
# commands succeed from it, and only "nothing relative" can be checked.)
out=$("$R/usr/bin/stafeta" -c "$T/noflows.conf" -S "$T/st" flow list 2>&1)
if [ ! -d /usr/share/stafeta/flows ]; then
	assert_match "$out" "/usr/share/stafeta/flows" \
	    "stafeta flow list names /usr/share/stafeta/flows"
fi
if printf '%s' "$out" | grep -q "$R\|$ROOT"; then
	fail "stafeta flow list looked under DESTDIR or the checkout: $out"
else
	ok "stafeta flow list searched nothing relative to itself"
fi

# Pointed at the installed copy, the installed flows are a valid set and
# the sheet service finds its indicators.
printf '[gateway]\nlog_level = info\n\n[flows]\ndir = %s\n\n[sheets]\ncounty_code = 8\n' \
    "$R/usr/share/stafeta/flows" > "$T/inst.conf"
out=$("$R/usr/sbin/stafetad" -n -c "$T/inst.conf" -S "$T/st" 2>&1)
assert_eq "$?" 0 "installed flows pass stafetad -n ($out)"
assert_match "$out" "flow\\(s\\) loaded from $R/usr/share/stafeta/flows" \
    "flows loaded from the installed folder"

e2e_done
