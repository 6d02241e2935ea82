# A real PostgreSQL server for the broker tests (sourced, bash): Debian's
# binaries, a cluster made by initdb in a temporary directory owned by an
# unprivileged user (the tests run as root; PostgreSQL refuses to), a Unix
# socket in that directory and no TCP. Passwords (SCRAM) for every role so
# that a refused login can be tested.
#   pg_start        initdb + start; sets PGDIR, PGSOCK, PGPORT and creates
#                   the roles and the database below
#   pg_stop_server / pg_start_server   stop and start the same cluster
#   pg_stop         stop and remove everything (call it from the EXIT trap)
#   pg_sql ROLE SQL run SQL as ROLE in the store database, unaligned output
#   pg_url ROLE     the store URL for ROLE
# Roles: cbadmin (superuser, only for the test's own tampering), cbowner
# (owns the database and the schema: enrolment, upgrades), cbserve (a login
# in cocobroker_serve, the group the schema grants the brokers' rights to).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_USER=${PG_USER:-nobody}
PG_PASSWORD=test-only-password

# PostgreSQL refuses to run as root: as root, the server runs as PG_USER; otherwise as the caller
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server binaries (Debian package postgresql; make deps installs it)"; return 1; }
	PGDIR=$(mktemp -d /tmp/cocoboot-pg.XXXXXX)
	chmod 755 "$PGDIR"
	[ "$(id -u)" != 0 ] || chown "$PG_USER" "$PGDIR"
	PGSOCK=$PGDIR
	PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	printf '%s\n' "$PG_PASSWORD" > "$PGDIR/pw" && { [ "$(id -u)" != 0 ] || chown "$PG_USER" "$PGDIR/pw"; }
	as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U cbadmin --pwfile="$PGDIR/pw" \
		--auth=scram-sha-256 -E UTF8 --no-locale >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log"; return 1; }
	pg_start_server || return 1
	local sql
	for sql in "CREATE ROLE cocobroker_serve NOLOGIN" "CREATE ROLE cbowner LOGIN PASSWORD '$PG_PASSWORD'" \
		"CREATE ROLE cbserve LOGIN PASSWORD '$PG_PASSWORD' IN ROLE cocobroker_serve" \
		"CREATE DATABASE cocoboot OWNER cbowner"; do
		pg_sql cbadmin "$sql" postgres || return 1
	done
}

pg_start_server() {
	as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 30 \
		-o "-k $PGSOCK -p $PGPORT -c listen_addresses= -c max_connections=100" start >/dev/null ||
		{ tail -n 20 "$PGDIR/server.log"; return 1; }
}

pg_stop_server() { # MODE: fast (default) or immediate
	as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m "${1:-fast}" -w -t 30 stop >/dev/null
}

pg_stop() {
	[ -n "${PGDIR:-}" ] || return 0
	pg_stop_server immediate 2>/dev/null
	rm -rf "$PGDIR"
	PGDIR=
}

pg_sql() { # ROLE SQL [DATABASE]
	PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PGPORT" -U "$1" \
		-d "${3:-cocoboot}" -c "$2" 2>&1
}

pg_url() { # ROLE [PASSWORD]
	echo "postgresql://$1:${2:-$PG_PASSWORD}@/cocoboot?host=$PGSOCK&port=$PGPORT"
}
