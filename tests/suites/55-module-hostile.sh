#!/usr/bin/env bash
# 55-module-hostile: malformed and hostile SIP against the packaged
# Kamailio with the p2pcd module (kamailio-cfg/as.cfg) and a throwaway
# PostgreSQL. sipp scenarios tests/sip/hostile-*.xml (and raw datagrams or
# TCP streams for what sipp cannot send: NUL bytes, lying
# Content-Length): forged or missing identities from untrusted and trusted
# sources, forged identities through the lab edge proxy, oversized bodies
# (UDP and TCP), wrong media types, SQL metacharacters and NUL in DOIs and
# titles, Unicode titles stored byte-exact, invalid UTF-8, JSON of the
# wrong shape, duplicate keys, huge numbers, deep nesting. Each refusal:
# its exact status and reason phrase, nothing charged (charging_records,
# grants), nothing stored (content, torrents, content_keys); afterwards the
# same Kamailio processes are alive and still answer valid requests.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
echo "55-module-hostile"

for tool in kamailio kamcmd sipp python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

pg_start
as_build

# a DOI made of SQL metacharacters, and what its content URI user part
# looks like (RFC 3261: ' and ; may stay, " and \ are %-escaped)
EVIL_DOI='10.9999/q'"'"';DROP-TABLE-content;--"\'
EVIL_USER='10.9999/q'"'"';DROP-TABLE-content;--%22%5C'
q "INSERT INTO subscriber (username, domain, password) VALUES
	('alice', 'ims.test', 'alice-secret'), ('pub', 'ims.test', 'pub-secret');
INSERT INTO trackers (id, announce_url, state, last_seen, peers)
	VALUES ('trk-1', 'http://127.0.0.1:6969/announce', 'active', now(), 5);
INSERT INTO publishers (impu) VALUES ('sip:pub@ims.test');
INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
	tracker_id, publisher, price_cents) VALUES
 ('10.9999/t.one', 'One', decode(repeat('11', 20), 'hex'),
	decode(repeat('a1', 16), 'hex'), 1000, 'active', 'trk-1',
	'sip:pub@ims.test', 150),
 (E'$(sed "s/'/''/g; s/\\\\/\\\\\\\\/g" <<<"$EVIL_DOI")', 'Evil',
	decode(repeat('12', 20), 'hex'), decode(repeat('a2', 16), 'hex'), 1000,
	'active', 'trk-1', 'sip:pub@ims.test', 7)" >/dev/null
expect_eq "content row with the metacharacter DOI" \
	"$(q "SELECT count(*) FROM content WHERE doi = \$d\$$EVIL_DOI\$d\$")" 1

# PUBLISH bodies up to 40000 bytes over UDP; 413 above 30000
as_start -A P2PCD_MAX_PUBLISH_BODY=30000 -A "P2PCD_TRUSTED=\"127.0.0.1/32,$EDGE_ADDR/32\""
edge_start
pids() { # the AS's processes: the main one and its children, sorted
	{ echo "$AS_PID"; ps -o pid= --ppid "$AS_PID"; } | tr -d ' ' | sort -n | tr '\n' ' '
}
PIDS0=$(pids)
[ "$(wc -w <<<"$PIDS0")" -ge 5 ] || fail "kamailio processes: '$PIDS0'"
ok "kamailio processes before: $PIDS0"

PAI='P-Asserted-Identity: <sip:alice@ims.test>'
PPAI='P-Asserted-Identity: <sip:pub@ims.test>'
PCV='P-Charging-Vector: icid-value=hostile-1;orig-ioi=ims.test'
CTJ='Content-Type: application/json'
NOHDR='X-Unused: 1'
# counts: charging records, grants, content, torrents, content keys
counts() {
	q "SELECT (SELECT count(*) FROM charging_records) || ' ' ||
		(SELECT count(*) FROM grants) || ' ' || (SELECT count(*) FROM content)
		|| ' ' || (SELECT count(*) FROM torrents) || ' ' ||
		(SELECT count(*) FROM content_keys)"
}
# the reason phrase of the last response of the last sip call
sip_reason() {
	awk '/^SIP\/2\.0 [0-9][0-9][0-9] / { sub(/^SIP\/2\.0 [0-9]+ /, "");
		sub(/\r$/, ""); r = $0 } END { print r }' "$SIP_TRACE"
}
# refused WHAT CODE REASON SCENARIO [sipp arguments]: that status and
# reason phrase, and no row charged or stored
refused() {
	local what=$1 code=$2 reason=$3 before
	shift 3
	before=$(counts)
	expect_sip "$what" "$code" "$@"
	[ "$(sip_reason)" = "$reason" ] ||
		fail "$what: reason '$(sip_reason)', want '$reason'"
	[ "$(counts)" = "$before" ] ||
		fail "$what: rows changed: '$before' -> '$(counts)'"
}
# hmsg WHAT CODE REASON USER [-key overrides first...]: a hostile MESSAGE
# from a trusted source, by default with PAI, PCV, JSON type, no body
hmsg() {
	local what=$1 code=$2 reason=$3 user=$4
	shift 4
	refused "$what" "$code" "$reason" hostile-message -s "$user" "$@" \
		-key hdr1 "$PAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
		-key hdr4 "$NOHDR" -key body ""
}
# hpub WHAT CODE REASON BODY [-key overrides first...]: a hostile PUBLISH
# of BODY (a string) as the publisher, JSON type
hpub() {
	local what=$1 code=$2 reason=$3 b=$4
	shift 4
	refused "$what" "$code" "$reason" hostile-publish -s pub "$@" \
		-key hdr1 "$PPAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
		-key hdr4 "$NOHDR" -key body "$b"
}
# a valid request still works (and is charged / stored)
still_ok() {
	local n0
	n0=$(q "SELECT count(*) FROM charging_records")
	expect_sip "$1: a valid MESSAGE still answered" 200 hostile-message \
		-s 10.9999/t.one -key hdr1 "$PAI" -key hdr2 "$PCV" \
		-key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body ""
	expect_eq "$1: the valid MESSAGE charged once" \
		"$(($(q "SELECT count(*) FROM charging_records") - n0))" 1
}
# pubbody SEED [pubbody.py options] [--set KEY JSON ...]: a valid PUBLISH
# body, members replaced by the given raw JSON text (python -c)
pubbody() {
	python3 "$TOP/tests/sip/pubbody.py" "$@"
}
# raw PROTO FILE: send FILE's bytes to the AS (udp or tcp), print the
# first line of the answer, "no answer" or "closed"
cat >"$AS_TMP/raw.py" <<'PY'
import socket, sys
proto, port, data = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "rb").read()
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lp = s.getsockname()[1]
    s.settimeout(4)
    s.sendto(data.replace(b"LPORT", b"%d" % lp), ("127.0.0.1", port))
    try:
        buf = s.recv(65535)
    except socket.timeout:
        print("no answer"); sys.exit(0)
else:
    s = socket.create_connection(("127.0.0.1", port), timeout=6)
    lp = s.getsockname()[1]
    try:
        s.sendall(data.replace(b"LPORT", b"%d" % lp))
    except OSError:
        pass
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            c = s.recv(65536)
            if not c:
                break
            buf += c
    except socket.timeout:
        print("no answer"); sys.exit(0)
    except OSError:
        pass
    if not buf:
        print("closed"); sys.exit(0)
print(buf.split(b"\r\n")[0].decode(errors="replace"))
PY
# rawreq FILE METHOD USER PROTO BODY-FILE [CONTENT-LENGTH]: a request with
# PAI/PCV of a trusted source, the body's bytes as given
rawreq() {
	local out=$1 m=$2 user=$3 proto=$4 bf=$5 cl=${6:-}
	[ -n "$cl" ] || cl=$(wc -c <"$bf")
	{
		printf '%s sip:%s@127.0.0.1:%s SIP/2.0\r\n' "$m" "$user" "$AS_PORT"
		printf 'Via: SIP/2.0/%s 127.0.0.1:LPORT;branch=z9hG4bK-raw-%s\r\n' \
			"${proto^^}" "$RANDOM$RANDOM"
		printf 'Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r%s\r\n' "$RANDOM"
		printf 'To: <sip:%s@127.0.0.1>\r\nCall-ID: raw-%s-%s\r\n' "$user" "$RANDOM" "$RANDOM"
		printf 'CSeq: 1 %s\r\n' "$m"
		[ "$m" = PUBLISH ] && printf 'Event: p2pcd-content\r\nExpires: 3600\r\n'
		if [ "$m" = PUBLISH ]; then printf '%s\r\n' "$PPAI"; else printf '%s\r\n' "$PAI"; fi
		printf '%s\r\n%s\r\nContent-Length: %s\r\n\r\n' "$PCV" "$CTJ" "$cl"
		cat "$bf"
	} >"$out"
}
# raw_expect WHAT WANT-LINE-REGEX PROTO FILE: the answer to raw bytes, and
# nothing charged or stored
raw_expect() {
	local what=$1 want=$2 proto=$3 f=$4 before got
	before=$(counts)
	got=$(python3 "$AS_TMP/raw.py" "$proto" "$AS_PORT" "$f")
	[[ $got =~ $want ]] || fail "$what: got '$got', want /$want/"
	[ "$(counts)" = "$before" ] || fail "$what: rows changed: '$before' -> '$(counts)'"
	ok "$what: $got"
}
B=$AS_TMP/bodies
mkdir -p "$B"

echo "--- identities: forged, missing, from untrusted sources"
refused "untrusted source, forged PAI" 403 "Untrusted Source" hostile-message \
	-s 10.9999/t.one -i 127.0.0.2 -key hdr1 "$PAI" -key hdr2 "$PCV" \
	-key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body ""
refused "untrusted source, no PAI" 403 "Untrusted Source" hostile-message \
	-s 10.9999/t.one -i 127.0.0.2 -key hdr1 "$NOHDR" -key hdr2 "$NOHDR" \
	-key hdr3 "$NOHDR" -key hdr4 "$NOHDR" -key body ""
refused "untrusted source, forged P-Served-User" 403 "Untrusted Source" \
	hostile-message -s 10.9999/t.one -i 127.0.0.2 \
	-key hdr1 'P-Served-User: <sip:alice@ims.test>' -key hdr2 "$PCV" \
	-key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body ""
refused "untrusted source over TCP, forged PAI" 403 "Untrusted Source" \
	hostile-message -t t1 -s 10.9999/t.one -i 127.0.0.2 -key hdr1 "$PAI" \
	-key hdr2 "$PCV" -key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body ""
refused "untrusted source, forged PAI of a publisher (PUBLISH)" 403 \
	"Untrusted Source" hostile-publish -s pub -i 127.0.0.2 -key hdr1 "$PPAI" \
	-key hdr2 "$PCV" -key hdr3 "$CTJ" -key hdr4 "$NOHDR" \
	-key body "$(pubbody u1)"
hmsg "trusted source, no PAI" 403 "No Asserted Identity" 10.9999/t.one \
	-key hdr1 "$NOHDR"
hmsg "PAI with a mailto: URI" 403 "No Asserted Identity" 10.9999/t.one \
	-key hdr1 'P-Asserted-Identity: <mailto:alice@ims.test>'
hmsg "PAI of 300 characters" 403 "No Asserted Identity" 10.9999/t.one \
	-key hdr1 "P-Asserted-Identity: <sip:$(head -c 290 /dev/zero | tr '\0' a)@ims.test>"
hmsg "PAI that is not a name-addr" 403 "No Asserted Identity" 10.9999/t.one \
	-key hdr1 'P-Asserted-Identity: <<<>>>'
hmsg "unusable P-Served-User beside a valid PAI" 403 "No Asserted Identity" \
	10.9999/t.one -key hdr4 'P-Served-User: <http://alice.example/>'
still_ok "after the identity refusals"

echo "--- identities forged through the edge proxy (it asserts only the authenticated user)"
n0=$(q "SELECT count(*) FROM charging_records")
edge_sip "MESSAGE via the edge with forged PAI, P-Served-User, PPI, PCV" \
	"407 200" hostile-edge-message -s 10.9999/t.one -au alice -ap alice-secret \
	-key victim pub@ims.test -key evhdr "$NOHDR" -key ctype application/json \
	-key body ""
expect_eq "charged once" "$(($(q "SELECT count(*) FROM charging_records") - n0))" 1
expect_eq "charged to the authenticated user, edge's charging vector" \
	"$(q "SELECT r.impu, g.impu, r.orig_ioi, r.icid ~ '^[0-9a-f]{32}\.2$'
		FROM charging_records r JOIN grants g ON g.id = r.grant_id
		ORDER BY r.id DESC LIMIT 1")" \
	$'sip:alice@ims.test\tsip:alice@ims.test\tims.test\tt'
before=$(counts)
edge_sip "PUBLISH via the edge by alice naming the publisher in P-Served-User" \
	"407 403" hostile-edge-publish -s alice -au alice -ap alice-secret \
	-key victim pub@ims.test -key evhdr 'Event: p2pcd-content' \
	-key ctype application/json -key body "$(pubbody e1)"
expect_eq "reason" "$(sip_reason)" "Not A Publisher"
expect_eq "nothing stored" "$(counts)" "$before"

echo "--- sizes"
big=$(head -c 5000 /dev/zero | tr '\0' x)
hmsg "MESSAGE body of 5011 bytes over UDP" 413 "Request Entity Too Large" \
	10.9999/t.one -key body "{\"x\": \"$big\"}"
refused "MESSAGE body of 5011 bytes over TCP" 413 "Request Entity Too Large" \
	hostile-message -t t1 -s 10.9999/t.one -key hdr1 "$PAI" -key hdr2 "$PCV" \
	-key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body "{\"x\": \"$big\"}"
pubbody s1 --pad 35000 >"$B/pad.json"
hpub "PUBLISH body of 35 KB over UDP (max_publish_body 30000)" 413 \
	"Request Entity Too Large" "$(cat "$B/pad.json")"
refused "PUBLISH body of 35 KB over TCP" 413 "Request Entity Too Large" \
	hostile-publish -t t1 -s pub -key hdr1 "$PPAI" -key hdr2 "$PCV" \
	-key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body "$(cat "$B/pad.json")"
printf '{"max_price_cents": 1}' >"$B/small.json"
rawreq "$B/lie.sip" MESSAGE 10.9999/t.one udp "$B/small.json" 4000
raw_expect "UDP MESSAGE whose Content-Length (4000) exceeds the datagram" \
	'^SIP/2\.0 400 Bad Request Body$' udp "$B/lie.sip"
pubbody s2 --pad 400000 >"$B/huge.json"
rawreq "$B/huge.sip" PUBLISH pub tcp "$B/huge.json"
raw_expect "TCP PUBLISH of 400 KB (above tcp_rd_buf_size): dropped by the core" '^closed$' \
	tcp "$B/huge.sip"
still_ok "after the size refusals"

echo "--- media types"
hmsg "MESSAGE body without Content-Type" 415 "Unsupported Media Type" \
	10.9999/t.one -key hdr3 "$NOHDR" -key body '{}'
expect_eq "Accept" "$(sip_hdr Accept)" application/json
hmsg "MESSAGE body application/json-patch+json" 415 "Unsupported Media Type" \
	10.9999/t.one -key hdr3 'Content-Type: application/json-patch+json' \
	-key body '{}'
hpub "PUBLISH multipart/mixed" 415 "Unsupported Media Type" "$(pubbody m1)" \
	-key hdr3 'Content-Type: multipart/mixed;boundary=x'
hpub "PUBLISH without Content-Type" 415 "Unsupported Media Type" \
	"$(pubbody m2)" -key hdr3 "$NOHDR"
expect_sip "MESSAGE APPLICATION/JSON; charset=utf-8 (accepted)" 200 \
	hostile-message -s 10.9999/t.one -key hdr1 "$PAI" -key hdr2 "$PCV" \
	-key hdr3 'Content-Type: APPLICATION/JSON ; charset=utf-8' \
	-key hdr4 "$NOHDR" -key body '{"max_price_cents": 500}'

echo "--- DOIs: SQL metacharacters, NUL, length"
hmsg "DOI with '; DROP TABLE content; -- (spaces escaped)" 404 "Not Found" \
	"10.9999/x'%3B%20DROP%20TABLE%20content%3B%20--"
hmsg "DOI with %00" 404 "Not Found" "10.9999/t.one%00"
hmsg "DOI with %00 in the middle" 404 "Not Found" "10.9999/t%00.one"
hmsg "DOI with a bad escape" 404 "Not Found" "10.9999/t.one%4"
hmsg "DOI with quote and backslash (escaped), unknown" 404 "Not Found" \
	"10.9999/%27%22%5C"
hmsg "user part of 129 characters" 404 "Not Found" \
	"10.9999/$(head -c 121 /dev/zero | tr '\0' a)"
hmsg "user part of 3000 characters" 404 "Not Found" \
	"10.9999/$(head -c 2992 /dev/zero | tr '\0' a)"
printf '' >"$B/empty"
rawreq "$B/nul-ruri.sip" MESSAGE 10.9999/t.one udp "$B/empty"
python3 - "$B/nul-ruri.sip" <<'PY'
import sys
p = sys.argv[1]; d = open(p, "rb").read()
open(p, "wb").write(d.replace(b"sip:10.9999/t.one@", b"sip:10.9999/t.\x00one@", 1))
PY
raw_expect "raw NUL byte in the Request-URI user part" '^SIP/2\.0 404 Not Found$' \
	udp "$B/nul-ruri.sip"
n0=$(q "SELECT count(*) FROM charging_records")
expect_sip "DOI made of SQL metacharacters (content exists)" 200 hostile-message \
	-s "$EVIL_USER" -key hdr1 "$PAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
	-key hdr4 "$NOHDR" -key body ""
expect_eq "charged the metacharacter DOI, byte-exact" \
	"$(q "SELECT count(*) FROM charging_records r JOIN grants g ON g.id = r.grant_id
		WHERE r.doi = \$d\$$EVIL_DOI\$d\$ AND g.doi = r.doi AND r.amount_cents = 7")" 1
expect_eq "tables intact" "$(q "SELECT count(*) FROM content WHERE doi IN
	('10.9999/t.one', \$d\$$EVIL_DOI\$d\$)")" 2
# the RPC shows it byte-exact too (backslash and quotes included)
kamcmd -s "unix:$AS_SOCK" p2pcd.content_show "$EVIL_DOI" | grep -qF "doi: $EVIL_DOI" &&
	ok "p2pcd.content_show shows the metacharacter DOI byte-exact" ||
	fail "p2pcd.content_show: $(kamcmd -s "unix:$AS_SOCK" p2pcd.content_show "$EVIL_DOI")"

echo "--- MESSAGE bodies"
hmsg "body: invalid UTF-8" 400 "Body Is Not Valid UTF-8" 10.9999/t.one \
	-key body $'{"note": "\xff\xfe"}'
hmsg "body: overlong UTF-8 encoding of /" 400 "Body Is Not Valid UTF-8" \
	10.9999/t.one -key body $'{"note": "\xc0\xaf"}'
hmsg "body: UTF-8 encoded surrogate" 400 "Body Is Not Valid UTF-8" \
	10.9999/t.one -key body $'{"note": "\xed\xa0\x80"}'
hmsg "body: max_price_cents 1e400" 400 "Number Out Of Range" 10.9999/t.one \
	-key body '{"max_price_cents": 1e400}'
hmsg "body: max_price_cents 99999999999999999999" 400 "Number Out Of Range" \
	10.9999/t.one -key body '{"max_price_cents": 99999999999999999999}'
hmsg "body: max_price_cents -1" 400 "Bad max_price_cents" 10.9999/t.one \
	-key body '{"max_price_cents": -1}'
hmsg "body: max_price_cents \"500\"" 400 "Bad max_price_cents" 10.9999/t.one \
	-key body '{"max_price_cents": "500"}'
hmsg "body: duplicate key" 400 "Duplicate Key In Body" 10.9999/t.one \
	-key body '{"max_price_cents": 1000, "max_price_cents": 1}'
hmsg "body: \\u0000" 400 "Body Contains NUL" 10.9999/t.one \
	-key body '{"note": "a\u0000b"}'
hmsg "body: nested 3000 deep" 400 "Body Nested Too Deeply" 10.9999/t.one \
	-key body "{\"a\": $(head -c 3000 /dev/zero | tr '\0' '[')"
hmsg "body: an array, not an object" 400 "Body Is Not A JSON Object" \
	10.9999/t.one -key body '[{"max_price_cents": 1}]'
hmsg "body: a JSON string" 400 "Body Is Not A JSON Object" 10.9999/t.one \
	-key body '"max_price_cents"'
hmsg "body: object and trailing garbage" 400 "Body Is Not A JSON Object" \
	10.9999/t.one -key body '{} {}'
printf '{"note": "a\0b"}' >"$B/nul.json"
rawreq "$B/nul-body.sip" MESSAGE 10.9999/t.one udp "$B/nul.json"
raw_expect "raw NUL byte in a MESSAGE body" '^SIP/2\.0 400 Body Contains NUL$' \
	udp "$B/nul-body.sip"
still_ok "after the MESSAGE body refusals"

echo "--- PUBLISH bodies"
# pb SEED PYTHON-EXPR: a valid body (pubbody.py SEED) changed by EXPR on
# the dict b, printed as JSON (ensure_ascii off: UTF-8 as is)
pb() {
	pubbody "$1" | python3 -c 'import json, sys
b = json.load(sys.stdin)
exec(sys.argv[1])
sys.stdout.write(b if isinstance(b, str) else json.dumps(b, ensure_ascii=False))' \
		"$2" "${@:3}"
}
hpub "title with \\u0000" 400 "Bad Publication: body contains NUL" \
	"$(pb p1 'b["title"] = "a\u0000b"')"
printf '%s' "$(pb p2 'b["title"] = "TITLE"')" | sed 's/TITLE/a\x00b/' >"$B/nul-title.json"
rawreq "$B/nul-title.sip" PUBLISH pub udp "$B/nul-title.json"
raw_expect "raw NUL byte in a PUBLISH title" \
	'^SIP/2\.0 400 Bad Publication: body contains NUL$' udp "$B/nul-title.sip"
hpub "title with invalid UTF-8" 400 "Bad Publication: body is not valid UTF-8" \
	"$(pb p3 'b = json.dumps(b).replace("Test content", "Test \udcff content")' |
		python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b"\\udcff", b"\xff"))')"
hpub "title with a lone surrogate escape" 400 "Bad Publication: body is not a JSON object" \
	"$(pb p4 'b = json.dumps(b).replace("Test content", "Test \\ud800 content")')"
hpub "title of 513 characters" 400 "Bad Publication: title (1 to 512 characters) required" \
	"$(pb p5 'b["title"] = "é" * 513')"
hpub "empty title" 400 "Bad Publication: title (1 to 512 characters) required" \
	"$(pb p6 'b["title"] = ""')"
hpub "title a number" 400 "Bad Publication: title (1 to 512 characters) required" \
	"$(pb p7 'b["title"] = 42')"
hpub "duplicate title" 400 "Bad Publication: duplicate key" \
	"$(pb p8 'b = json.dumps(b)[:-1] + ", \"title\": \"other\"}"')"
hpub "price_cents 1e400" 400 "Bad Publication: number out of range" \
	"$(pb p9 'b = json.dumps(b).replace("\"price_cents\": 150", "\"price_cents\": 1e400")')"
hpub "price_cents 99999999999999999999" 400 "Bad Publication: number out of range" \
	"$(pb p10 'b["price_cents"] = 99999999999999999999')"
hpub "price_cents -1" 400 "Bad Publication: bad price_cents" \
	"$(pb p11 'b["price_cents"] = -1')"
hpub "price_cents 1.5" 400 "Bad Publication: bad price_cents" \
	"$(pb p12 'b["price_cents"] = 1.5')"
hpub "currency eur" 400 "Bad Publication: bad currency" \
	"$(pb p13 'b["currency"] = "eur"')"
hpub "rights an array" 400 "Bad Publication: rights must be an object" \
	"$(pb p14 'b["rights"] = ["play"]')"
hpub "rights nested 3000 deep" 400 "Bad Publication: body nested too deeply" \
	"$(pb p15 'b = json.dumps(b).replace("\"rights\": {", "\"rights\": {\"x\": " + "[" * 3000 + "]" * 3000 + ", ")')"
hpub "rights over 2048 bytes" 400 "Bad Publication: rights too large" \
	"$(pb p16 'b["rights"] = {"x": "y" * 3000}')"
hpub "torrent an object" 400 "Bad Publication: torrent (base64url) required" \
	"$(pb p17 'b["torrent"] = {"info": 1}')"
hpub "torrent not base64url" 400 "Bad Publication: torrent is not base64url" \
	"$(pb p18 'b["torrent"] = "a+b/c="')"
hpub "kid too short" 400 "Bad Publication: kid (32 hex digits) required" \
	"$(pb p19 'b["kid"] = "00ff"')"
hpub "kid not hex" 400 "Bad Publication: kid (32 hex digits) required" \
	"$(pb p20 'b["kid"] = "zz" * 16')"
hpub "sealed_key too short" 400 "Bad Publication: sealed_key (base64url sealed box) required" \
	"$(pb p21 'b["sealed_key"] = "AAAA"')"
hpub "body an array" 400 "Bad Publication: body is not a JSON object" \
	"$(pb p22 'b = json.dumps([b])')"
hpub "body invalid UTF-8 outside strings" 400 "Bad Publication: body is not valid UTF-8" \
	$'{\xff"title": 1}'
expect_eq "no content from refused PUBLISHes" "$(q "SELECT count(*) FROM content")" 2
still_ok "after the PUBLISH body refusals"

echo "--- PUBLISH accepted: Unicode and metacharacter titles, stored byte-exact"
TITLE1='Große Oper — 東京 🎬 "quoted" '"'"'single'"'"' back\slash; DROP TABLE content; --'
TITLE2=$(python3 -c 'print("🎬" * 512, end="")')
for t in 1 2; do
	var=TITLE$t
	title=${!var}
	before=$(q "SELECT count(*) FROM content")
	expect_sip "PUBLISH with title $t (${#title} characters)" 200 hostile-publish \
		-s pub -key hdr1 "$PPAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
		-key hdr4 "$NOHDR" -key body "$(pb "ok$t" "b['title'] = sys.argv[2]" "$title")"
	[[ $(sip_hdr Call-Info) =~ \<sip:([^@\>]+)@content\.test\> ]] ||
		fail "no content URI in '$(sip_hdr Call-Info)'"
	doi=${BASH_REMATCH[1]}
	want=$(printf '%s' "$title" | od -An -v -tx1 | tr -d ' \n')
	expect_eq "title $t stored byte-exact" \
		"$(q "SELECT encode(convert_to(title, 'UTF8'), 'hex') FROM content WHERE doi = '$doi'")" "$want"
	expect_eq "title $t characters" \
		"$(q "SELECT length(title) FROM content WHERE doi = '$doi'")" \
		"$(python3 -c 'import sys; print(len(sys.argv[1]))' "$title")"
	expect_eq "title $t: content, torrent, key, seed grant" \
		"$(q "SELECT count(*) FROM content c JOIN torrents t USING (doi) JOIN
			content_keys k USING (doi) JOIN grants g ON g.doi = c.doi AND
			g.role = 'seed' WHERE c.doi = '$doi'")" 1
done
expect_sip "PUBLISH with price_cents 9223372036854775807 (largest)" 200 \
	hostile-publish -s pub -key hdr1 "$PPAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
	-key hdr4 "$NOHDR" -key body "$(pb ok3 'b["price_cents"] = 2**63 - 1')"
[[ $(sip_hdr Call-Info) =~ \<sip:([^@\>]+)@content\.test\> ]]
expect_eq "largest price stored exactly" \
	"$(q "SELECT price_cents FROM content WHERE doi = '${BASH_REMATCH[1]}'")" 9223372036854775807
expect_sip "PUBLISH with rights nested 500 deep (stored as jsonb)" 200 \
	hostile-publish -s pub -key hdr1 "$PPAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
	-key hdr4 "$NOHDR" -key body "$(pb ok4 'b = json.dumps(b).replace("\"rights\": {", "\"rights\": {\"x\": " + "[" * 500 + "]" * 500 + ", ")')"
[[ $(sip_hdr Call-Info) =~ \<sip:([^@\>]+)@content\.test\> ]]
expect_eq "deep rights stored" \
	"$(q "SELECT jsonb_typeof(rights #> '{x}') FROM content WHERE doi = '${BASH_REMATCH[1]}'")" array

# rights whose JSON has escapes (quote, backslash, \n): the buyer's
# license token must carry them as published (the cache reads them back
# from the database)
RIGHTS='{"label": "say \"hi\" \\ back\\101\n", "play": "PT24H"}'
expect_sip "PUBLISH with quotes, backslashes, \\n in rights" 200 hostile-publish \
	-s pub -key hdr1 "$PPAI" -key hdr2 "$PCV" -key hdr3 "$CTJ" \
	-key hdr4 "$NOHDR" -key body "$(pb ok5 "b['rights'] = json.loads(sys.argv[2])" "$RIGHTS")"
[[ $(sip_hdr Call-Info) =~ \<sip:([^@\>]+)@content\.test\> ]]
rdoi=${BASH_REMATCH[1]}
expect_sip "buying it" 200 hostile-message -s "$rdoi" -key hdr1 "$PAI" \
	-key hdr2 "$PCV" -key hdr3 "$CTJ" -key hdr4 "$NOHDR" -key body ""
[[ $(sip_hdr Call-Info) =~ /grants/([A-Za-z0-9_-]{22})\> ]]
lic=$(grant_token "${BASH_REMATCH[1]}" lic)
expect_eq "the buyer's license token carries the published rights" \
	"$(python3 -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["rights"] == json.loads(sys.argv[2]))' "$lic" "$RIGHTS")" True

echo "--- the same processes, alive, still answering"
PIDS1=$(pids)
expect_eq "kamailio processes after" "$PIDS1" "$PIDS0"
for p in $PIDS1; do kill -0 "$p" || fail "kamailio process $p is gone"; done
ok "every kamailio process alive"
still_ok "at the end"
expect_eq "charged rows all have their grant" "$(q "SELECT count(*) FROM
	charging_records r LEFT JOIN grants g ON g.id = r.grant_id WHERE g.id IS NULL")" 0
expect_eq "leech grants all have their charge" "$(q "SELECT count(*) FROM grants g
	LEFT JOIN charging_records r ON r.grant_id = g.id WHERE g.role = 'leech'
	AND r.id IS NULL")" 0

# the core's own complaints about the hostile input are expected
as_log_errors 'parse_addr_spec|parse_ppi_pai|tcp_read'
edge_stop
as_stop
echo "55-module-hostile: PASS"
