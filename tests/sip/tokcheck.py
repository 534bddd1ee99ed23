#!/usr/bin/env python3
"""Verify a p2pcd JWS (HS256) the way a tracker or the license service
would: key = HKDF-SHA256(master, salt "p2pcd-jws-v1",
info "p2pcd/jws/AUD/vN"), kid "AUD:vN" (lib/include/p2pcd/jws.h).

usage: tokcheck.py MASTER-HEX TOKEN   -> prints the header and claims as
JSON on two lines, exit 1 if the MAC does not verify.
"""
import base64, hashlib, hmac, json, sys


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hkdf(salt, ikm, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


master, tok = bytes.fromhex(sys.argv[1]), sys.argv[2]
h64, c64, s64 = tok.split(".")
hdr, claims = json.loads(unb64(h64)), json.loads(unb64(c64))
aud, ver = hdr["kid"].rsplit(":v", 1)
key = hkdf(b"p2pcd-jws-v1", master, ("p2pcd/jws/%s/v%s" % (aud, ver)).encode())
mac = hmac.new(key, (h64 + "." + c64).encode(), hashlib.sha256).digest()
print(json.dumps(hdr, sort_keys=True))
print(json.dumps(claims, sort_keys=True))
sys.exit(0 if hmac.compare_digest(mac, unb64(s64)) else 1)
