#!/usr/bin/env python3
"""Seed corpora of the module fuzz targets, from real request bodies:
PUBLISH bodies as tests/sip/pubbody.py writes them (what the suites and
the client send), their raw torrents, and MESSAGE user part + body pairs.
usage: mkcorpus.py DIR   (writes DIR/acquire, DIR/publish, DIR/torrent)"""
import base64, hashlib, io, json, os, runpy, sys
from contextlib import redirect_stdout

top = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
pubbody = os.path.join(top, "tests/sip/pubbody.py")
out = sys.argv[1]


def body(*args):
    sys.argv = ["pubbody.py", *args]
    buf = io.StringIO()
    with redirect_stdout(buf):
        runpy.run_path(pubbody, run_name="__main__")
    return buf.getvalue()


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    items = sorted((k.encode(), x) for k, x in v.items())
    return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def put(kind, name, data):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


pub = {
    "ok": body("c1"),
    "unicode-title": body("c2", "--title", "Große Oper — 東京 🎬"),
    "price0": body("c3", "--price", "0"),
    "two-pieces": body("c4", "--size", "20000"),
    "big-plen": body("c5", "--size", "5000000", "--plen", "1048576"),
    "public": body("c6", "--public"),
    "noncanonical": body("c7", "--noncanonical"),
    "pieces-short": body("c8", "--pieces-short"),
    "plen-1000": body("c9", "--plen", "1000"),
    "no-torrent": body("c10", "--no-torrent"),
}
# a multi-file torrent
h = lambda t: hashlib.sha256(t.encode()).digest()
info = {"name": "album", "piece length": 16384, "private": 1,
        "files": [{"length": 10000, "path": ["cd1", "01.flac"]},
                  {"length": 30000, "path": ["cd1", "02.flac"]}],
        "pieces": b"".join(hashlib.sha1(h("m%d" % i)).digest()
                           for i in range(3))}
multi = b"d8:announce" + benc("http://t.invalid/announce") + b"4:info" + \
    benc(info) + b"e"
o = json.loads(pub["ok"])
o["torrent"] = b64(multi)
o["kid"] = h("mkid")[:16].hex()
pub["multi-file"] = json.dumps(o)
o2 = json.loads(pub["ok"])
del o2["fingerprint"], o2["currency"], o2["price_cents"], o2["rights"]
pub["minimal"] = json.dumps(o2)
o3 = json.loads(pub["ok"])
o3["rights"] = {"play": "PT24H", "nested": {"a": [1, 2, {"b": None}]}}
pub["rights-nested"] = json.dumps(o3)
for name, b in pub.items():
    put("publish", name, b)
    t = json.loads(b).get("torrent")
    if t:
        put("torrent", name, unb64(t))

acq = {
    "empty-body": "10.9999/t.one\n",
    "max-price": '10.9999/t.one\n{"max_price_cents": 150}',
    "escaped": '10.9999%2Fp2pcd.abcdefghijkl\n{}',
    "not-object": "10.9999/t.two\n[1, 2]",
    "negative": '10.9999/t.two\n{"max_price_cents": -1}',
    "real": '10.9999/t.two\n{"max_price_cents": 1.5}',
    "dup": '10.9999/t.two\n{"max_price_cents": 1, "max_price_cents": 2}',
    "nul-doi": "10.9999/t%00x\n{}",
    "sql-doi": "10.9999/x';DROP%20TABLE%20content;--\n{}",
    "unicode": '10.9999/t.one\n{"note": "\u00e9\u6771"}',
}
for name, b in acq.items():
    put("acquire", name, b)
