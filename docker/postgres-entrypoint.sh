#!/usr/bin/env bash
# The lab's PostgreSQL 15 (Debian package): a cluster in $PGDATA (a volume),
# the p2pcd schema by sql/migrate --create, the lab subscribers and
# publisher (lab/subscribers.sql, the rows scripts/lab.sh inserts),
# then the server in the foreground as the postgres user. Clients on the
# lab network log in as postgres with the password of
# $SECRETS/db.password (scram-sha-256); nothing is trusted without one.
# Migrations run at every start (applied ones are skipped), so a newer
# image upgrades the schema of an existing volume.
set -euo pipefail
cd /

TOP=${P2PCD_TOP:-/src}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDATA=${PGDATA:-/var/lib/p2pcd/pg}
S=${SECRETS:-/secrets}
DOMAIN=${LAB_DOMAIN:-ims.test}
SOCK=${PG_SOCKET_DIR:-/run/postgresql}
PORT=${PG_PORT:-5432}
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

[ -s "$S/db.password" ] || { echo "postgres: $S/db.password missing (init service)" >&2; exit 1; }
mkdir -p "$PGDATA" "$SOCK"
chown postgres:postgres "$PGDATA" "$SOCK"
chmod 0700 "$PGDATA"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
	pwfile=$(mktemp)
	cp "$S/db.password" "$pwfile"
	chown postgres "$pwfile"
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" \
		--auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pwfile"
	# the lab network (whatever its subnet): password logins only
	echo "host all all samenet scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi

# Schema and lab rows with the server reachable only on its Unix socket.
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -l "$PGDATA/setup.log" \
	-o "-c listen_addresses='' -k $SOCK -p $PORT" start >/dev/null ||
	{ tail -20 "$PGDATA/setup.log" >&2; exit 1; }
export PGHOST=$SOCK PGPORT=$PORT PGUSER=postgres PGDATABASE=p2pcd
as_pg "$TOP/sql/migrate" --create
as_pg psql -X -q -v ON_ERROR_STOP=1 -v domain="$DOMAIN" -f "$TOP/lab/subscribers.sql"
# the password follows the secret (a re-made secret, an old volume); on
# stdin, not in a command line
pw=$(cat "$S/db.password")
[[ $pw =~ ^[0-9a-f]{16,}$ ]] || { echo "postgres: $S/db.password: not hex" >&2; exit 1; }
as_pg psql -X -q -v ON_ERROR_STOP=1 -d postgres <<<"ALTER ROLE postgres PASSWORD '$pw'"
unset pw
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null

exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
	"$PGBIN/postgres" -D "$PGDATA" -c listen_addresses="${PG_LISTEN:-*}" -k "$SOCK" -p "$PORT"
