#!/usr/bin/env python3
"""Writes sample.torrent, the info-hash fixture of test_infohash.c, and
prints its info-hash computed independently of lib/: a bencoder of its own
(below) and Python's hashlib. Deterministic: same bytes on every run.

Cross-checked with a third implementation when the fixture was made:
  aria2c -S sample.torrent  ->  Info Hash: (the same value)
"""
import hashlib
import os
import sys


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x)
                       for k, x in v.items())
        return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"
    raise TypeError(v)


PIECE = 16384
files = [("a.txt", b"hello p2pcd\n" * 1000), ("sub/b.bin", bytes(range(256)) * 90)]
blob = b"".join(data for _, data in files)
pieces = b"".join(hashlib.sha1(blob[i:i + PIECE]).digest()
                  for i in range(0, len(blob), PIECE))
info = {
    "name": "p2pcd-sample",
    "piece length": PIECE,
    "pieces": pieces,
    "private": 1,
    "files": [{"length": len(d), "path": p.split("/")} for p, d in files],
}
torrent = {
    "announce": "http://127.0.0.1:6969/announce/TOKEN",
    "comment": "p2pcd unit test fixture",
    "created by": "tests/unit/data/mktorrent.py",
    "creation date": 1700000000,
    "info": info,
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample.torrent")
with open(out, "wb") as f:
    f.write(benc(torrent))
print(hashlib.sha1(benc(info)).hexdigest())
sys.exit(0)
