# Hostile peers against one tcpswarm server mode, for hostile_servers.sh:
# garbage and oversized input, all at once, each on its own connection
# (optionally over TLS). Checks what each gets back, then that a valid
# request is still answered. Exits 0 when every check held; prints each
# failure. usage: hostile_garbage.py PORT MODE [tls]
import os
import socket
import ssl
import struct
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
tls = sys.argv[3:] == ["tls"]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

DNSQ = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
HTTP_BAD = {
    "bad_request_line": b"\xff\xfe GARBAGE\r\n\r\n",
    "header_over_peek": b"GET / HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
    "content_length_overflow": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\nabc",
    "content_length_negative": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nabc",
    "bad_chunk_size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "huge_chunk_size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n",
    "length_overflow": b"GET /?length=99999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
    "length_negative": b"GET /?length=-1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "random": os.urandom(70000),
    "zeros": b"\0" * 70000,
}
DNS_BAD = {
    "length_0": b"\x00\x00" * 100,
    "length_max_garbage": b"\xff\xff" + os.urandom(65535),
    "shorter_than_header": b"\x00\x05\x12\x34\x01\x00\x00",
    "random": os.urandom(70000),
    "zeros": b"\0" * 70000,
}
STREAM = {"random": os.urandom(70000), "zeros": b"\0" * 70000, "http_head": HTTP_BAD["header_over_peek"],
          "dns_max": DNS_BAD["length_max_garbage"]}
payloads = {"http": HTTP_BAD, "dns": DNS_BAD}.get(mode, STREAM)
failures = []
lock = threading.Lock()


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return ctx.wrap_socket(s) if tls else s


def read_all(s, want_close, limit):
    """Bytes back until the server closes (want_close) or stays quiet for 1 s; and whether it closed."""
    got = b""
    s.settimeout(1.0 if not want_close else 3.0)
    try:
        while len(got) < limit:
            d = s.recv(65536)
            if not d:
                return got, True
            got += d
    except (socket.timeout, TimeoutError):
        return got, False
    except (ConnectionResetError, ssl.SSLError, OSError):
        return got, True
    return got, False


def check(name, p):
    def bad(why):
        with lock:
            failures.append(f"{mode}{' tls' if tls else ''} {name}: {why}")
    try:
        s = connect()
        try:
            s.sendall(p)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # closed on us mid-send: judged by what came back
        if mode == "echo":
            got, closed = read_all(s, False, len(p))
            if got != p[:len(got)] or len(got) != len(p):
                bad(f"echoed {len(got)} of {len(p)} bytes{' (differing)' if got != p[:len(got)] else ''}")
        elif mode == "sink":
            got, closed = read_all(s, False, 1)
            if got or closed:
                bad(f"sink answered {len(got)} bytes / closed={closed}")
        elif mode == "http":
            got, closed = read_all(s, True, 1 << 20)
            if got and not got.startswith(b"HTTP/1.1 400 "):
                bad(f"answered {got[:40]!r}, want a 400")
            if not closed:
                bad("left open 3 s after a bad request")
        else:
            got, closed = read_all(s, True, 1 << 20)
            if got and (len(got) < 6 or got[5] & 0x0F != 1):
                bad(f"answered {got[:16]!r}, want FORMERR")
            if not closed:
                bad("left open 3 s after an unframeable message")
        s.close()
    except Exception as e:  # a refused connect or a TLS failure is a failure of the server
        bad(repr(e))


threads = [threading.Thread(target=check, args=kv) for kv in payloads.items()]
for t in threads:
    t.start()
for t in threads:
    t.join()
# still serving: one valid request answered, written in two parts (over
# TLS two records, back to back: the first alone never frames a request,
# and the second brings no new edge once SSL has read it)
try:
    s = connect()
    s.settimeout(3)
    if mode == "http":
        s.sendall(b"GET /?length=5 HTTP/1.1\r\nHo")
        s.sendall(b"st: x\r\n\r\n")
        ok = s.recv(4096).startswith(b"HTTP/1.1 200 ")
    elif mode == "dns":
        s.sendall(struct.pack(">H", len(DNSQ)))
        s.sendall(DNSQ)
        r = s.recv(4096)
        ok = len(r) > 6 and r[2:4] == b"\x12\x34" and r[5] & 0x0F == 0
    elif mode == "echo":
        s.sendall(b"ping")
        ok = s.recv(16) == b"ping"
    else:
        s.sendall(b"ping")
        ok = True
    s.close()
    if not ok:
        failures.append(f"{mode}: a valid request after the attack was not answered")
except Exception as e:
    failures.append(f"{mode}: a valid request after the attack failed: {e!r}")
for f in failures:
    print("FAIL:", f, flush=True)
print(f"{mode}{' tls' if tls else ''}: {len(payloads)} hostile peers, {len(failures)} failures", flush=True)
sys.exit(1 if failures else 0)
