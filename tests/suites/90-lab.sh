#!/usr/bin/env bash
# The README's lab command works: scripts/lab.sh start brings up PostgreSQL,
# p2pcd-tracker, the AS and the edge proxy in a directory of its own (here a
# temporary one, on free ports), they talk to each other (the tracker
# registered in the database is live for the AS), the AS refuses a request
# that does not come through the edge, and stop ends every process.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/lab.sh"

lab_ports lab
on_exit "'$TOP/scripts/lab.sh' stop >/dev/null 2>&1"

out=$("$TOP/scripts/lab.sh" start 2>&1) || { echo "$out"; fail "lab start"; }
echo "$out" | sed 's/^/    /'
for part in postgresql tracker-1 AS "edge proxy"; do
	echo "$out" | grep -E "^$part +" | grep -vq stopped && ok "$part running" ||
		fail "$part not running"
done

as_ctl="unix:$LAB_DIR/as/ctl.sock"
kamcmd -s "$as_ctl" p2pcd.tracker_list | grep -q 'live: true' &&
	ok "the AS sees tracker-1 live" || fail "tracker-1 not live for the AS"

# A MESSAGE straight to the AS from 127.0.0.1 (not the edge): 403.
mktemp_dir D lab-sip
cat >"$D/msg.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="direct MESSAGE">
  <send><![CDATA[
MESSAGE sip:10.9999%2Fnone@content.ims.test SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:bob@ims.test>;tag=[call_number]
To: <sip:10.9999%2Fnone@content.ims.test>
Call-ID: [call_id]
CSeq: 1 MESSAGE
P-Asserted-Identity: <sip:bob@ims.test>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="403"/>
</scenario>
XML
sipp -sf "$D/msg.xml" -m 1 -i 127.0.0.1 -p "$(free_port)" \
	-timeout 10 -recv_timeout 5000 127.0.0.1:"$LAB_AS_PORT" \
	>"$D/sipp.out" 2>&1 && ok "AS answers 403 to a request not from the edge" ||
	{ tail -5 "$D/sipp.out"; fail "expected 403 from the AS"; }

"$TOP/scripts/lab.sh" stop >/dev/null
for f in tracker-1 as edge; do
	[ ! -f "$LAB_DIR/$f/pid" ] || fail "$f pid file left"
done
! pgrep -f "$LAB_DIR" >/dev/null && ok "lab stop ended every process" ||
	fail "processes left: $(pgrep -af "$LAB_DIR")"
