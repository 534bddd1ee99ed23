#!/usr/bin/env python3
"""Announces at a steady pace on one keep-alive connection (reconnecting
after an error), for tests and benchmarks of p2pcd-tracker.

usage: announce-load.py PORT TOKEN INFO-HASH-HEX SECONDS RATE [LEFT]

RATE announces per second (0: as fast as it goes), peer ids and ports
cycling over 2000 peers, uploaded growing by one byte an announce. Prints
"OK BAD" at the end; BAD counts no answer, a status other than 200, or a
bencoded failure reason (each also printed on stderr).
"""
import http.client
import sys
import time

port, tok, ih = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secs, rate = float(sys.argv[4]), float(sys.argv[5])
left = int(sys.argv[6]) if len(sys.argv) > 6 else 100
q = "".join("%%%s" % ih[i:i + 2] for i in range(0, 40, 2))
okn = bad = i = 0
c = None
t0 = time.time()
while time.time() - t0 < secs:
    i += 1
    path = ("/announce/%s?info_hash=%s&peer_id=%%2dLD0001-%012d&port=%d"
            "&uploaded=%d&downloaded=0&left=%d&compact=1"
            % (tok, q, i % 2000, 10000 + i % 2000, i, left))
    try:
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if r.status == 200 and body.startswith(b"d") and b"failure reason" not in body:
            okn += 1
        else:
            bad += 1
            print("bad answer: %d %r" % (r.status, body[:120]), file=sys.stderr)
    except (OSError, http.client.HTTPException) as e:
        bad += 1
        print("error: %s" % e, file=sys.stderr)
        c = None
    if rate > 0:
        delay = t0 + i / rate - time.time()
        if delay > 0:
            time.sleep(delay)
print("%d %d" % (okn, bad))
