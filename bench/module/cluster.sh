# bench/module/cluster.sh: what run.sh and sqlcost.sh both do with their
# PostgreSQL cluster (sourced; PG* environment set).

# cluster_ticks DATADIR [ended]: utime+stime of the cluster's running
# processes; with "ended", of those that ended too (a session's backend
# ends with it: the postmaster's cutime+cstime once it has reaped it).
# run.sh counts running ones only: the sessions of the step before a load
# (the AS's, warm_wal's) are reaped during it.
cluster_ticks() {
	local p t=0 s pm
	pm=$(head -n 1 "$1/postmaster.pid")
	if [ "${2:-}" = ended ]; then
		s=$(cut -d' ' -f16,17 "/proc/$pm/stat")
		t=$((${s% *} + ${s#* }))
	fi
	for p in $pm $(pgrep -P "$pm" || true); do
		s=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${s% *} + ${s#* }))
	done
	echo "$t"
}

# cluster_seed: the tracker, the publisher and the one title the load buys
# (10.9999/bench, active, 100 cents)
cluster_seed() {
	psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO trackers (id,
		announce_url, state, last_seen, peers) VALUES ('trk-1',
		'http://127.0.0.1:6969/announce', 'active', now(), 5);
	INSERT INTO publishers (impu) VALUES ('sip:pub@ims.test');
	INSERT INTO content (doi, title, info_hash, kid, size_bytes, state,
		tracker_id, publisher, price_cents) VALUES ('10.9999/bench', 'Bench',
		decode(repeat('11', 20), 'hex'), decode(repeat('a1', 16), 'hex'),
		1000, 'active', 'trk-1', 'sip:pub@ims.test', 100)" >/dev/null
}
