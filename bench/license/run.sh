#!/usr/bin/env bash
# License requests per second of p2pcd-tracker's license role, with p99
# latency (wrk --latency, keep-alive, bounded to DUR seconds), against a
# real PostgreSQL (throwaway, fsync off): 50 contents with sealed keys,
# 500 grants, random valid requests. Anchor in the same run: pgbench
# running the same prepared SQL a license costs (grant+content+keys in one
# query, audit insert) with as many clients as the service has workers;
# the ratio says what the HTTP/JWS/crypto layer costs on top of its
# database work (above 1x: the service pipelines HTTP while a worker
# waits on PostgreSQL).
#
# usage: bench/license/run.sh      env: DUR (seconds, default 8),
#        LIC_THREADS (license workers, default 2), CONNS (default 16)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../tests/lib/common.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/tools/tracker-lib.sh"

DUR=${DUR:-8}
LT=${LIC_THREADS:-2}
CONNS=${CONNS:-16}
command -v wrk >/dev/null || fail "wrk not installed"
command -v pgbench >/dev/null || fail "pgbench not installed"
trk_build
make -s -C "$TOP/client" BUILD=release >/dev/null
P=$TOP/build/release/bin/p2pcd
pg_start
mktemp_dir D lic-bench
cd "$D"
"$P" keygen --secret ls.key --public ls.pub >/dev/null
printf 'kek=%s\n' "$(openssl rand -hex 32)" >kek.key
TRK_ID=lic-bench
TRK_PORT=$(trk_port)
TRK_ADMIN=$(trk_port)
TRK_LOG_LEVEL=warning TRK_EXTRA="license = { enabled = true; threads = $LT;
  secret_key_file = \"$D/ls.key\"; kek_file = \"$D/kek.key\";
  key = \"$(trk_key license 1)\"; };" trk_config tracker.conf

echo "registering 50 contents, 500 grants..."
q "INSERT INTO trackers (id, announce_url) VALUES ('$TRK_ID', 'x');
   INSERT INTO publishers (impu) VALUES ('sip:bench')" >/dev/null
: >reqs
for c in $(seq 1 50); do
	kid=$(openssl rand -hex 16)
	key=$(openssl rand -hex 16)
	printf 'kid=%s\nkey=%s\n' "$kid" "$key" >k
	sealed=$("$P" seal --pub ls.pub --key-file k | tr -- '-_' '+/')
	while [ $((${#sealed} % 4)) != 0 ]; do sealed="$sealed="; done
	echo "INSERT INTO content (doi, title, info_hash, kid, size_bytes, tracker_id, publisher)
	  VALUES ('b/$c', 't', decode(md5('$c') || 'aaaaaaaa', 'hex'), decode('$kid', 'hex'), 1, '$TRK_ID', 'sip:bench');
	  INSERT INTO content_keys (kid, doi, sealed_key) VALUES (decode('$kid', 'hex'), 'b/$c', decode('$sealed', 'base64'));"
	kid64=$(xxd -r -p <<<"$kid" | base64 | tr '+/' '-_' | tr -d '=\n')
	for g in $(seq 1 10); do
		gid=$(printf 'g%020d%01d' "$c" "$((g % 10))")
		echo "INSERT INTO grants (id, doi, impu, subject, role, adm_token, lic_token, expires)
		  VALUES ('$gid', 'b/$c', 'sip:b', 's-$gid', 'leech', 'a', 'l', now() + interval '1 day');"
		tok=$("$TRK_BIN/p2pcd-mint-token" --master "$TRK_MASTER" --aud license \
			--typ p2pcd-lic+jwt --jti "$gid" --doi "b/$c" --kid "$kid" --sub "s-$gid" --ttl 86400)
		printf '%s\t{"kids":["%s"],"type":"temporary"}\n' "$tok" "$kid64" >>reqs
	done
done >setup.sql
psql -X -q -v ON_ERROR_STOP=1 -f setup.sql >/dev/null
trk_start "$D"
# warm: every key registered (wrapped) once
while IFS=$'\t' read -r tok body; do
	curl -sS -o /dev/null -H "Authorization: Bearer $tok" --data-binary "$body" \
		"http://127.0.0.1:$TRK_PORT/license"
done < <(awk 'NR % 10 == 1' reqs)

echo "wrk: $CONNS connections, ${DUR}s, $LT license workers"
LIC_REQS=$D/reqs wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -s "$HERE/license.lua" \
	"http://127.0.0.1:$TRK_PORT" >wrk.out 2>&1
cat wrk.out
rps=$(awk '/^Requests\/sec/ { print $2 }' wrk.out)
p99=$(awk '$1 == "99%" { print $2 }' wrk.out)
n=$(q "SELECT count(*) FROM license_audit")

# anchor: the same SQL through pgbench, LT clients
cat >anchor.sql <<'SQL'
\set c random(1, 50)
SELECT extract(epoch FROM g.expires)::bigint, g.doi, coalesce(c.state, 'removed'), coalesce(encode(k.kid, 'hex'), ''), encode(k.sealed_key, 'hex'), coalesce(encode(k.wrapped_key, 'hex'), ''), coalesce(k.kek_version, 0) FROM grants g LEFT JOIN content c ON c.doi = g.doi LEFT JOIN content_keys k ON k.doi = g.doi AND k.kid IN (SELECT decode(h, 'hex') FROM unnest(ARRAY['00']::text[]) AS h) WHERE g.id = 'g' || lpad(:c::text, 20, '0') || '1';
INSERT INTO license_audit (grant_id, doi, subject, kids, icid, service, client) VALUES ('g', 'b/' || :c, 's', ARRAY['00'], 'i', 'x', '127.0.0.1');
SQL
pgbench -n -M prepared -c "$LT" -j "$LT" -T "$DUR" -f anchor.sql 2>&1 | tee pgbench.out | grep -E '^(tps|latency)'
tps=$(awk '/^tps/ { print $3 }' pgbench.out)
echo
echo "license service: $rps licenses/s, p99 $p99 ($CONNS conns, $LT workers), $n audit rows"
echo "anchor (pgbench, same SQL, $LT clients): $tps tx/s"
awk -v a="$rps" -v b="$tps" 'BEGIN { printf "ratio license/anchor: %.2fx\n", a / b }'
cd "$TOP"
