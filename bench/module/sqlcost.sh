#!/usr/bin/env bash
# bench/module/sqlcost.sh: the database's CPU for the acquisition batch
# statement alone, without SIP, Kamailio or sipp on the machine: psql runs
# the module's own statement (taken from p2pcd_acquire.c, with the same
# SET LOCAL plan settings) over batches of 26 purchases, each its own
# transaction, on a cluster of its own. Two schemas alternate on the same
# cluster: "as is" (sql/migrations) and "with" the schema change given in
# SQLCOST_ALT (default: the two foreign keys of charging_records that sql
# 0010 dropped). Prints the cluster's CPU (all its processes, /proc) per
# purchase for each run and the median of each schema.
#
# usage: bench/module/sqlcost.sh [BATCHES [PAIRS]]   defaults 1000, 4
# env:   SQLCOST_ALT / SQLCOST_UNDO (the change and its undo),
#        SQLCOST_SRC (the C file with the statement)
set -euo pipefail
. "$(dirname "$0")/../../tests/lib/common.sh"
. "$TOP/bench/module/cluster.sh"

BATCHES=${1:-1000}
PAIRS=${2:-4}
N=26
ALT=${SQLCOST_ALT:-"ALTER TABLE charging_records
	ADD FOREIGN KEY (doi) REFERENCES content (doi),
	ADD FOREIGN KEY (grant_id) REFERENCES grants (id)"}
UNDO=${SQLCOST_UNDO:-"ALTER TABLE charging_records
	DROP CONSTRAINT charging_records_doi_fkey,
	DROP CONSTRAINT charging_records_grant_id_fkey"}
HZ=$(getconf CLK_TCK)
# SQLCOST_SRC: the C file to take the statement from (e.g. an older one,
# from git show)
SRC=${SQLCOST_SRC:-$TOP/modules/p2pcd/p2pcd_acquire.c}

dir=$(mktemp -d /tmp/p2pcd-sqlcost.XXXXXX)
on_exit "'$TOP/scripts/pgctl.sh' stop '$dir' >/dev/null 2>&1; rm -rf '$dir'"
eval "$(PG_FSYNC=on "$TOP/scripts/pgctl.sh" start "$dir")"
export PGDATABASE=p2pcd
# no autovacuum during a run: its work would land on one schema's run
psql -X -q -d postgres -c "ALTER SYSTEM SET autovacuum = off" \
	-c "SELECT pg_reload_conf()" >/dev/null
"$TOP/sql/migrate" --create >/dev/null
cluster_seed

# the statement, prepared, and the plan settings as one query string
# with it (\; joins them), as the module sends them
python3 - "$SRC" "$dir/prepare.sql" "$dir/plan" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
def macro(name):
    body = re.search(r"#define %s(.*?)\n\n" % name, s, re.S).group(1)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))
open(sys.argv[2], "w").write("PREPARE acqb %s;\n" % macro("P2PCD_ACQ_BATCH_SQL"))
open(sys.argv[3], "w").write(macro("P2PCD_ACQ_PLAN").replace(";", " \\;"))
PY
plan=$(cat "$dir/plan")

# batches RUN: the SQL of one run, purchases with ids of their own
batches() {
	python3 - "$1" "$BATCHES" "$N" "$plan" <<'PY'
import hashlib, sys
run, batches, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
plan = sys.argv[4]
tok = "eyJ" + "x" * 330  # a token's length, as the module mints them
arr = lambda v: "'{" + ",".join('"%s"' % x for x in v) + "}'"
for b in range(batches):
    ids = ["%s-%d-%d" % (run, b, i) for i in range(n)]
    rid = [hashlib.sha256(i.encode()).hexdigest()[:32] for i in ids]
    gid = [hashlib.sha256(("g" + i).encode()).hexdigest()[:22] for i in ids]
    impu = ["sip:%s@ims.test" % i for i in ids]
    print("%s EXECUTE acqb(%s, %s, %s, %s, %s, %s, %s, "
          "2000000000, %s, %s);" % (plan,
              arr(["10.9999/bench"] * n), arr(rid), arr(gid), arr(impu),
              arr(["s" + g[:10] for g in gid]), arr([tok] * n),
              arr([tok] * n), arr(["icid-" + i for i in ids]),
              arr(["ims.test"] * n)))
PY
}

res=()
for ((i = 1; i <= PAIRS; i++)); do
	for schema in "as is" with; do
		[ "$schema" = with ] && psql -X -q -c "$ALT"
		batches "$i-${schema// /}" >"$dir/run.sql"
		psql -X -q -c "CHECKPOINT"
		t0=$(cluster_ticks "$dir/data" ended)
		cat "$dir/prepare.sql" "$dir/run.sql" |
			psql -X -q -v ON_ERROR_STOP=1 >/dev/null
		sleep 0.5 # the postmaster reaps the ended backend
		t1=$(cluster_ticks "$dir/data" ended)
		[ "$schema" = with ] && psql -X -q -c "$UNDO"
		us=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n=$((BATCHES * N)) \
			'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
		echo "pair $i, $schema: $us us of database CPU per purchase"
		res+=("$schema=$us")
	done
done
# every purchase charged, or the figures measured something else
rows=$(psql -X -Atc "SELECT count(*) FROM charging_records")
[ "$rows" -eq $((2 * PAIRS * BATCHES * N)) ] ||
	fail "charging rows: $rows for $((2 * PAIRS * BATCHES * N)) purchases"
echo "charging rows: $rows, one for each purchase"
python3 - "${res[@]}" <<'PY'
import statistics, sys
v = {}
for a in sys.argv[1:]:
    k, x = a.split("=")
    v.setdefault(k, []).append(float(x))
for k in ("as is", "with"):
    print("%s: median %.1f us per purchase (runs %s)" % (
        k, statistics.median(v[k]), " ".join("%.1f" % x for x in v[k])))
print("ratio with / as is: %.2fx" % (statistics.median(v["with"]) /
                                     statistics.median(v["as is"])))
PY
