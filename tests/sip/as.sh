# Helpers for the p2pcd module suites (tests/suites/5*-module-*.sh): start
# the packaged Kamailio with kamailio-cfg/as.cfg and the module built from
# this tree against the suite's throwaway PostgreSQL (tests/lib/pg.sh), talk
# SIP to it with sipp and the scenarios of tests/sip/, RPC with kamcmd.
# shellcheck shell=bash
# Requires tests/lib/common.sh and tests/lib/pg.sh sourced, pg_start done.

AS_SO=$TOP/build/module/p2pcd.so
AS_CFG=$TOP/kamailio-cfg/as.cfg
AS_MASTER=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
AS_PID=
AS_TMP=
AS_PORT=
AS_SOCK=

# as_build: build the module (and lib/), no warning allowed
as_build() {
	mktemp_dir AS_TMP as
	if ! make -s -C "$TOP/modules/p2pcd" >"$AS_TMP/build.log" 2>&1; then
		cat "$AS_TMP/build.log" >&2
		fail "make -C modules/p2pcd failed"
	fi
	if grep -qE '\.[ch]:[0-9]+(:[0-9]+)?: warning:' "$AS_TMP/build.log"; then
		cat "$AS_TMP/build.log" >&2
		fail "the module build printed warnings"
	fi
	on_exit as_stop
}

# as_start [-A NAME=VALUE...]: start the AS on a free port, wait for
# kamcmd. The defines given replace the defaults of the same name. A start
# that fails (e.g. the port was taken meanwhile by another program) is
# retried on another port, twice.
as_start() {
	local try
	# a log per start: a previous instance's shutdown lines stay apart
	[ -f "$AS_TMP/kamailio.log" ] &&
		mv -f "$AS_TMP/kamailio.log" "$AS_TMP/kamailio.log.prev"
	for try in 1 2 3; do
		_as_start_once "$@" && return 0
		echo "  (kamailio start $try failed; last log lines:)" >&2
		tail -n 8 "$AS_TMP/kamailio.log" >&2
	done
	fail "kamailio did not start"
}
_as_start_once() {
	local i d name args=("$@") defs=()
	AS_PORT=$(free_port)
	AS_SOCK=$AS_TMP/ctl.sock
	mkdir -p "$AS_TMP/run"
	rm -f "$AS_SOCK"
	for d in "P2PCD_SO=\"$AS_SO\"" "P2PCD_CTL=\"unix:$AS_SOCK\"" \
		"P2PCD_PORT=$AS_PORT" P2PCD_CHILDREN=2 P2PCD_ASYNC=2 \
		"P2PCD_DB_URL=\"postgres://$PGUSER@127.0.0.1:$PGPORT/$PGDATABASE\"" \
		'P2PCD_TRUSTED="127.0.0.1/32,::1/128"' 'P2PCD_ACCESS="access.test"' \
		'P2PCD_DOMAIN="content.test"' "P2PCD_MASTER_KEY=\"$AS_MASTER\""; do
		name=${d%%=*}
		[[ " ${args[*]} " == *" $name="* ]] || defs+=(-A "$d")
	done
	kamailio -f "$AS_CFG" -DD -E -Y "$AS_TMP/run" -P "$AS_TMP/run/pid" \
		-m "${AS_SHM:-256}" -M 16 -w "$AS_TMP" "${defs[@]}" "$@" \
		>>"$AS_TMP/kamailio.log" 2>&1 &
	AS_PID=$!
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$AS_PID" 2>/dev/null; then
			wait "$AS_PID" 2>/dev/null || true
			AS_PID=
			return 1
		fi
		if [ -S "$AS_SOCK" ] && timeout 3 kamcmd -s "unix:$AS_SOCK" \
			core.uptime >/dev/null 2>&1; then
			ok "kamailio $AS_PID up on 127.0.0.1:$AS_PORT (udp, tcp)"
			return 0
		fi
		sleep 0.1
	done
	as_stop
	return 1
}

# as_stop: SIGTERM by PID, bounded wait, SIGKILL as the last resort
as_stop() {
	local pid=$AS_PID i
	[ -n "$pid" ] || return 0
	AS_PID=
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# as_log_errors: fail if the AS logged an error other than the expected
# database errors of a fault test (pattern in $1, may be empty)
as_log_errors() {
	local allow=${1:-^$}
	if grep -E ' (ERROR|CRITICAL|ALERT|BUG): ' "$AS_TMP/kamailio.log" |
		grep -vE "$allow" >&2; then
		fail "kamailio logged errors (above)"
	fi
	ok "no unexpected errors in the kamailio log"
}

rpc() { timeout 5 kamcmd -s "unix:$AS_SOCK" "$@"; }

# sip SCENARIO [sipp arguments]: run one call of tests/sip/SCENARIO.xml
# against the AS; the received messages go to $SIP_TRACE and the status
# codes of the responses, in order, to $SIP_CODES.
SIP_TRACE=
SIP_CODES=
SIP_N=0
SIP_DEST=127.0.0.1
sip() {
	local sc=$1
	shift
	SIP_N=$((SIP_N + 1))
	SIP_TRACE=$AS_TMP/sip-$SIP_N.trace
	# no -p: sipp binds a free port the system picks. -nr: no sipp
	# retransmissions (over loopback nothing is lost; a duplicate answer
	# can make sipp re-send its request forever)
	(cd "$AS_TMP" && timeout 30 sipp "$SIP_DEST:$AS_PORT" \
		-sf "$TOP/tests/sip/$sc.xml" -m 1 -nr \
		-recv_timeout 8000 -timeout 20 -timeout_error -nostdin \
		-trace_msg -message_file "$SIP_TRACE" "$@" \
		>"$AS_TMP/sipp-$SIP_N.log" 2>&1) || true
	[ -f "$SIP_TRACE" ] || : >"$SIP_TRACE"
	SIP_CODES=$(awk '/^SIP\/2\.0 [0-9][0-9][0-9]/ { printf "%s%s", s, $2; s=" " }' \
		"$SIP_TRACE")
}

# sip_hdr NAME: values of a header in the responses of the last sip call
sip_hdr() {
	awk -v h="$1" 'BEGIN { IGNORECASE = 1 }
		/^SIP\/2\.0 / { inr = 1 }
		/^(INVITE|MESSAGE|PUBLISH|OPTIONS) / { inr = 0 }
		inr && tolower($0) ~ "^" tolower(h) ":" {
			sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print }' "$SIP_TRACE"
}

# expect_sip WHAT WANT-CODES SCENARIO [sipp arguments]
expect_sip() {
	local what=$1 want=$2
	shift 2
	sip "$@"
	if [ "$SIP_CODES" != "$want" ]; then
		echo "--- sipp trace ---" >&2
		tail -n 40 "$SIP_TRACE" >&2
		tail -n 5 "$AS_TMP/sipp-$SIP_N.log" >&2
		fail "$what: got SIP '$SIP_CODES', want '$want'"
	fi
	ok "$what: SIP $want"
}

# The lab edge proxy (kamailio-cfg/edge.cfg) on EDGE_ADDR (default
# 127.0.0.3), forwarding to the AS started by as_start.
EDGE_PID=
EDGE_PORT=
EDGE_ADDR=127.0.0.3
edge_start() {
	local try
	on_exit edge_stop
	[ -f "$AS_TMP/edge.log" ] && mv -f "$AS_TMP/edge.log" "$AS_TMP/edge.log.prev"
	for try in 1 2 3; do
		_edge_start_once && return 0
		echo "  (edge proxy start $try failed; last log lines:)" >&2
		tail -n 8 "$AS_TMP/edge.log" >&2
	done
	fail "the edge proxy did not start"
}
_edge_start_once() {
	local i
	EDGE_PORT=$(free_port)
	mkdir -p "$AS_TMP/edge"
	kamailio -f "$TOP/kamailio-cfg/edge.cfg" -DD -E -Y "$AS_TMP/edge" \
		-P "$AS_TMP/edge/pid" -m 64 -M 8 -w "$AS_TMP" \
		-A "EDGE_ADDR=\"$EDGE_ADDR\"" -A "EDGE_PORT=$EDGE_PORT" \
		-A "EDGE_CTL=\"unix:$AS_TMP/edge/ctl.sock\"" \
		-A "EDGE_DB_URL=\"postgres://$PGUSER@127.0.0.1:$PGPORT/$PGDATABASE\"" \
		-A "EDGE_AS=\"sip:127.0.0.1:$AS_PORT\"" -A 'EDGE_DOMAIN="ims.test"' \
		>>"$AS_TMP/edge.log" 2>&1 &
	EDGE_PID=$!
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$EDGE_PID" 2>/dev/null; then
			wait "$EDGE_PID" 2>/dev/null || true
			EDGE_PID=
			return 1
		fi
		if timeout 3 kamcmd -s "unix:$AS_TMP/edge/ctl.sock" core.uptime \
			>/dev/null 2>&1; then
			ok "edge proxy $EDGE_PID up on $EDGE_ADDR:$EDGE_PORT"
			return 0
		fi
		sleep 0.1
	done
	edge_stop
	return 1
}
edge_stop() {
	local pid=$EDGE_PID i
	[ -n "$pid" ] || return 0
	EDGE_PID=
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
# edge_sip WHAT WANT-CODES SCENARIO [sipp arguments]: tests/sip/SCENARIO.xml
# (edge-message, edge-publish) sent to the edge proxy
edge_sip() {
	local what=$1 want=$2 save=$AS_PORT
	shift 2
	AS_PORT=$EDGE_PORT
	SIP_DEST=$EDGE_ADDR
	expect_sip "$what" "$want" "$@"
	AS_PORT=$save
	SIP_DEST=127.0.0.1
}

# have_ipv6: 0 if ::1 can be bound here (containers often lack IPv6)
have_ipv6() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::1", 0))' 2>/dev/null
}
# AS_V6: the -A define that adds the [::1] listener, when IPv6 works
# (P2PCD_TEST_NO_IPV6=1 pretends it does not)
AS_V6=()
if [ -z "${P2PCD_TEST_NO_IPV6:-}" ] && have_ipv6; then
	AS_V6=(-A 'P2PCD_ADDR6="[::1]"')
fi
