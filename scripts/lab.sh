#!/usr/bin/env bash
# The p2pcd lab on this one machine, without Docker. State, secrets, logs
# and PIDs live under run/lab/ (override with LAB_DIR); everything binds
# loopback addresses.
#
# usage: scripts/lab.sh start     start what is not running, then show status
#        scripts/lab.sh demo      publish, buy three times, download, decrypt
#        scripts/lab.sh stop      stop everything the lab started
#        scripts/lab.sh status    what runs, where
#
# It starts: a PostgreSQL 15 cluster of its own with the p2pcd schema;
# p2pcd-tracker "tracker-1" (announce, license service, HTTPS content
# index; config from lab/tracker.conf.in); the AS (packaged Kamailio +
# p2pcd module, kamailio-cfg/as.cfg) on 127.0.0.1; the edge proxy standing
# in for the P-/S-CSCF (kamailio-cfg/edge.cfg) on 127.0.0.2, the only
# source the AS trusts; lab subscribers alice (a publisher), bob, carol and
# dave. The demo is scripts/lab-demo.sh.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LAB=${LAB_DIR:-$TOP/run/lab}
PG_PORT=${LAB_PG_PORT:-55432}
AS_PORT=${LAB_AS_PORT:-5060}
EDGE_ADDR=127.0.0.2
EDGE_PORT=${LAB_EDGE_PORT:-5062}
TRK_PORT=${LAB_TRACKER_PORT:-6969}
TRK_ADMIN=${LAB_TRACKER_ADMIN_PORT:-6970}
INDEX_PORT=${LAB_INDEX_PORT:-6443}
DOMAIN=ims.test
BIN=$TOP/build/release/bin
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/p2pcd"

pg_env() {
	eval "$("$TOP/scripts/pgctl.sh" env "$LAB/pg")"
	export PGDATABASE=p2pcd
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_ok() { # wait_ok SECONDS CMD...: until CMD succeeds
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
die_log() { tail -20 "$1" >&2; echo "lab: $2 (log: $1)" >&2; exit 1; }

secrets() {
	mkdir -p "$LAB/secrets"
	chmod 0700 "$LAB/secrets"
	[ -s "$LAB/secrets/master.hex" ] ||
		(umask 077; head -c 32 /dev/urandom | xxd -p -c 64 >"$LAB/secrets/master.hex")
	[ -s "$LAB/secrets/admin.token" ] ||
		(umask 077; head -c 24 /dev/urandom | xxd -p -c 64 >"$LAB/secrets/admin.token")
	# the license service's key pair (publishers seal keys to .pub) and
	# key-encryption key
	[ -s "$LAB/secrets/license-x25519.key" ] ||
		"$BIN/p2pcd" keygen --secret "$LAB/secrets/license-x25519.key" \
			--public "$LAB/secrets/license-x25519.pub" --force >/dev/null
	[ -s "$LAB/secrets/license-kek.key" ] ||
		(umask 077; head -c 32 /dev/urandom | xxd -p -c 64 >"$LAB/secrets/license-kek.key")
	# the index's HTTPS certificate (clients: --ca-file / P2PCD_CA_FILE)
	[ -s "$LAB/secrets/index-cert.pem" ] ||
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -days 30 -subj "/CN=p2pcd lab index" \
			-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			-keyout "$LAB/secrets/index-key.pem" \
			-out "$LAB/secrets/index-cert.pem" >/dev/null 2>&1
	chmod 0600 "$LAB/secrets/index-key.pem"
}

start_pg() {
	"$TOP/scripts/pgctl.sh" start "$LAB/pg" "$PG_PORT" >/dev/null
	pg_env
	"$TOP/sql/migrate" --create
	# lab subscribers (digest passwords = user name) and the publisher
	psql -X -q -v ON_ERROR_STOP=1 -v domain="$DOMAIN" -f "$TOP/lab/subscribers.sql"
}

# derive AUD: the key the AS's master derives for a token audience
derive() {
	"$BIN/p2pcd-mint-token" derive --master "$(cat "$LAB/secrets/master.hex")" \
		--aud "$1" --version 1
}

start_tracker() {
	local d=$LAB/tracker-1
	alive "$d/pid" && return 0
	mkdir -p "$d"
	"$TOP/scripts/render-tracker-conf.sh" "$TOP/lab/tracker.conf.in" \
		"$d/tracker.conf" TRACKER_ID=tracker-1 PUBLIC_HOST=127.0.0.1 \
		LISTEN_ADDR=127.0.0.1 ANNOUNCE_PORT="$TRK_PORT" \
		ADMIN_ADDR=127.0.0.1 ADMIN_PORT="$TRK_ADMIN" \
		ADMIN_TOKEN="$(cat "$LAB/secrets/admin.token")" \
		TRACKER_KEY="$(derive tracker-1)" LICENSE_KEY="$(derive license)" \
		DB_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=p2pcd user=postgres" \
		LICENSE_ENABLED=true INDEX_ENABLED=true INDEX_PORT="$INDEX_PORT" \
		SECRETS="$LAB/secrets" CONTENT_DOMAIN="content.$DOMAIN"
	setsid "$BIN/p2pcd-tracker" -c "$d/tracker.conf" >>"$d/tracker.log" 2>&1 &
	echo $! >"$d/pid"
	wait_ok 10 curl -fsS "http://127.0.0.1:$TRK_ADMIN/health" ||
		die_log "$d/tracker.log" "p2pcd-tracker did not start"
	# the AS assigns content only to a registered, live tracker
	wait_ok 15 test "$(psql -X -qAt -c "SELECT count(*) FROM trackers WHERE id = 'tracker-1'")" = 1 ||
		die_log "$d/tracker.log" "p2pcd-tracker did not register"
}

# kamailio_start NAME CFG DEFINES...: packaged Kamailio, PID file, ctl socket
kamailio_start() {
	local name=$1 cfg=$2 d=$LAB/$1
	shift 2
	alive "$d/pid" && return 0
	mkdir -p "$d"
	setsid /usr/sbin/kamailio -f "$TOP/kamailio-cfg/$cfg" -Y "$d" -P "$d/pid" \
		-m 256 -M 16 "$@" -DD -E >>"$d/kamailio.log" 2>&1 &
	wait_ok 15 kamcmd -s "unix:$d/ctl.sock" core.version ||
		die_log "$d/kamailio.log" "kamailio ($name) did not start"
}

start_as() {
	kamailio_start as as.cfg \
		-A "P2PCD_SO=\"$TOP/build/module/p2pcd.so\"" \
		-A "P2PCD_CTL=\"unix:$LAB/as/ctl.sock\"" \
		-A "P2PCD_ADDR=\"127.0.0.1\"" -A "P2PCD_PORT=$AS_PORT" \
		-A "P2PCD_DB_URL=\"$DB_URL\"" \
		-A "P2PCD_TRUSTED=\"$EDGE_ADDR/32\"" \
		-A "P2PCD_ACCESS=\"127.0.0.1:$INDEX_PORT\"" \
		-A "P2PCD_DOMAIN=\"content.$DOMAIN\"" \
		-A "P2PCD_MASTER_KEY_FILE=\"$LAB/secrets/master.hex\"" \
		-A P2PCD_CHILDREN=2 -A P2PCD_ASYNC=2
}

start_edge() {
	kamailio_start edge edge.cfg \
		-A "EDGE_ADDR=\"$EDGE_ADDR\"" -A "EDGE_PORT=$EDGE_PORT" \
		-A "EDGE_DOMAIN=\"$DOMAIN\"" \
		-A "EDGE_CTL=\"unix:$LAB/edge/ctl.sock\"" \
		-A "EDGE_DB_URL=\"$DB_URL\"" \
		-A "EDGE_AS=\"sip:127.0.0.1:$AS_PORT\""
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
	local up=stopped
	if [ -f "$LAB/pg/data/postmaster.pid" ]; then
		pg_env
		echo "postgresql   127.0.0.1:$PGPORT, database p2pcd"
		echo "             psql: $("$TOP/scripts/pgctl.sh" env "$LAB/pg" | sed 's/^export //') PGDATABASE=p2pcd psql"
	else
		echo "postgresql   stopped"
	fi
	alive "$LAB/tracker-1/pid" && up="http://127.0.0.1:$TRK_PORT/announce/TOKEN and /license, index https://127.0.0.1:$INDEX_PORT/ (CA $LAB/secrets/index-cert.pem), admin http://127.0.0.1:$TRK_ADMIN (bearer: $LAB/secrets/admin.token)"
	echo "tracker-1    $up"
	up=stopped
	alive "$LAB/as/pid" && up="sip:127.0.0.1:$AS_PORT (udp, tcp), p2pcd $(kamcmd -s "unix:$LAB/as/ctl.sock" p2pcd.version), rpc: kamcmd -s unix:$LAB/as/ctl.sock p2pcd.content_list"
	echo "AS           $up"
	up=stopped
	alive "$LAB/edge/pid" && up="sip:$EDGE_ADDR:$EDGE_PORT (udp, tcp), domain $DOMAIN, users alice (publisher), bob, carol, dave; password = user name"
	echo "edge proxy   $up"
}

case "${1:-}" in
start)
	mkdir -p "$LAB"
	make -s -C "$TOP" all >/dev/null
	secrets
	start_pg
	start_tracker
	start_as
	start_edge
	status
	echo "lab: running; logs in $LAB/*/; stop it with: make lab-stop"
	;;
demo)
	export LAB_DIR=$LAB LAB_EDGE=$EDGE_ADDR:$EDGE_PORT LAB_DOMAIN=$DOMAIN \
		LAB_INDEX=https://127.0.0.1:$INDEX_PORT LAB_AS_CTL=unix:$LAB/as/ctl.sock
	pg_env
	exec "$TOP/scripts/lab-demo.sh"
	;;
stop)
	for p in edge as tracker-1; do
		stop_pidfile "$LAB/$p/pid"
	done
	"$TOP/scripts/pgctl.sh" stop "$LAB/pg"
	echo "lab: stopped"
	;;
status) status ;;
*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
