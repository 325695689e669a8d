# Peers that send part of a request and then shut down their write side
# (half-close), for tests/integration/half_close.sh: opens them, waits for
# the server to close each one (EOF on our read side), and exits 0 only if
# every one was closed within the bound. usage: half_close.py PORT MODE
import socket
import sys
import time

port, mode = int(sys.argv[1]), sys.argv[2]
HALF = {
    "echo": [b"\x00\x10half a frame", b""],
    "sink": [b"\x00\x10half a frame", b""],
    "http": [b"GET /?length=10 HTTP/1.1\r\nHost: x\r\n", b"GET /?length=3 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHo"],
    "dns": [b"\x00\x20\x12\x34\x01", b"\x00"],
}[mode]
socks = []
for payload in HALF * 3:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if payload:
        s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    socks.append(s)
deadline = time.time() + 3
open_ = 0
for s in socks:
    s.settimeout(max(0.05, deadline - time.time()))
    try:
        while s.recv(65536):  # answers to whole requests, then the server's FIN
            pass
    except socket.timeout:
        open_ += 1
    except ConnectionResetError:
        pass
# keep our ends open: a server end left behind would sit in CLOSE-WAIT now
print(f"{mode}: {len(socks)} half-closed peers, {open_} not closed by the server within 3 s", flush=True)
sys.stdin.read()  # the shell checks ss, then closes our stdin
sys.exit(1 if open_ else 0)
