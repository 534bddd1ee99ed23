#!/usr/bin/env python3
"""sysmon.py DATADIR: one line a second, until killed, of what the disk and
the database server did in that second, so that a slow second of a bench
run can be told apart: page cache written back by the kernel, buffers
written by the server, a disk cache flush that waited, or autovacuum.

Columns (tab separated): time in ms since the epoch; Dirty and Writeback
of /proc/meminfo (kB); of the disk holding DATADIR the sectors written,
the ms spent writing, the requests in flight, the flushes done and the ms
spent flushing (/proc/diskstats, counters); buffers written by the
checkpointer, the background writer and the backends (pg_stat_bgwriter,
counters); the tables autovacuum is working on ('-' for none).
"""
import os
import subprocess
import sys
import time

QUERY = ("SELECT buffers_checkpoint, buffers_clean, buffers_backend, "
         "coalesce((SELECT string_agg(regexp_replace(query, "
         "'^autovacuum: ((VACUUM )?(ANALYZE )?)(public\\.)?', '\\1'), ',') "
         "FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
         "AND query <> ''), '-') FROM pg_stat_bgwriter")


def disk_of(path):
    """The whole-disk name in /proc/diskstats that holds path."""
    dev = os.stat(path).st_dev
    name = os.path.basename(os.path.realpath(
        "/sys/dev/block/%d:%d" % (os.major(dev), os.minor(dev))))
    # a partition's parent directory is its disk
    part = "/sys/class/block/%s/partition" % name
    if os.path.exists(part):
        name = os.path.basename(os.path.dirname(os.path.realpath(
            "/sys/class/block/" + name)))
    return name


def meminfo():
    v = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, rest = line.split(":", 1)
            v[k] = rest.split()[0]
    return v["Dirty"], v["Writeback"]


def diskstats(disk):
    with open("/proc/diskstats") as f:
        for line in f:
            x = line.split()
            if x[2] == disk:
                # sectors written, ms writing, in flight, flushes, ms flushing
                flush = x[18:20] if len(x) >= 20 else ["0", "0"]
                return [x[9], x[10], x[11]] + flush
    return ["0"] * 5


def main():
    disk = disk_of(sys.argv[1])
    # one session for the whole run: a psql started each second cost the
    # machine more CPU than the samples are worth
    pg = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-F", "\t"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    while True:
        t = int(time.time() * 1000)
        cols = []
        if pg.poll() is None:
            # the marker ends each answer, a failed query's too
            pg.stdin.write(QUERY + ";\n\\echo .\n")
            pg.stdin.flush()
            for line in iter(pg.stdout.readline, ""):
                if line == ".\n":
                    break
                cols = line.rstrip("\n").split("\t")
        if len(cols) != 4:
            cols = ["0", "0", "0", "?"]
        print("\t".join([str(t), *meminfo(), *diskstats(disk), *cols]),
              flush=True)
        time.sleep(max(0.0, 1.0 - (time.time() * 1000 - t) / 1000))


if __name__ == "__main__":
    main()
