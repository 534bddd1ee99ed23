#!/usr/bin/env bash
# 52-module-edge: the lab chain UE -> edge proxy (kamailio-cfg/edge.cfg:
# digest auth against the subscriber table, P-Asserted-Identity and
# P-Charging-Vector asserted) -> AS (kamailio-cfg/as.cfg with the p2pcd
# module), which trusts only the edge address. Then the same with the AS
# routed by a KEMI script (app_jsdt: KSR.p2pcd.p2pcd_acquire/publish).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/sip/as.sh"
echo "52-module-edge"

for tool in kamailio kamcmd sipp python3 psql; do
	command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh)"
done

pg_start
as_build
q "INSERT INTO subscriber (username, domain, password) VALUES
	('alice', 'ims.test', 'alice-secret'), ('pub', 'ims.test', 'pub-secret');
INSERT INTO trackers (id, announce_url, state, last_seen, peers)
	VALUES ('trk-1', 'http://127.0.0.1:6969/announce', 'active', now(), 5);
INSERT INTO publishers (impu) VALUES ('sip:pub@ims.test');
INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
	tracker_id, publisher, price_cents) VALUES
 ('10.9999/t.one', 'One', decode(repeat('11', 20), 'hex'),
	decode(repeat('a1', 16), 'hex'), 1000, 'active', 'trk-1',
	'sip:pub@ims.test', 150)" >/dev/null
expect_eq "subscriber table version" \
	"$(q "SELECT table_version FROM version WHERE table_name = 'subscriber'")" 7

run_chain() { # run_chain LABEL
	local tag=$1 n0 pb
	n0=$(q "SELECT count(*) FROM charging_records")
	edge_sip "$tag: MESSAGE via the edge, digest auth" "407 200" \
		edge-message -s 10.9999/t.one -au alice -ap alice-secret \
		-key evhdr 'X-Unused: 1' -key ctype application/json -key body ""
	row=$(q "SELECT impu, orig_ioi, icid ~ '^[0-9a-f]{32}\.2$' FROM charging_records
		ORDER BY id DESC LIMIT 1")
	expect_eq "$tag: charged identity is the authenticated one" "$row" \
		$'sip:alice@ims.test\tims.test\tt'
	edge_sip "$tag: wrong password" "407 407" edge-message -s 10.9999/t.one \
		-au alice -ap wrong -key evhdr 'X-Unused: 1' \
		-key ctype application/json -key body ""
	expect_sip "$tag: MESSAGE straight to the AS (not from the edge)" 403 \
		message -s 10.9999/t.one \
		-key hdr1 'P-Asserted-Identity: <sip:alice@ims.test>' \
		-key hdr2 'X-Unused: 1' -key ctype application/json -key body ""
	if [ ${#AS_V6[@]} -gt 0 ]; then
		SIP_DEST='[::1]'
		expect_sip "$tag: MESSAGE straight to the AS over IPv6 (::1 untrusted)" \
			403 message -i ::1 -s 10.9999/t.one \
			-key hdr1 'P-Asserted-Identity: <sip:alice@ims.test>' \
			-key hdr2 'X-Unused: 1' -key ctype application/json -key body ""
		SIP_DEST=127.0.0.1
	fi
	expect_eq "$tag: charged" "$(($(q "SELECT count(*) FROM charging_records") - n0))" 1
	pb=$(python3 "$TOP/tests/sip/pubbody.py" "edge-$tag")
	edge_sip "$tag: PUBLISH via the edge" "407 200" edge-publish -s pub \
		-au pub -ap pub-secret -key evhdr 'Event: p2pcd-content' \
		-key ctype application/json -key body "$pb"
	expect_eq "$tag: published by" \
		"$(q "SELECT publisher FROM content ORDER BY created DESC LIMIT 1")" \
		sip:pub@ims.test
}

as_start -A "P2PCD_TRUSTED=\"$EDGE_ADDR/32\"" "${AS_V6[@]}"
edge_start
run_chain native
as_log_errors
as_stop

cat >"$AS_TMP/route.js" <<'JS'
function ksr_request_route() {
	if (KSR.is_ACK()) {
		return;
	}
	if (KSR.is_MESSAGE()) {
		KSR.p2pcd.p2pcd_acquire();
		return;
	}
	if (KSR.is_PUBLISH()) {
		KSR.p2pcd.p2pcd_publish();
		return;
	}
	KSR.sl.sl_send_reply(405, "Method Not Allowed");
}
JS
edge_stop
as_start -A "P2PCD_TRUSTED=\"$EDGE_ADDR/32\"" "${AS_V6[@]}" \
	-A "P2PCD_KEMI_JS=\"$AS_TMP/route.js\""
edge_start
run_chain kemi
as_log_errors
if grep -E ' (ERROR|CRITICAL|BUG): ' "$AS_TMP/edge.log" | tee /dev/stderr | grep -q .; then
	fail "the edge proxy logged errors"
fi
ok "no errors in the edge proxy log"
echo "52-module-edge: PASS"
