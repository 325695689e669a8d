# A hostile server for hostile_clients.sh: listens on 127.0.0.1:PORT and
# answers every read of every connection as KIND says (a bad status line, a
# huge header, bad chunk sizes, Content-Length overflows, an early close;
# DNS with a wrong id, truncated, length 0; raw bytes without the
# delimiter; echo frames shifted, doubled or zeroed; garbage; silence).
# --tls: over TLS with CERT KEY. Prints the port it listens on once it does
# (PORT 0: one the kernel picks), then runs until killed.
# usage: hostile_fake_server.py PORT KIND [CERT KEY]
import os
import socket
import ssl
import struct
import sys
import threading
import time

port, kind = int(sys.argv[1]), sys.argv[2]
tls = None
if len(sys.argv) > 4:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[3], sys.argv[4])
HTTP = {
    "http_bad_status": b"HTTX/1.1 abc\r\n\r\n",
    "http_huge_header": b"HTTP/1.1 200 OK\r\nX: " + b"a" * 300000,
    "http_bad_chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    "http_huge_chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\nabc",
    "http_cl_overflow": b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nabc",
    "http_cl_max": b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc",
    "http_cl_two": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
    "http_early_close": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
}


def dns_reply(q, idshift=0):
    m = q[2:]
    if len(m) < 12:
        return b""
    qid = (struct.unpack(">H", m[:2])[0] + idshift) & 0xFFFF
    body = struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + m[12:] + \
        b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
    return struct.pack(">H", len(body)) + body


def answer(c, d):
    """False when the connection is to be closed now."""
    if kind in HTTP:
        c.sendall(HTTP[kind])
        return kind != "http_early_close"
    if kind == "close_at_once":
        return False
    if kind == "garbage":
        c.sendall(os.urandom(70000))
    elif kind == "dns_wrong_id":
        c.sendall(dns_reply(d, 1))
    elif kind == "dns_truncated":
        c.sendall(dns_reply(d)[:10])
        return False
    elif kind == "dns_len0":
        c.sendall(b"\x00\x00" * 50)
    elif kind == "raw_no_delim":
        while True:  # a reply that never ends, at a pace that leaves the CPUs to the client
            c.sendall(b"x" * 16384)
            time.sleep(0.005)
    elif kind == "echo_shifted":
        c.sendall(b"\x01" + d)
    elif kind == "echo_twice":
        c.sendall(d + d)
    elif kind == "echo_zero":
        c.sendall(b"\0" * len(d))
    return True  # silent: nothing


def serve(c):
    try:
        if tls:
            c = tls.wrap_socket(c, server_side=True)
        c.settimeout(10)
        while True:
            d = c.recv(65536)
            if not d or not answer(c, d):
                break
    except (OSError, ssl.SSLError):
        pass
    try:
        c.close()
    except OSError:
        pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(64)
print(ls.getsockname()[1], flush=True)
while True:
    conn, _ = ls.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
