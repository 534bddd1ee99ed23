#!/usr/bin/env python3
"""Sends one raw HTTP request on a new TCP connection and reads the answer
until the server closes (or 3 s pass), for tests of what p2pcd-tracker
writes on the wire.

usage: raw-http.py PORT REQUEST   (REQUEST with \\r\\n written as is)

Prints a first line "eof=0|1 segs_in=N body=B" (N: TCP segments this
client received before it closed, from TCP_INFO: the SYN-ACK counts; B:
bytes after the header's blank line), then the answer with every byte
outside printable ASCII, CR and LF written as \\xNN, so a shell variable
can hold it (bash drops NUL bytes).
"""
import socket
import struct
import sys

port, req = int(sys.argv[1]), sys.argv[2].encode()
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(req)
data, eof = b"", 0
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            eof = 1
            break
        data += chunk
except socket.timeout:
    pass
# struct tcp_info (linux/tcp.h): tcpi_segs_in is the u32 at offset 140
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 144)
segs_in = struct.unpack_from("I", info, 140)[0]
s.close()
body = len(data.partition(b"\r\n\r\n")[2])
shown = "".join(
    chr(b) if 32 <= b < 127 or b in (10, 13) else "\\x%02x" % b for b in data
)
print("eof=%d segs_in=%d body=%d" % (eof, segs_in, body))
sys.stdout.write(shown)
