# Sourced after tests/lib/common.sh by the suites and benchmarks that run
# the whole lab (scripts/lab.sh) in a temporary directory of their own.
# shellcheck shell=bash

# lab_ports: free ports for every part, exported as the LAB_* variables
# scripts/lab.sh reads, and LAB_DIR a temporary directory (removed at exit)
lab_ports() {
	mktemp_dir LAB_DIR "${1:-lab}"
	export LAB_DIR
	LAB_PG_PORT=$(free_port)
	LAB_AS_PORT=$(free_port)
	LAB_EDGE_PORT=$(free_port)
	LAB_TRACKER_PORT=$(free_port)
	LAB_TRACKER_ADMIN_PORT=$(free_port)
	LAB_INDEX_PORT=$(free_port)
	export LAB_PG_PORT LAB_AS_PORT LAB_EDGE_PORT LAB_TRACKER_PORT \
		LAB_TRACKER_ADMIN_PORT LAB_INDEX_PORT
}

# lab_start [NAME]: build, start the lab (stopped at exit), and set the
# PG* variables of its database and BIN, CA (the index's certificate),
# INDEX and TRK (the index and tracker base URLs)
lab_start() {
	make -s -C "$TOP" all >/dev/null || fail "build"
	lab_ports "${1:-lab}"
	on_exit "'$TOP/scripts/lab.sh' stop >/dev/null 2>&1"
	"$TOP/scripts/lab.sh" start >"$LAB_DIR/start.log" 2>&1 ||
		{ cat "$LAB_DIR/start.log"; fail "lab start"; }
	eval "$("$TOP/scripts/pgctl.sh" env "$LAB_DIR/pg")"
	export PGDATABASE=p2pcd
	BIN=$TOP/build/release/bin
	CA=$LAB_DIR/secrets/index-cert.pem
	INDEX=https://127.0.0.1:$LAB_INDEX_PORT
	TRK=http://127.0.0.1:$LAB_TRACKER_PORT
}
