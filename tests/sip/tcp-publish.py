#!/usr/bin/env python3
"""One PUBLISH (Event p2pcd-content) over TCP with a body from a file, for
bodies larger than sipp sends over TCP (sipp 3.6 fails above 64 KB).
usage: tcp-publish.py PORT BODY-FILE IMPU  -> prints the status line and
the response headers."""
import socket, sys

port, body, impu = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=15)
lp = s.getsockname()[1]
req = ("PUBLISH sip:publisher@127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKtcp%d\r\n"
       "Max-Forwards: 70\r\nFrom: <%s>;tag=t%d\r\nTo: <%s>\r\n"
       "Call-ID: tcp-publish-%d\r\nCSeq: 1 PUBLISH\r\n"
       "Event: p2pcd-content\r\nExpires: 3600\r\n"
       "P-Asserted-Identity: <%s>\r\nContent-Type: application/json\r\n"
       "Content-Length: %d\r\n\r\n"
       % (port, lp, lp, impu, lp, impu, lp, impu, len(body)))
s.sendall(req.encode() + body)
buf = b""
while b"\r\n\r\n" not in buf:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.split(b"\r\n\r\n")[0].decode(errors="replace") + "\n")
