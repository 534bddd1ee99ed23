#!/usr/bin/env bash
# The schema on a real PostgreSQL: migrations apply on an empty database,
# a second run changes nothing, every DESIGN.md section 6 table and the
# Kamailio version rows exist, the constraints hold, NOTIFY fires on a mute,
# and an edited applied migration is refused.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/pg.sh"

# pg_dump 15.14+ writes a random \restrict key into every dump.
schema() { pg_dump -s --no-owner | grep -v '^\\\(un\)\{0,1\}restrict '; }

pg_start p2pcd_migrate
ok "cluster on port $PGPORT, database $PGDATABASE, migrations applied"

n=$(ls "$TOP"/sql/migrations/[0-9]*.sql | wc -l)
expect_eq "schema_migrations rows" "$(q 'SELECT count(*) FROM schema_migrations')" "$n"

dump1=$(schema)
out=$("$TOP/sql/migrate")
expect_eq "second run" "$out" "migrate: 0 applied, $n already present"
dump2=$(schema)
[ "$dump1" = "$dump2" ] && ok "schema identical after second run" ||
	fail "schema changed on second run"

# Each file itself is re-runnable (a crash between DDL and bookkeeping
# cannot happen in one transaction, but operators do re-run files by hand).
for f in "$TOP"/sql/migrations/[0-9]*.sql; do
	psql -X -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null 2>&1 ||
		fail "$(basename "$f") fails when applied a second time"
done
dump3=$(schema)
[ "$dump1" = "$dump3" ] && ok "every file re-applied by hand: schema identical" ||
	fail "schema changed after re-applying files by hand"

for t in trackers publishers content torrents content_keys grants \
	charging_records blocklist peer_reports transfer_totals swarm_stats \
	signing_keys version; do
	expect_eq "table $t" "$(q "SELECT to_regclass('public.$t') IS NOT NULL")" t
done
expect_eq "version row content" \
	"$(q "SELECT table_version FROM version WHERE table_name = 'content'")" 1

# Constraints: the database refuses what the components must never write.
q "INSERT INTO trackers (id, announce_url) VALUES ('tr1', 'http://127.0.0.1:1/announce')" >/dev/null
q "INSERT INTO publishers (impu) VALUES ('sip:alice@ims.test')" >/dev/null
ins_content="INSERT INTO content (doi, title, info_hash, kid, size_bytes, tracker_id, publisher)"
q "$ins_content VALUES ('10.9999/a', 'A', decode(repeat('ab',20),'hex'), decode(repeat('01',16),'hex'), 10, 'tr1', 'sip:alice@ims.test')" >/dev/null
refuse() { # refuse WHAT SQL
	if q "$2" >/dev/null 2>&1; then fail "$1 was accepted"; else ok "refused: $1"; fi
}
refuse "19-byte info-hash" "$ins_content VALUES ('10.9999/b', 'B', decode(repeat('ab',19),'hex'), decode(repeat('02',16),'hex'), 1, 'tr1', 'sip:alice@ims.test')"
refuse "duplicate info-hash" "$ins_content VALUES ('10.9999/c', 'C', decode(repeat('ab',20),'hex'), decode(repeat('03',16),'hex'), 1, 'tr1', 'sip:alice@ims.test')"
refuse "unknown state" "UPDATE content SET state = 'gone' WHERE doi = '10.9999/a'"
refuse "unknown publisher" "$ins_content VALUES ('10.9999/d', 'D', decode(repeat('cd',20),'hex'), decode(repeat('04',16),'hex'), 1, 'tr1', 'sip:mallory@ims.test')"
refuse "bad grant id" "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires) VALUES ('short', '10.9999/a', 'sip:b@ims.test', 's', 'leech', 'x', 'y', now())"
gid=AAAAAAAAAAAAAAAAAAAAAA
q "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires) VALUES ('$gid', '10.9999/a', 'sip:b@ims.test', 's', 'leech', 'x', 'y', now() + interval '1 day')" >/dev/null
ins_charge="INSERT INTO charging_records (request_id, impu, doi, grant_id, amount_cents, currency)"
q "$ins_charge VALUES (decode(repeat('e1',16),'hex'), 'sip:b@ims.test', '10.9999/a', '$gid', 100, 'EUR')" >/dev/null
refuse "second charge for one request" "$ins_charge VALUES (decode(repeat('e1',16),'hex'), 'sip:b@ims.test', '10.9999/a', '$gid', 100, 'EUR')"
refuse "request id of 32 bytes" "$ins_charge VALUES (decode(repeat('e2',32),'hex'), 'sip:b@ims.test', '10.9999/a', '$gid', 100, 'EUR')"
refuse "grant for an unknown title" "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires) VALUES ('BBBBBBBBBBBBBBBBBBBBBB', '10.9999/none', 'sip:b@ims.test', 's', 'leech', 'x', 'y', now())"
# The charging records are the billing ledger (0010): a charge outlives its
# grant (expired, purged) and its title (purged).
q "$ins_content VALUES ('10.9999/z', 'Z', decode(repeat('ef',20),'hex'), decode(repeat('0f',16),'hex'), 10, 'tr1', 'sip:alice@ims.test');
	INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires) VALUES ('ZZZZZZZZZZZZZZZZZZZZZZ', '10.9999/z', 'sip:b@ims.test', 's', 'leech', 'x', 'y', now());
	$ins_charge VALUES (decode(repeat('e3',16),'hex'), 'sip:b@ims.test', '10.9999/z', 'ZZZZZZZZZZZZZZZZZZZZZZ', 250, 'EUR')" >/dev/null
q "DELETE FROM grants WHERE id = 'ZZZZZZZZZZZZZZZZZZZZZZ';
	DELETE FROM content WHERE doi = '10.9999/z'" >/dev/null ||
	fail "the grant and the title of a charge could not be purged"
expect_eq "a charge after its grant and its title were purged" \
	"$(q "SELECT doi, grant_id, amount_cents FROM charging_records
		WHERE request_id = decode(repeat('e3',16),'hex')")" \
	$'10.9999/z\tZZZZZZZZZZZZZZZZZZZZZZ\t250'
expect_eq "foreign keys of charging_records" \
	"$(q "SELECT count(*) FROM pg_constraint
		WHERE conrelid = 'charging_records'::regclass AND contype = 'f'")" 0
# Each index on a random key costs a full-page image per insert after a
# checkpoint (0009): the purchase tables keep only those a reader needs.
expect_eq "indexes of grants and charging_records" \
	"$(q "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes
		WHERE tablename IN ('grants', 'charging_records')")" \
	"charging_impu_idx charging_records_pkey charging_records_request_id_key grants_doi_idx grants_pkey"
expect_eq "version row charging_records" \
	"$(q "SELECT table_version FROM version WHERE table_name = 'charging_records'")" 2
# A grant stores its tokens whole (before 0011) or as their parts: the
# claims not held elsewhere and the two MACs, one form or the other.
ins_parts="INSERT INTO grants (id, doi, impu, subject, role, expires, tok_iss, tok_aud, tok_iat, tok_key_version, tok_macs)"
q "$ins_parts VALUES ('CCCCCCCCCCCCCCCCCCCCCC', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'as', 'tr1', 1, 1, decode(repeat('aa',64),'hex'))" >/dev/null
ok "a grant stored as its tokens' parts"
refuse "a grant with neither its tokens nor their parts" "INSERT INTO grants (id, doi, impu, subject, role, expires) VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now())"
refuse "a grant with its tokens and their parts" "INSERT INTO grants (id, doi, impu, subject, role, expires, adm_token, lic_token, tok_iss, tok_aud, tok_iat, tok_key_version, tok_macs) VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'x', 'y', 'as', 'tr1', 1, 1, decode(repeat('aa',64),'hex'))"
refuse "a grant with one MAC" "$ins_parts VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'as', 'tr1', 1, 1, decode(repeat('aa',32),'hex'))"
refuse "a grant's parts without iat" "$ins_parts VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'as', 'tr1', NULL, 1, decode(repeat('aa',64),'hex'))"
refuse "key version 0" "$ins_parts VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'as', 'tr1', 1, 0, decode(repeat('aa',64),'hex'))"
refuse "a grant with only its admission token" "INSERT INTO grants (id, doi, impu, subject, role, expires, adm_token) VALUES ('DDDDDDDDDDDDDDDDDDDDDD', '10.9999/a', 'sip:b@ims.test', 's', 'leech', now(), 'x')"
expect_eq "version row grants" \
	"$(q "SELECT table_version FROM version WHERE table_name = 'grants'")" 2
refuse "blocklist value of wrong size" "INSERT INTO blocklist (kind, value) VALUES ('info_hash', decode('00','hex'))"

# A mute by plain SQL reaches a listener through NOTIFY.
notes=$(psql -X -qAt <<'SQL'
LISTEN p2pcd_content;
UPDATE content SET state = 'muted' WHERE doi = '10.9999/a';
SELECT 1;
SQL
)
echo "$notes" | grep -q '"state" : "muted"' && ok "NOTIFY p2pcd_content on mute" ||
	fail "no NOTIFY on mute: $notes"

# An applied migration that was edited is refused, not silently skipped.
mktemp_dir scratch sqlcopy
cp -r "$TOP/sql" "$scratch/"
echo "-- edited" >>"$scratch/sql/migrations/0001_core.sql"
if "$scratch/sql/migrate" >/dev/null 2>"$scratch/err"; then
	fail "edited migration accepted"
fi
grep -q "never edit an applied migration" "$scratch/err" &&
	ok "edited applied migration refused" || fail "wrong error: $(cat "$scratch/err")"

# Upgrade across 0009: a charge stored with the 64-character hex request id
# keeps the digest's first 16 bytes, the id the module now computes, so a
# repeat of that request still finds it.
mkdir "$scratch/up"
cp -r "$TOP/sql" "$scratch/up/"
later=$(cd "$scratch/up/sql/migrations" && ls | awk '$0 >= "0009"')
(cd "$scratch/up/sql/migrations" && rm $later)
PGDATABASE=postgres q "CREATE DATABASE p2pcd_upgrade" >/dev/null
PGDATABASE=p2pcd_upgrade "$scratch/up/sql/migrate" >/dev/null
rid=$(printf 'call-1\n1\nMESSAGE' | sha256sum | cut -c1-64)
PGDATABASE=p2pcd_upgrade q "INSERT INTO trackers (id, announce_url) VALUES ('tr1', 'http://127.0.0.1:1/announce');
	INSERT INTO publishers (impu) VALUES ('sip:alice@ims.test');
	$ins_content VALUES ('10.9999/a', 'A', decode(repeat('ab',20),'hex'), decode(repeat('01',16),'hex'), 10, 'tr1', 'sip:alice@ims.test');
	INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires) VALUES ('$gid', '10.9999/a', 'sip:b@ims.test', 's', 'leech', 'x', 'y', now() + interval '1 day');
	$ins_charge VALUES ('$rid', 'sip:b@ims.test', '10.9999/a', '$gid', 100, 'EUR')" >/dev/null
nl=$(wc -w <<<"$later")
expect_eq "upgrade across 0009" "$(PGDATABASE=p2pcd_upgrade "$TOP/sql/migrate")" \
	"migrate: $nl applied, $((n - nl)) already present"
expect_eq "request id after the upgrade" \
	"$(PGDATABASE=p2pcd_upgrade q "SELECT encode(request_id, 'hex'), grant_id FROM charging_records")" \
	"${rid:0:32}	$gid"
expect_eq "a grant made before 0011 keeps its tokens" \
	"$(PGDATABASE=p2pcd_upgrade q "SELECT adm_token, lic_token, tok_macs IS NULL FROM grants WHERE id = '$gid'")" \
	"x	y	t"

# Two migrators at once on a fresh database: both succeed, one applies.
PGDATABASE=postgres q "CREATE DATABASE p2pcd_race" >/dev/null
(PGDATABASE=p2pcd_race "$TOP/sql/migrate" >"$scratch/r1" 2>&1) &
p1=$!
(PGDATABASE=p2pcd_race "$TOP/sql/migrate" >"$scratch/r2" 2>&1) &
p2=$!
wait $p1 || fail "concurrent migrator 1: $(cat "$scratch/r1")"
wait $p2 || fail "concurrent migrator 2: $(cat "$scratch/r2")"
expect_eq "rows after concurrent runs" \
	"$(PGDATABASE=p2pcd_race q 'SELECT count(*) FROM schema_migrations')" "$n"
echo "sql-migrate: all checks passed"
