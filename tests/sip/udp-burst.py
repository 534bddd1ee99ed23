#!/usr/bin/env python3
"""Acquisition MESSAGEs over UDP from one socket, in waves, each request
sent once (no retransmission timers: a test that wants one names it).
usage: udp-burst.py AS-PORT DOI TAG WAVE [WAVE...]
  WAVE: N (N new requests, sent back to back), NL (the same with a second
  Via of 1500 bytes, which the answer copies: longer than one GSO segment
  may be), +MS (pause MS ms), or rK (send request K again, byte for byte:
  a retransmission)
Waits up to 10 s for a final answer to every request, then prints one line
per request: "K CODE ANSWERS RETRY-AFTER" (ANSWERS: how many final answers
it got, RETRY-AFTER: the header's value or -). BURST_HOST (default
127.0.0.1) is the AS's address and BURST_SOURCE (the same by default) this
end's. BURST_ICID: request K's icid-value is "BURST_ICID-K" (a quoted
string: the value may hold quotes and backslashes) and the even ones carry
no orig-ioi. Exits 1 if a datagram was not one whole message: its body (after
the first blank line) must be exactly Content-Length bytes (answers sent
together by UDP GSO are cut by the kernel at fixed offsets)."""
import os, socket, sys, time

port, doi, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
host = os.environ.get("BURST_HOST", "127.0.0.1")
src = os.environ.get("BURST_SOURCE", host)
icid = os.environ.get("BURST_ICID")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
lport = s.getsockname()[1]
reqs = []


def request(k, long_via=False):
    cid = "%s-%d" % (tag, k)
    pcv = "icid-value=%s;orig-ioi=ims.test" % cid
    if icid is not None:
        pcv = 'icid-value="%s-%d"' % (icid, k) + (
            ";orig-ioi=ims.test" if k % 2 else "")
    via2 = ("Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK-%s;x=%s\r\n"
            % (cid, "a" * 1500)) if long_via else ""
    return ("MESSAGE sip:%s@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;rport;branch=z9hG4bK-%s\r\n"
            "%s"
            "Max-Forwards: 70\r\n"
            "From: <sip:buyer@127.0.0.1>;tag=f-%s\r\n"
            "To: <sip:%s@127.0.0.1>\r\n"
            "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\n"
            "P-Asserted-Identity: <sip:burst-%d@ims.test>\r\n"
            "P-Charging-Vector: %s\r\n"
            "Content-Length: 0\r\n\r\n"
            % (doi, host, port, src, lport, cid, via2, cid, doi, cid, k,
               pcv)).encode()


for w in sys.argv[4:]:
    if w.startswith("+"):
        time.sleep(int(w[1:]) / 1000.0)
    elif w.startswith("r"):
        s.sendto(reqs[int(w[1:]) - 1], (host, port))
    else:
        for _ in range(int(w.rstrip("L"))):
            reqs.append(request(len(reqs) + 1, w.endswith("L")))
            s.sendto(reqs[-1], (host, port))

answers = {}
bad = False
deadline = time.time() + 10
s.settimeout(0.2)
while time.time() < deadline:
    try:
        data, _ = s.recvfrom(65536)
    except socket.timeout:
        if len(answers) == len(reqs):
            break  # every request answered, and nothing more for 0.2 s
        continue
    head, sep, body = data.partition(b"\r\n\r\n")
    head = head.decode(errors="replace").split("\r\n")
    clen = [h.partition(":")[2].strip() for h in head[1:]
            if h.partition(":")[0].strip().lower() in ("content-length", "l")]
    if not sep or len(clen) != 1 or not clen[0].isdigit() \
            or len(body) != int(clen[0]):
        sys.stderr.write("not one whole message: %r\n" % data)
        bad = True
    code = int(head[0].split()[1])
    if code < 200:
        continue
    cid = retry = "-"
    for h in head[1:]:
        name, _, value = h.partition(":")
        if name.strip().lower() in ("call-id", "i"):
            cid = value.strip()
        elif name.strip().lower() == "retry-after":
            retry = value.strip()
    k = int(cid.rsplit("-", 1)[1])
    first = answers.get(k, (code, 0, retry))
    answers[k] = (first[0], first[1] + 1, first[2])
for k in range(1, len(reqs) + 1):
    code, n, retry = answers.get(k, (0, 0, "-"))
    print(k, code, n, retry)
sys.exit(1 if bad else 0)
