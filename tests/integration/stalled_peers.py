# Stalled peers for tests/integration/stalled_peers.sh. usage:
# stalled_peers.py PORT MODE KIND WAIT: opens 3 connections of KIND
# (half: part of a request, then nothing; silent: nothing; trickle: one
# whole request every 0.3 s; drip: one byte of a request every 0.2 s,
# never finishing it within WAIT), keeps them WAIT seconds or until the server
# closes them, and prints how many the server closed and after how long.
import socket
import sys
import time

port, mode, kind, wait = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
HALF = {"http": b"GET /?length=10 HTTP/1.1\r\nHost: x\r\n", "dns": b"\x00\x20\x12\x34\x01"}[mode]
WHOLE = {
    "http": b"GET /?length=10 HTTP/1.1\r\nHost: x\r\n\r\n",
    "dns": b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
}[mode]
t0 = time.time()
socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
for s in socks:
    s.setblocking(False)
    if kind == "half":
        s.sendall(HALF)
closed_at = {}
next_req = t0
dripped = 0
while time.time() - t0 < wait and len(closed_at) < len(socks):
    now = time.time()
    if kind in ("trickle", "drip") and now >= next_req:
        for s in socks:
            if s not in closed_at:
                try:
                    if kind == "trickle":
                        s.sendall(WHOLE)
                    elif dripped < len(WHOLE) - 1:  # never the last byte
                        s.sendall(WHOLE[dripped : dripped + 1])
                except OSError:
                    closed_at[s] = now - t0
        next_req = now + (0.3 if kind == "trickle" else 0.2)
        dripped += 1
    for s in socks:
        if s in closed_at:
            continue
        try:
            if s.recv(65536) == b"":
                closed_at[s] = time.time() - t0
        except BlockingIOError:
            pass
        except OSError:
            closed_at[s] = time.time() - t0
    time.sleep(0.02)
times = sorted(closed_at.values())
print(f"{mode} {kind}: closed {len(times)} of 3" + (f", after {times[0]:.2f}-{times[-1]:.2f} s" if times else ""))
print(f"CLOSED {len(times)} MAX {times[-1] if times else 0:.2f}")
