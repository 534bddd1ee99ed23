#!/usr/bin/env python3
"""One acquisition MESSAGE over UDP, every byte fixed by the arguments (the
same arguments send the same request: same Call-ID, Via branch, tags), so
two answers to it can be compared byte for byte.
usage: udp-message.py AS-PORT DOI CALL-ID LOCAL-PORT  (LOCAL-PORT 0: any)
-> prints the local port on the first line, then the answer's status line
and headers, one per line, in the order received."""
import socket, sys

port, doi, cid, lport = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", lport))
s.settimeout(10)
lport = s.getsockname()[1]
req = ("MESSAGE sip:%s@127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=z9hG4bK-%s\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:buyer@127.0.0.1>;tag=f-%s\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\n"
       "P-Asserted-Identity: <sip:udp-buyer@ims.test>\r\n"
       "P-Charging-Vector: icid-value=udp-%s;orig-ioi=ims.test\r\n"
       "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n"
       % (doi, port, lport, cid, cid, doi, cid, cid))
s.sendto(req.encode(), ("127.0.0.1", port))
while True:
    data, _ = s.recvfrom(65536)
    if not data.startswith(b"SIP/2.0 1"):
        break
print(lport)
sys.stdout.write(data.split(b"\r\n\r\n")[0].decode(errors="replace")
                 .replace("\r\n", "\n") + "\n")
