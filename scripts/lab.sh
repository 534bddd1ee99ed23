#!/usr/bin/env bash
# The p2pcd lab on this one machine, without Docker. State, logs and PIDs
# live under run/lab/ (override with LAB_DIR); everything binds loopback.
#
# usage: scripts/lab.sh start     start what is not running, then show status
#        scripts/lab.sh stop      stop everything the lab started
#        scripts/lab.sh status    what runs, where
#
# What it starts today: a PostgreSQL 15 cluster of its own with the p2pcd
# schema, and the packaged Kamailio loading the p2pcd module. The tracker,
# the edge proxy and the publish/buy demonstration join as their issues land.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=${LAB_DIR:-$TOP/run/lab}
PG_PORT=${LAB_PG_PORT:-55432}
SIP_PORT=${LAB_SIP_PORT:-5090}

pg_env() { eval "$("$TOP/scripts/pgctl.sh" env "$LAB/pg")"; export PGDATABASE=p2pcd; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_pg() {
	"$TOP/scripts/pgctl.sh" start "$LAB/pg" "$PG_PORT" >/dev/null
	pg_env
	"$TOP/sql/migrate" --create
}

start_kamailio() {
	local pidf=$LAB/kamailio/kamailio.pid
	if alive "$pidf"; then return 0; fi
	mkdir -p "$LAB/kamailio"
	make -s -C "$TOP/modules/p2pcd" >/dev/null
	# setsid: the lab outlives the shell that started it.
	setsid /usr/sbin/kamailio -f "$TOP/kamailio-cfg/test-load.cfg" \
		-Y "$LAB/kamailio" -P "$pidf" -m 256 -M 16 \
		-A "P2PCD_SO=\"$TOP/build/module/p2pcd.so\"" \
		-A "P2PCD_CTL=\"unix:$LAB/kamailio/ctl.sock\"" \
		-A "P2PCD_PORT=$SIP_PORT" \
		-DD -E >"$LAB/kamailio/kamailio.log" 2>&1 &
	for _ in $(seq 1 100); do
		kamcmd -s "unix:$LAB/kamailio/ctl.sock" p2pcd.version >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	tail -20 "$LAB/kamailio/kamailio.log" >&2
	echo "lab: kamailio did not start (log: $LAB/kamailio/kamailio.log)" >&2
	return 1
}

stop_pidfile() {
	local pidf=$1 pid i
	alive "$pidf" || { rm -f "$pidf"; return 0; }
	pid=$(cat "$pidf")
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	rm -f "$pidf"
}

status() {
	if [ -f "$LAB/pg/data/postmaster.pid" ]; then
		pg_env
		echo "postgresql  127.0.0.1:$PGPORT db p2pcd   (psql: $("$TOP/scripts/pgctl.sh" env "$LAB/pg" | sed 's/^export //') PGDATABASE=p2pcd psql)"
		"$TOP/sql/migrate" --status | sed 's/^/            /'
	else
		echo "postgresql  stopped"
	fi
	if alive "$LAB/kamailio/kamailio.pid"; then
		echo "kamailio    udp:127.0.0.1:$SIP_PORT  p2pcd $(kamcmd -s "unix:$LAB/kamailio/ctl.sock" p2pcd.version)  (kamcmd -s unix:$LAB/kamailio/ctl.sock)"
	else
		echo "kamailio    stopped"
	fi
}

case "${1:-}" in
start)
	mkdir -p "$LAB"
	start_pg
	start_kamailio
	status
	echo "lab: running; stop it with: make lab-stop"
	;;
stop)
	stop_pidfile "$LAB/kamailio/kamailio.pid"
	"$TOP/scripts/pgctl.sh" stop "$LAB/pg"
	echo "lab: stopped"
	;;
status) status ;;
*) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
