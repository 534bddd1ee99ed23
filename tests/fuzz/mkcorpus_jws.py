#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_jws into corpus/jws/ (deterministic).

Byte 0 picks the mode (see fuzz_jws.c): 'v' (even) = a token to verify,
's'/'w' (odd) = a JSON claims object to sign as adm/lic then verify.
Tokens are MAC'd with the fuzzer's fixed key: HKDF-SHA256 of the master
bytes 00..1f, salt "p2pcd-jws-v1", info "p2pcd/jws/tracker-1/vN".
"""
import base64
import hashlib
import hmac
import os

NOW = 1700000000


def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    t, okm, i = b"", b"", 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:n]


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def key(v):
    return hkdf(b"p2pcd-jws-v1", bytes(range(32)),
                b"p2pcd/jws/tracker-1/v%d" % v, 32)


def token(hdr, claims, v=2):
    si = b64(hdr) + b"." + b64(claims)
    return si + b"." + b64(hmac.new(key(v), si, hashlib.sha256).digest())


HDR = b'{"alg":"HS256","typ":"p2pcd-adm+jwt","kid":"tracker-1:v%d"}'
ADM = (b'{"iss":"as.example.net","sub":"u-7f3a","aud":"tracker-1",'
       b'"iat":%d,"nbf":%d,"exp":%d,"jti":"j-1",'
       b'"ih":"94167dc40e23cb3b2f1affc58fd6467bd019d64f",'
       b'"doi":"10.5555/p2pcd.1","role":"leech","icid":"icid-1"}'
       % (NOW, NOW, NOW + 300))
seeds = {
    "valid-v2": b"v" + token(HDR % 2, ADM),
    "valid-v1": b"v" + token(HDR % 1, ADM, 1),
    "expired": b"v" + token(HDR % 2, ADM.replace(b"%d" % (NOW + 300),
                                                 b"%d" % (NOW - 100))),
    "alg-none": b"v" + token(b'{"alg":"none","typ":"p2pcd-adm+jwt",'
                             b'"kid":"tracker-1:v2"}', ADM)[:-43],
    "crit": b"v" + token(b'{"alg":"HS256","typ":"p2pcd-adm+jwt",'
                         b'"kid":"tracker-1:v2","crit":["exp"]}', ADM),
    "wrong-kid": b"v" + token(HDR.replace(b"tracker-1", b"tracker-2") % 2,
                              ADM),
    "three-dots": b"v" + token(HDR % 2, ADM) + b".",
    "garbage": b"vnot.a.token",
    "claims-adm": b"s" + ADM,
    "claims-lic": (b'w{"iss":"as","sub":"u-1","aud":"license","iat":1,'
                   b'"exp":2,"jti":"j","doi":"10.5555/x","kids":["a"],'
                   b'"rights":{"play":"PT24H"},"icid":"i"}'),
    "claims-odd": b's{"a":[1,2.5,null,true,{"b":"\\u00e9\\n"}],"":""}',
}
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "jws")
os.makedirs(d, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
