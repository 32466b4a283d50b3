#!/bin/sh
# test_backup.sh - stafeta backup while the daemon takes a burst of SMS,
# stafeta restore into a fresh state directory, and the refusals: restore
# while the daemon runs, an existing backup file, a file that is not a
# Stafeta database, a database from a newer stafeta.  --rotate keeps N.
. "$(dirname "$0")/lib.sh"

write_conf m1
start_daemon || { e2e_done; exit 1; }

# The burst: 20 senders x 20 SMS, injected in the background.
(
	for i in $(seq 10 29); do
		inject m1 --count 20 --number-texts "+407220000$i" "BURST $i"
	done
) &
INJ=$!

# Mid-burst: what is committed now must be in the backup.
wait_for 30 "SELECT count(*) >= 60 FROM inbound" 1 ||
    fail "the burst did not start"
MAXID=$(sql "SELECT max(id) FROM inbound")
cli backup "$T/b1.db" > "$T/backup.out" 2> "$T/backup.err"
assert_eq "$?" 0 "backup while the daemon runs exits 0"
assert_match "$(cat "$T/backup.out")" "^saved $T/b1.db: [0-9]+ bytes" \
    "backup says what it saved"
assert_match "$(cat "$T/backup.out")" "inbound +[0-9]+ rows" \
    "backup prints row counts"
assert_eq "$(stat -c %a "$T/b1.db")" 640 "backup file is mode 0640"
[ -e "$T/b1.db.tmp" ] && fail "backup left its .tmp file"

# Restore refuses while the daemon runs.
cli restore "$T/b1.db" > /dev/null 2> "$T/restore.err"
assert_eq "$?" 1 "restore while stafetad runs exits 1"
assert_match "$(cat "$T/restore.err")" "stafetad is running" \
    "restore says the daemon is running"

# An existing file is not replaced without --force.
cli backup "$T/b1.db" > /dev/null 2> "$T/exists.err"
assert_eq "$?" 1 "backup over an existing file exits 1"
assert_match "$(cat "$T/exists.err")" "exists \(--force" "says --force"

wait $INJ
wait_for 60 "SELECT count(*) FROM inbound" 400 ||
    fail "all 400 burst messages stored"
stop_daemon

IN_BACKUP=$(sqlite3 "$T/b1.db" "SELECT count(*) FROM inbound")
echo "# committed before the backup: ids <= $MAXID; in the backup:" \
    "$IN_BACKUP of 400"
[ "$IN_BACKUP" -lt 400 ] || echo "# note: the backup came after the burst"

# Restore into a fresh state directory.
"$B/stafeta" -c "$T/stafeta.conf" -S "$T/state2" restore "$T/b1.db" \
    > "$T/restore2.out" 2>&1
assert_eq "$?" 0 "restore into a fresh state directory exits 0"
DB2="$T/state2/stafeta.db"
assert_eq "$(sqlite3 "$DB2" "PRAGMA integrity_check")" ok \
    "restored database passes integrity_check"
ROWS="SELECT group_concat(id || '|' || sender || '|' || text, ';') FROM
    (SELECT * FROM inbound WHERE id <= $MAXID ORDER BY id)"
assert_eq "$(sqlite3 "$DB2" "$ROWS" | md5sum)" "$(sql "$ROWS" | md5sum)" \
    "every inbound row committed before the backup is restored, unchanged"
assert_eq "$(sqlite3 "$DB2" "SELECT count(*) FROM inbound WHERE id <= $MAXID")" \
    "$MAXID" "restored inbound ids 1..$MAXID all there"
OUT=$("$B/stafeta" -c "$T/stafeta.conf" -S "$T/state2" inbox --limit 1 2>&1)
assert_eq "$?" 0 "stafeta works on the restored database"

# Restore over the live state: the old database is kept aside.
cli restore "$T/b1.db" > "$T/restore3.out" 2>&1
assert_eq "$?" 0 "restore over the stopped daemon's database exits 0"
KEPT=$(ls "$T/state"/stafeta.db.before-restore-* 2>/dev/null | grep -v -- -wal | head -1)
assert_match "$KEPT" "before-restore-[0-9]{8}T[0-9]{6}Z$" \
    "the previous database is kept as DB.before-restore-STAMP"
assert_eq "$(sqlite3 "$KEPT" "SELECT count(*) FROM inbound")" 400 \
    "the kept database has all 400 messages"
assert_eq "$(sql "SELECT count(*) FROM inbound")" "$IN_BACKUP" \
    "the live database is now the backup"
[ -e "$DB-wal" ] && [ -s "$DB-wal" ] && fail "a stale -wal is left beside the restored database"
start_daemon || fail "the daemon starts on the restored database"
stop_daemon

# Not a database / a newer stafeta's database.
head -c 8192 /dev/urandom > "$T/garbage.db"
cli restore "$T/garbage.db" > /dev/null 2> "$T/garbage.err"
assert_eq "$?" 1 "restore of a file that is not a database exits 1"
cp "$T/b1.db" "$T/future.db"
sqlite3 "$T/future.db" "INSERT INTO schema_migrations VALUES ('9999_future', 0)"
cli restore "$T/future.db" > /dev/null 2> "$T/future.err"
assert_eq "$?" 1 "restore of a newer stafeta's database exits 1"
assert_match "$(cat "$T/future.err")" "9999_future.*unknown" \
    "says which migration is unknown"
assert_eq "$(sql "SELECT count(*) FROM inbound")" "$IN_BACKUP" \
    "a refused restore leaves the database as it was"

# --force, and --rotate with --keep.
cli backup --force "$T/b1.db" > /dev/null
assert_eq "$?" 0 "backup --force replaces an existing file"
for i in 1 2 3; do
	cli backup --rotate "$T/daily" --keep 2 > /dev/null ||
	    fail "backup --rotate $i"
	clock_advance 86400
done
assert_eq "$(ls "$T/daily" | grep -c '^stafeta-[0-9]\{8\}-[0-9]\{6\}\.db$')" 2 \
    "--rotate --keep 2 keeps the newest two daily backups"

e2e_done
