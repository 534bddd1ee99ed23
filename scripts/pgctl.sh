#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a directory of its own, owned by the
# postgres user (initdb refuses to run as root), listening on loopback only
# and on a Unix socket inside that directory. Used by the tests (throwaway
# clusters) and by the lab (a persistent one).
#
# usage: scripts/pgctl.sh start DIR [PORT]   init if needed, start, print env
#        scripts/pgctl.sh stop DIR           fast shutdown
#        scripts/pgctl.sh env DIR            print PG* variables to eval
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dir=$(realpath -m "$dir")

as_pg() { runuser -u postgres -- "$@"; }

free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000)) # below the ephemeral range
		if ! ss -Htln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	echo "pgctl: no free port found" >&2
	return 1
}

print_env() {
	echo "export PGHOST=$dir/sock PGPORT=$(cat "$dir/port") PGUSER=postgres"
}

case "$cmd" in
start)
	port=${3:-}
	mkdir -p "$dir"
	# Parent dirs must be traversable by postgres (mktemp makes 0700).
	d=$dir
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		as_pg test -x "$d" || chmod o+x "$d"
	done
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		mkdir -p "$dir/data" "$dir/sock"
		chown postgres:postgres "$dir" "$dir/data" "$dir/sock"
		chmod 0700 "$dir/data"
		as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	[ -n "$port" ] || port=$(cat "$dir/port" 2>/dev/null || free_port)
	echo "$port" >"$dir/port"
	chown postgres:postgres "$dir/port"
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=${PG_FSYNC:-on} -c max_connections=${PG_MAX_CONN:-200}" \
		start >/dev/null; then
		tail -20 "$dir/postgres.log" >&2
		exit 1
	fi
	print_env
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null ||
			as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null ||
			true
	fi
	;;
env)
	print_env
	;;
*)
	echo "pgctl: unknown command '$cmd'" >&2
	exit 2
	;;
esac
