#!/usr/bin/env bash
# 30-module-load: the packaged /usr/sbin/kamailio loads the p2pcd module
# built from this tree and the module works end to end:
#   1. make -C modules/p2pcd (fetches/configures the Kamailio source once)
#   2. kamailio -c accepts the config with p2pcd.so (version and compile
#      flags match the binary)
#   3. kamailio runs on 127.0.0.1 (free UDP port, private runtime dir)
#   4. a SIP OPTIONS (sipp) gets "200 p2pcd" from p2pcd_ping()
#   5. kamcmd p2pcd.version answers the module version
#   6. kamcmd stats.get_statistics p2pcd: lists the p2pcd group
#   7. kamailio logged no error and stops on SIGTERM
#   8. the KEMI twin: the same OPTIONS routed by a JavaScript script
#      (app_jsdt) calling KSR.p2pcd.p2pcd_ping() gets "200 p2pcd"
# Every wait is bounded; kamailio is stopped by its PID on exit, also on
# failure.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
KAMCMD=${KAMCMD:-kamcmd}
CFG=$TOP/kamailio-cfg/test-load.cfg
SO=$TOP/build/module/p2pcd.so
START_TIMEOUT=${START_TIMEOUT:-20}
STOP_TIMEOUT=${STOP_TIMEOUT:-10}

name=30-module-load
log() { echo "$name: $*"; }
fail() {
	echo "$name: FAIL: $*" >&2
	exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/p2pcd-30.XXXXXX")
kpid=

stop_kamailio() {
	local pid=$kpid children c i
	[ -n "$pid" ] || return 0
	kpid=
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null || true
		return 0
	}
	children=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$name: kamailio $pid ignored SIGTERM, killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		for c in $children; do
			kill -KILL "$c" 2>/dev/null || true
		done
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	wait "$pid" 2>/dev/null || true
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT
	stop_kamailio || true
	if [ "$rc" -ne 0 ] && [ -s "$tmp/kamailio.log" ]; then
		echo "$name: --- last lines of the kamailio log ---" >&2
		tail -n 40 "$tmp/kamailio.log" >&2
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A UDP port free on 127.0.0.1 right now (one per call).
free_udp_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

for tool in "$KAMAILIO" "$KAMCMD" sipp python3 make timeout; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

# 1. build
t0=${EPOCHREALTIME/./}
make -s -C "$TOP/modules/p2pcd" >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log" >&2
	fail "make -C modules/p2pcd failed"
}
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
[ -f "$SO" ] || fail "$SO was not built"
if grep -qE '\.[ch]:[0-9]+(:[0-9]+)?: warning:' "$tmp/build.log"; then
	cat "$tmp/build.log" >&2
	fail "the module build printed warnings"
fi
log "ok: module built in ${ms} ms: $SO"

rundir=$tmp/run
mkdir -p "$rundir"
sock=$rundir/ctl.sock
sip_port=

# start_kamailio NAME [extra -A defines...]: start on a fresh free port,
# wait (bounded) until the ctl socket answers.
start_kamailio() {
	local tag=$1 i
	shift
	sip_port=$(free_udp_port)
	rm -f "$sock"
	"$KAMAILIO" -f "$CFG" -DD -E -Y "$rundir" -P "$rundir/kamailio.pid" \
		-m 64 -M 8 -w "$tmp" "${defs[@]}" -A "P2PCD_PORT=$sip_port" "$@" \
		>"$tmp/kamailio.log" 2>&1 &
	kpid=$!
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		kill -0 "$kpid" 2>/dev/null || fail "kamailio ($tag) exited during start"
		if [ -S "$sock" ] && timeout 3 "$KAMCMD" -s "unix:$sock" \
			core.uptime >/dev/null 2>&1; then
			log "ok: kamailio $kpid ($tag) up on udp:127.0.0.1:$sip_port, ctl unix:$sock"
			return 0
		fi
		sleep 0.1
	done
	fail "kamailio ($tag) did not answer on $sock within ${START_TIMEOUT}s"
}

# stop_checked NAME: no errors logged, stops on SIGTERM in time.
stop_checked() {
	local pid=$kpid
	if grep -E ' (ERROR|CRITICAL|ALERT|BUG): ' "$tmp/kamailio.log" >&2; then
		fail "kamailio ($1) logged errors (above)"
	fi
	stop_kamailio || fail "kamailio $pid ($1) did not stop within ${STOP_TIMEOUT}s of SIGTERM"
	log "ok: no errors in the kamailio log; kamailio $pid ($1) stopped on SIGTERM"
}

cat >"$tmp/ping.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="p2pcd ping">
  <send retrans="500">
    <![CDATA[

      OPTIONS sip:p2pcd@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:p2pcd@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <recv response="200">
    <action>
      <ereg regexp="^SIP/2\.0 200 p2pcd[[:space:]]" search_in="msg"
        check_it="true" assign_to="status"/>
    </action>
  </recv>
  <Reference variables="status"/>
</scenario>
XML

# sip_ping NAME: one OPTIONS, expect "200 p2pcd" (sipp exits 0 only then).
sip_ping() {
	local sipp_port
	sipp_port=$(free_udp_port)
	while [ "$sipp_port" = "$sip_port" ]; do sipp_port=$(free_udp_port); done
	rm -f "$tmp/sipp-errors.log"
	if ! (cd "$tmp" && timeout 30 sipp "127.0.0.1:$sip_port" -sf ping.xml \
		-i 127.0.0.1 -p "$sipp_port" -m 1 -recv_timeout 5000 \
		-timeout 15 -timeout_error -nostdin \
		-trace_err -error_file "$tmp/sipp-errors.log" \
		>"$tmp/sipp.log" 2>&1); then
		cat "$tmp/sipp-errors.log" >&2 2>/dev/null ||
			tail -n 30 "$tmp/sipp.log" >&2
		fail "sipp ($1): no '200 p2pcd' answer to OPTIONS"
	fi
	log "ok: OPTIONS answered '200 p2pcd' by $1"
}

defs=(-A "P2PCD_SO=\"$SO\"" -A "P2PCD_CTL=\"unix:$sock\"")

# 2. config check: the loader accepts the module
if ! timeout 30 "$KAMAILIO" -c -f "$CFG" -Y "$rundir" "${defs[@]}" \
	>"$tmp/check.log" 2>&1; then
	cat "$tmp/check.log" >&2
	fail "kamailio -c refused the config (see above; 'mismatch' means the tree does not match the binary)"
fi
grep -q 'config file ok' "$tmp/check.log" || {
	cat "$tmp/check.log" >&2
	fail "kamailio -c did not report 'config file ok'"
}
log "ok: $KAMAILIO -c accepts $CFG with p2pcd.so"

# 3. start
start_kamailio native

# 4. SIP OPTIONS -> 200 p2pcd
sip_ping "p2pcd_ping() in request_route"

# 5. RPC p2pcd.version
want=$(sed -n 's/^#define P2PCD_VERSION "\(.*\)"$/\1/p' \
	"$TOP/modules/p2pcd/p2pcd.h")
[ -n "$want" ] || fail "cannot read P2PCD_VERSION from modules/p2pcd/p2pcd.h"
got=$(timeout 5 "$KAMCMD" -s "unix:$sock" p2pcd.version) ||
	fail "kamcmd p2pcd.version failed: $got"
[ "$got" = "$want" ] || fail "p2pcd.version answered '$got', expected '$want'"
doc=$(timeout 5 "$KAMCMD" -s "unix:$sock" system.methodHelp p2pcd.version) ||
	fail "kamcmd system.methodHelp p2pcd.version failed"
[ -n "$doc" ] || fail "p2pcd.version has no doc string"
log "ok: kamcmd p2pcd.version = $got (doc: $doc)"

# 6. statistics group p2pcd:
stats=$(timeout 5 "$KAMCMD" -s "unix:$sock" stats.get_statistics p2pcd:) ||
	fail "kamcmd stats.get_statistics p2pcd: failed"
grep -q '^p2pcd:acquisitions = [0-9]' <<<"$stats" ||
	fail "statistics group p2pcd: lacks acquisitions: $stats"
log "ok: statistics group p2pcd: $(tr '\n' ' ' <<<"$stats")"

# 7. clean log, clean stop
stop_checked native

# 8. KEMI: KSR.p2pcd.p2pcd_ping() from a JavaScript routing script
cat >"$tmp/route.js" <<'JS'
function ksr_request_route() {
	if (KSR.is_ACK()) {
		return;
	}
	KSR.p2pcd.p2pcd_ping();
}
JS
start_kamailio kemi -A "P2PCD_KEMI_JS=\"$tmp/route.js\""
sip_ping "KSR.p2pcd.p2pcd_ping() (app_jsdt)"
stop_checked kemi

log "PASS"
