# A throwaway PostgreSQL 15 cluster for one test suite: a temporary
# directory, a free loopback port, stopped and removed at exit even when the
# test fails. Never a mock.
# shellcheck shell=bash
# Requires tests/lib/common.sh sourced first.

# pg_start [DBNAME]: start a cluster, export PG*, create DBNAME (default
# p2pcd) and apply the project's migrations to it.
pg_start() {
	local db=${1:-p2pcd} dir
	dir=$(mktemp -d /tmp/p2pcd-pg.XXXXXX)
	on_exit "'$TOP/scripts/pgctl.sh' stop '$dir'; rm -rf '$dir'"
	# fsync off: a throwaway cluster needs no durability across power loss.
	eval "$(PG_FSYNC=off "$TOP/scripts/pgctl.sh" start "$dir")"
	export PGDATABASE=$db PG_DIR=$dir
	"$TOP/sql/migrate" --create >/dev/null
}

# pg_stop / pg_restart: for fault tests on the running cluster.
pg_stop() { "$TOP/scripts/pgctl.sh" stop "$PG_DIR"; }
pg_restart() { "$TOP/scripts/pgctl.sh" start "$PG_DIR" >/dev/null; }

# q SQL: one value (or rows, tab-separated) from the test database.
q() { psql -X -qAt -F $'\t' -v ON_ERROR_STOP=1 -c "$1"; }
