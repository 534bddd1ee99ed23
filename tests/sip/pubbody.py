#!/usr/bin/env python3
"""Build a p2pcd PUBLISH body (application/json, modules/p2pcd/README):
a private v1 .torrent (base64url), kid, fingerprint, a fake sealed key.

usage: pubbody.py SEED [--title T] [--price N] [--size BYTES] [--plen N]
                  [--public] [--noncanonical] [--pieces-short]
                  [--ih-out FILE] [--no-torrent] [--pad BYTES]
SEED makes the torrent, kid and fingerprint unique and reproducible.
Prints the JSON body on one line; --ih-out writes the info-hash (hex).
"""
import argparse, base64, hashlib, json, sys


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


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


p = argparse.ArgumentParser()
p.add_argument("seed")
p.add_argument("--title", default=None)
p.add_argument("--price", type=int, default=150)
p.add_argument("--size", type=int, default=100000)
p.add_argument("--plen", type=int, default=16384)
p.add_argument("--public", action="store_true")
p.add_argument("--noncanonical", action="store_true")
p.add_argument("--pieces-short", action="store_true")
p.add_argument("--no-torrent", action="store_true")
p.add_argument("--pad", type=int, default=0)
p.add_argument("--ih-out")
a = p.parse_args()

h = lambda tag: hashlib.sha256((a.seed + tag).encode()).digest()
npieces = (a.size + a.plen - 1) // a.plen
if a.pieces_short:
    npieces -= 1
pieces = b"".join(hashlib.sha1(h("p%d" % i)).digest() for i in range(npieces))
info = {"name": "file-%s.bin" % a.seed, "length": a.size,
        "piece length": a.plen, "pieces": pieces}
if not a.public:
    info["private"] = 1
raw_info = benc(info)
torrent = b"d8:announce" + benc("http://tracker.invalid/announce") + \
    b"4:info" + raw_info + b"e"
if a.noncanonical:
    torrent = torrent.replace(b"i%de" % a.size, b"i0%de" % a.size, 1)
if a.ih_out:
    with open(a.ih_out, "w") as f:
        f.write(hashlib.sha1(raw_info).hexdigest())
body = {"title": a.title or "Test content %s" % a.seed,
        "price_cents": a.price, "currency": "EUR",
        "rights": {"play": "PT24H", "copies": 1},
        "kid": h("kid")[:16].hex(), "fingerprint": h("fp").hex(),
        "sealed_key": b64url(h("k1") + h("k2") + h("k3")[:16])}
if not a.no_torrent:
    body["torrent"] = b64url(torrent)
if a.pad:
    body["pad"] = "x" * a.pad
sys.stdout.write(json.dumps(body, separators=(",", ":")))
