#!/usr/bin/env bash
# 56-module-faults: the p2pcd AS (packaged Kamailio, kamailio-cfg/as.cfg)
# losing its parts under load, with sipp sending at a steady rate over
# UDP (retransmitting as RFC 3261 says):
# 1. Kamailio killed mid-stream (every process SIGKILLed, as a crash or a
#    cgroup kill does; and a SIGTERM shutdown) while PUBLISHes and
#    MESSAGEs flow, restarted on the same port: by SQL, no half-published
#    content (every content row has its torrent, content key and seed
#    grant), every charging record has its grant and every purchase grant
#    its charging record, every 200 has its rows, and the restarted AS
#    answers.
# 2. PostgreSQL stopped (pg_ctl stop -m fast) during MESSAGEs at a fixed
#    rate, then started: answers during the outage are 503 with
#    Retry-After, never 200 without rows; nothing charged without a grant
#    nor a grant without a charge; 200s again after it returns.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
echo "56-module-faults"

for tool in kamailio kamcmd sipp python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

pg_start
as_build
q "INSERT INTO trackers (id, announce_url, state, last_seen, peers)
	VALUES ('trk-1', 'http://127.0.0.1:6969/announce', 'active', now(), 5);
INSERT INTO publishers (impu) VALUES ('sip:pub@ims.test');
INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
	tracker_id, publisher, price_cents) VALUES
 ('10.9999/t.one', 'One', decode(repeat('11', 20), 'hex'),
	decode(repeat('a1', 16), 'hex'), 1000, 'active', 'trk-1',
	'sip:pub@ims.test', 150)" >/dev/null

# one port for every start: sipp keeps sending to it across restarts
PORT=$(free_port)
start() {
	as_start -A "P2PCD_PORT=$PORT" -A P2PCD_RETRY_AFTER=5 -A P2PCD_CHILDREN=4
	AS_PORT=$PORT
}
pids() { { echo "$AS_PID"; ps -o pid= --ppid "$AS_PID"; } | tr -d ' ' | sort -n | tr '\n' ' '; }
# crash SIGNAL: that signal to the AS, then restart it. KILL goes to
# every process of the AS (a crash of the whole service); TERM to the
# main process (a shutdown: it stops its children).
crash() {
	local sig=$1 old=$AS_PID list p i
	list=$(pids)
	if [ "$sig" = KILL ]; then
		for p in $list; do kill -KILL "$p" 2>/dev/null || true; done
	else
		kill -TERM "$old"
	fi
	for ((i = 0; i < 100; i++)); do
		alive=
		for p in $list; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	[ -z "$alive" ] || fail "kamailio processes survived SIG$sig: $list"
	wait "$old" 2>/dev/null || true
	AS_PID=
	ok "SIG$sig to kamailio ($(wc -w <<<"$list") processes) while sipp was sending"
	start
	ok "restarted on port $PORT"
}
start

# parse TRACE: one line per answer received, in order:
# STATUS CALL-ID RETRY-AFTER(or -) GRANT-ID(or -) DOI(or -); and on stderr
# the number of requests sent more than once (retransmissions)
cat >"$AS_TMP/answers.py" <<'PY'
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
sent = {}
for block in re.split(r"^-{20,} .*$", text, flags=re.M):
    lines = block.strip("\r\n").split("\n")
    if len(lines) < 3:
        continue
    msg = [l.rstrip("\r") for l in lines[1:]]
    while msg and msg[0] == "":
        msg.pop(0)
    hdr = {}
    for l in msg[1:]:
        if l == "":
            break
        if ":" in l:
            k, v = l.split(":", 1)
            hdr.setdefault(k.strip().lower(), v.strip())
    cid = hdr.get("call-id", "-")
    if "message sent" in lines[0]:
        sent[cid] = sent.get(cid, 0) + 1
        continue
    if "message received" not in lines[0] or not msg[0].startswith("SIP/2.0 "):
        continue
    ci = hdr.get("call-info", "")
    g = re.search(r"/grants/([A-Za-z0-9_-]{22})>", ci)
    d = re.search(r"<sip:([^@>]+)@content\.test>", ci)
    print(msg[0].split()[1], cid, hdr.get("retry-after", "-"),
          g.group(1) if g else "-", d.group(1) if d else "-")
print(sum(1 for n in sent.values() if n > 1), file=sys.stderr)
PY

echo "--- 1. Kamailio killed and restarted during PUBLISHes and MESSAGEs"
# 600 distinct publications (tests/sip/pubbody.py), one JSON body a line
python3 - "$TOP/tests/sip/pubbody.py" >"$AS_TMP/pub.csv" <<'PY'
import io, runpy, sys
from contextlib import redirect_stdout
script = sys.argv[1]
out = ["SEQUENTIAL"]
for i in range(600):
    sys.argv = [script, "fault-%d" % i]
    buf = io.StringIO()
    with redirect_stdout(buf):
        runpy.run_path(script, run_name="__main__")
    assert ";" not in buf.getvalue()
    out.append(buf.getvalue())
print("\n".join(out))
PY
# load NAME SCENARIO RATE CALLS [sipp arguments]: sipp in the background
load() {
	local name=$1 sc=$2 rate=$3 calls=$4
	shift 4
	(cd "$AS_TMP" && exec timeout 90 sipp "127.0.0.1:$PORT" \
		-sf "$TOP/tests/sip/$sc.xml" -r "$rate" -m "$calls" -l 400 \
		-recv_timeout 15000 -timeout 80 -nostdin -trace_msg \
		-message_file "$AS_TMP/$name.trace" "$@" \
		>"$AS_TMP/$name.log" 2>&1) &
	LOAD_PID=$!
}
load pub hostile-load-publish 40 600 -inf "$AS_TMP/pub.csv"
PUB_SIPP=$LOAD_PID
load msg hostile-load-message 60 900 -s 10.9999/t.one
MSG_SIPP=$LOAD_PID
sleep 3
kill -0 "$PUB_SIPP" && kill -0 "$MSG_SIPP" || fail "sipp ended before the faults"
crash KILL
sleep 3
crash TERM
sleep 3
kill -0 "$PUB_SIPP" || fail "the PUBLISH sipp ended before the last fault"
crash KILL
wait "$PUB_SIPP" || true
wait "$MSG_SIPP" || true

python3 "$AS_TMP/answers.py" "$AS_TMP/pub.trace" >"$AS_TMP/pub.ans" 2>"$AS_TMP/pub.rt"
python3 "$AS_TMP/answers.py" "$AS_TMP/msg.trace" >"$AS_TMP/msg.ans" 2>"$AS_TMP/msg.rt"
pub200=$(awk '$1 == 200' "$AS_TMP/pub.ans" | sort -u -k2,2 | wc -l)
msg200=$(awk '$1 == 200' "$AS_TMP/msg.ans" | sort -u -k2,2 | wc -l)
echo "  PUBLISH: $pub200 answered 200, $(awk '$1 != 200' "$AS_TMP/pub.ans" | wc -l) other answers, $(cat "$AS_TMP/pub.rt") retransmitted"
echo "  MESSAGE: $msg200 answered 200, $(awk '$1 != 200' "$AS_TMP/msg.ans" | wc -l) other answers, $(cat "$AS_TMP/msg.rt") retransmitted"
echo "  PUBLISH answers other than 200: $(awk '$1 != 200 { print $1 }' "$AS_TMP/pub.ans" | sort | uniq -c | tr -s ' \n' ' ')"
echo "  MESSAGE answers other than 200: $(awk '$1 != 200 { print $1 }' "$AS_TMP/msg.ans" | sort | uniq -c | tr -s ' \n' ' ')"
[ "$(cat "$AS_TMP/pub.rt")" -gt 0 ] && [ "$(cat "$AS_TMP/msg.rt")" -gt 0 ] ||
	fail "no request was outstanding during the kills (no retransmission)"
ok "requests were in flight during the kills (retransmitted)"
# every call ends with 200: a retransmission that reaches the restarted AS
# after its first copy committed gets the stored publication (the same
# seed grant, a new SIP-ETag), not 409
expect_eq "PUBLISH calls answered 200 (of 600)" "$pub200" 600
expect_eq "PUBLISH answers other than 200" "$(awk '$1 != 200' "$AS_TMP/pub.ans" | wc -l)" 0
expect_eq "MESSAGE calls answered 200 (of 900)" "$msg200" 900
expect_eq "MESSAGE answers other than 200" "$(awk '$1 != 200' "$AS_TMP/msg.ans" | wc -l)" 0
# answers came before the first kill and after the last restart
[ "$(head -n 20 "$AS_TMP/pub.ans" | awk '$1 == 200' | wc -l)" -gt 0 ] &&
	[ "$(tail -n 20 "$AS_TMP/pub.ans" | awk '$1 == 200' | wc -l)" -gt 0 ] ||
	fail "no 200 at the start or the end of the PUBLISH stream"
ok "PUBLISHes answered 200 before the first kill and after the last restart"

expect_eq "content rows lacking their torrent, content key or seed grant" \
	"$(q "SELECT count(*) FROM content c WHERE c.doi LIKE '%/p2pcd.%' AND (
		NOT EXISTS (SELECT 1 FROM torrents t WHERE t.doi = c.doi) OR
		NOT EXISTS (SELECT 1 FROM content_keys k WHERE k.doi = c.doi
			AND k.kid = c.kid) OR
		NOT EXISTS (SELECT 1 FROM grants g WHERE g.doi = c.doi
			AND g.role = 'seed' AND g.impu = c.publisher))")" 0
published=$(q "SELECT count(*) FROM content WHERE doi LIKE '%/p2pcd.%'")
expect_eq "torrents, content keys, seed grants: one each per content row" \
	"$(q "SELECT (SELECT count(*) FROM torrents) || ' ' ||
		(SELECT count(*) FROM content_keys) || ' ' ||
		(SELECT count(*) FROM grants WHERE role = 'seed')")" \
	"$published $published $published"
ok "no half-published content: $published publications, each whole"
expect_eq "publications stored (one per PUBLISH call)" "$published" 600
awk '$1 == 200 { print $5 }' "$AS_TMP/pub.ans" | sort -u >"$AS_TMP/pub.dois"
expect_eq "PUBLISH 200s whose DOI has no whole publication" \
	"$(q "SELECT count(*) FROM (SELECT unnest(string_to_array('$(tr '\n' ' ' <"$AS_TMP/pub.dois" | sed 's/ $//')', ' ')) AS doi) a
		WHERE NOT EXISTS (SELECT 1 FROM content c JOIN torrents USING (doi)
			JOIN content_keys USING (doi) WHERE c.doi = a.doi)")" 0
expect_eq "distinct publications (no PUBLISH stored twice)" \
	"$(q "SELECT count(DISTINCT info_hash) FROM content WHERE doi LIKE '%/p2pcd.%'")" "$published"
expect_eq "charging records without their grant" "$(q "SELECT count(*) FROM
	charging_records r LEFT JOIN grants g ON g.id = r.grant_id AND
	g.role = 'leech' AND g.doi = r.doi AND g.impu = r.impu WHERE g.id IS NULL")" 0
expect_eq "purchase grants without their charging record" "$(q "SELECT count(*)
	FROM grants g LEFT JOIN charging_records r ON r.grant_id = g.id
	WHERE g.role = 'leech' AND r.id IS NULL")" 0
awk '$1 == 200 { print $4 }' "$AS_TMP/msg.ans" | sort -u >"$AS_TMP/msg.gids"
expect_eq "MESSAGE 200s whose grant has no charging record" \
	"$(q "SELECT count(*) FROM (SELECT unnest(string_to_array('$(tr '\n' ' ' <"$AS_TMP/msg.gids" | sed 's/ $//')', ' ')) AS id) a
		WHERE NOT EXISTS (SELECT 1 FROM charging_records r JOIN grants g
			ON g.id = r.grant_id WHERE g.id = a.id)")" 0
expect_eq "purchases charged (one per MESSAGE call)" \
	"$(q "SELECT count(*) FROM charging_records WHERE icid LIKE 'fmsg-%'")" 900

# the same PUBLISH twice as two transactions (same Call-ID and CSeq, new
# Via branch), as a retransmission reaching a restarted AS is: one
# publication, the same DOI and seed grant, a new SIP-ETag
python3 "$TOP/tests/sip/pubbody.py" replay >"$AS_TMP/replay.json"
python3 - "$PORT" "$AS_TMP/replay.json" >"$AS_TMP/replay.out" <<'PY'
import socket, sys
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); s.settimeout(5)
lp = s.getsockname()[1]
for branch in ("z9hG4bK-replay-1", "z9hG4bK-replay-2"):
    req = ("PUBLISH sip:publisher@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\nMax-Forwards: 70\r\n"
           "From: <sip:pub@ims.test>;tag=r1\r\nTo: <sip:pub@ims.test>\r\n"
           "Call-ID: replay-%d\r\nCSeq: 7 PUBLISH\r\nEvent: p2pcd-content\r\n"
           "Expires: 3600\r\nP-Asserted-Identity: <sip:pub@ims.test>\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
           % (port, lp, branch, lp, len(body))).encode() + body
    s.sendto(req, ("127.0.0.1", port))
    r = s.recv(65535).decode().split("\r\n")
    h = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in r[1:] if ":" in l}
    print(r[0], h.get("sip-etag", "-"), h.get("call-info", "-"))
PY
mapfile -t rp <"$AS_TMP/replay.out"
[[ ${rp[0]} == "SIP/2.0 200 OK "* && ${rp[1]} == "SIP/2.0 200 OK "* ]] ||
	fail "the same PUBLISH twice: ${rp[*]}"
[ "${rp[0]#* * * * }" = "${rp[1]#* * * * }" ] ||
	fail "the same PUBLISH twice: different seed grant or DOI: ${rp[*]}"
[ "$(cut -d' ' -f4 <<<"${rp[0]}")" != "$(cut -d' ' -f4 <<<"${rp[1]}")" ] ||
	fail "the same PUBLISH twice: the same SIP-ETag"
expect_eq "the same PUBLISH twice: 200, 200 with the same seed grant and DOI; publications" \
	"$(q "SELECT count(*) FROM content WHERE doi LIKE '%/p2pcd.%'")" 601

PIDS=$(pids)
expect_sip "the restarted AS: a PUBLISH" 200 publish -key event p2pcd-content \
	-key expires 3600 -key hdr1 'P-Asserted-Identity: <sip:pub@ims.test>' \
	-key hdr2 'X-Unused: 1' -key hdr3 'X-Unused: 1' -key ctype application/json \
	-key body "$(python3 "$TOP/tests/sip/pubbody.py" after-restart)"
expect_sip "the restarted AS: a MESSAGE" 200 message -s 10.9999/t.one \
	-key hdr1 'P-Asserted-Identity: <sip:late@ims.test>' -key hdr2 'X-Unused: 1' \
	-key ctype application/json -key body ""
expect_eq "the restarted AS's processes" "$(pids)" "$PIDS"

echo "--- 2. PostgreSQL stopped and started during MESSAGEs at a fixed rate"
n0=$(q "SELECT count(*) FROM charging_records")
load pg hostile-load-message 80 1200 -s 10.9999/t.one
PG_SIPP=$LOAD_PID
sleep 4
kill -0 "$PG_SIPP" || fail "sipp ended before the outage"
pg_stop
ok "pg_ctl stop -m fast while sipp was sending"
sleep 4
pg_restart
ok "PostgreSQL started again"
wait "$PG_SIPP" || true
python3 "$AS_TMP/answers.py" "$AS_TMP/pg.trace" >"$AS_TMP/pg.ans" 2>/dev/null
# the first answer per call (a retransmission may be answered again)
awk '!seen[$2]++' "$AS_TMP/pg.ans" >"$AS_TMP/pg.first"
total=$(wc -l <"$AS_TMP/pg.first")
n200=$(awk '$1 == 200' "$AS_TMP/pg.first" | wc -l)
n503=$(awk '$1 == 503' "$AS_TMP/pg.first" | wc -l)
echo "  $total calls answered: $n200 x 200, $n503 x 503, $((total - n200 - n503)) other"
[ "$total" -ge 1150 ] || fail "only $total of 1200 calls answered"
expect_eq "answers other than 200 and 503" "$((total - n200 - n503))" 0
[ "$n503" -gt 0 ] || fail "no 503 during the outage"
expect_eq "503s without Retry-After: 5" \
	"$(awk '$1 == 503 && $3 != 5' "$AS_TMP/pg.ans" | wc -l)" 0
expect_eq "200s without a grant reference" "$(awk '$1 == 200 && $4 == "-"' "$AS_TMP/pg.ans" | wc -l)" 0
# the outage is one block: 200s, then 503s, then 200s again
expect_eq "pattern of the answers in time order" \
	"$(awk '{ print $1 }' "$AS_TMP/pg.first" | uniq | tr '\n' ' ')" "200 503 200 "
tail_ok=$(tail -n 100 "$AS_TMP/pg.first" | awk '$1 == 200' | wc -l)
expect_eq "200s among the last 100 answers (recovered)" "$tail_ok" 100
awk '$1 == 200 { print $4 }' "$AS_TMP/pg.ans" | sort -u >"$AS_TMP/pg.gids"
expect_eq "200s whose grant and charging record are missing" \
	"$(q "SELECT count(*) FROM (SELECT unnest(string_to_array('$(tr '\n' ' ' <"$AS_TMP/pg.gids" | sed 's/ $//')', ' ')) AS id) a
		WHERE NOT EXISTS (SELECT 1 FROM charging_records r JOIN grants g
			ON g.id = r.grant_id WHERE g.id = a.id)")" 0
expect_eq "charged during the load = distinct 200 grants" \
	"$(($(q "SELECT count(*) FROM charging_records") - n0))" "$(wc -l <"$AS_TMP/pg.gids")"
expect_eq "charging records without their grant" "$(q "SELECT count(*) FROM
	charging_records r LEFT JOIN grants g ON g.id = r.grant_id WHERE g.id IS NULL")" 0
expect_eq "purchase grants without their charging record" "$(q "SELECT count(*)
	FROM grants g LEFT JOIN charging_records r ON r.grant_id = g.id
	WHERE g.role = 'leech' AND r.id IS NULL")" 0
expect_eq "the AS's processes after the outage" "$(pids)" "$PIDS"

as_log_errors 'db_postgres|srdb1|db_query\.c|p2pcd_db\.c|connection|server closed'
as_stop
echo "56-module-faults: PASS"
