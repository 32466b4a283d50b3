# tests/e2e/pg_lib.sh - sourced by lib.sh when E2E_STORE=postgresql: the
# same suite on the PostgreSQL store (issue 15).
#
# Each test gets a throwaway cluster (initdb/pg_ctl from the postgresql
# package) in its own folder, listening on a Unix socket there only, so
# tests never share a port or a database; it is stopped and removed at
# exit.  The daemon and the CLI reach it through [store] backend =
# postgresql, schema e2e (a commune's schema, as in a county database);
# sql() asks psql the same questions the SQLite suite asks sqlite3, and
# prints rows the same way (columns joined by |, NULL as nothing).
# PostgreSQL refuses to run as root: as root the cluster runs as the
# postgres user the package created.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=""
PG_SCHEMA=e2e

pg_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
	else "$@"; fi
}

# pg_start: initdb (once) and start the cluster; PG_URL is what
# [store] url says.
pg_start() {
	if [ -z "$PG_DIR" ]; then
		PG_DIR=$(mktemp -d /tmp/stafeta-pg.XXXXXX)
		[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
		pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -E UTF8 --no-locale \
		    -A trust -U stafeta > "$PG_DIR/initdb.log" 2>&1 ||
		    { cat "$PG_DIR/initdb.log"; fail "initdb"; return 1; }
	fi
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
	    -o "-k $PG_DIR -c listen_addresses='' -c fsync=on" start \
	    > /dev/null || { fail "PostgreSQL did not start"; return 1; }
	if [ ! -e "$PG_DIR/created" ]; then
		psql -X -q -h "$PG_DIR" -U stafeta -d postgres \
		    -c "CREATE DATABASE stafeta" && touch "$PG_DIR/created"
	fi
	PG_URL="postgresql://stafeta@$(printf '%s' "$PG_DIR" | sed 's|/|%2F|g')/stafeta"
}

# pg_stop [MODE]: pg_ctl stop (fast by default; immediate = a crash).
pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w stop \
	    > /dev/null 2>&1
}

e2e_store_conf() {
	[ -n "$PG_DIR" ] || pg_start || return 1
	printf '\n[store]\nbackend = postgresql\nurl = %s\nschema = %s\n' \
	    "$PG_URL" "$PG_SCHEMA"
}

e2e_store_cleanup() {
	[ -n "$PG_DIR" ] || return 0
	pg_stop immediate
	if [ "$FAILS" -gt 0 ]; then
		echo "--- PostgreSQL log (last 20 lines) $PG_DIR/server.log"
		tail -n 20 "$PG_DIR/server.log" 2>/dev/null
	fi
	rm -rf "$PG_DIR"
}

# sql [QUERY]: the query, or the statements on standard input.
sql() {
	if [ $# -gt 0 ]; then
		set -- -c "$1"
	fi
	PGOPTIONS="-c search_path=$PG_SCHEMA" psql -X -q -A -t -F '|' \
	    -v ON_ERROR_STOP=1 -h "$PG_DIR" -U stafeta -d stafeta "$@"
}

# db_dump: every row of the commune's schema as text (sqlite3 .dump's
# counterpart, for the tests that grep the store for a number).
db_dump() {
	pg_dump -h "$PG_DIR" -U stafeta -d stafeta -n "$PG_SCHEMA" \
	    --inserts 2>/dev/null
}

# e2e_sqlite_only WHAT: this check is about the SQLite file itself.
e2e_sqlite_only() { echo "skip - $* (SQLite file only; PostgreSQL store)"; return 1; }
