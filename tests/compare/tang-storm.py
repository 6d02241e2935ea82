#!/usr/bin/env python3
"""tang-storm.py HOST PORT KID BODY C [R]: the load model of
tests/broker/bootstorm.c applied to tang: C concurrent slots, R requests in
all (default C: all at once, a boot storm); a slot that finishes starts the
next request at once. Each request is one POST /rec/KID exchange (the request
clevis-decrypt-tang sends) on a fresh connection, as each booting clevis
client makes. Latency runs from the connect to the full answer. Prints
"rps=.. p50_ms=.. p99_ms=.. errors=.." (rps = answered / wall time)."""
import asyncio
import math
import sys
import time


async def one(host, port, req, lat, errs):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection(host, port)
        w.write(req)
        await w.drain()
        # tangd keeps reading requests until EOF: take one answer by its
        # Content-Length, then close, as curl in clevis-decrypt-tang does.
        head = await r.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await r.readexactly(length)
        w.close()
        if not head.startswith(b"HTTP/1.1 200"):
            errs.append(head[:40])
            return
        lat.append(time.monotonic() - t0)
    except (OSError, asyncio.IncompleteReadError) as e:
        errs.append(str(e))


async def main():
    host, port, kid, body_file, c = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    n = max(c, int(sys.argv[6])) if len(sys.argv) > 6 else c
    body = open(body_file, "rb").read()
    req = (f"POST /rec/{kid} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/jwk+json\r\n"
           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    lat, errs = [], []
    t0 = time.monotonic()
    left = [n]

    async def slot():
        while left[0] > 0:
            left[0] -= 1
            await one(host, port, req, lat, errs)

    await asyncio.gather(*(slot() for _ in range(c)))
    wall = time.monotonic() - t0
    lat.sort()
    p = lambda q: 1e3 * lat[max(0, math.ceil(len(lat) * q) - 1)] if lat else float("nan")
    print(f"tang-storm: concurrent={c} requests={n} answered={len(lat)} errors={len(errs)} wall={wall:.2f}s")
    if errs:
        print(f"tang-storm: first error: {errs[0]!r}")
    print(f"rps={len(lat) / wall:.1f} p50_ms={p(0.5):.0f} p99_ms={p(0.99):.0f} errors={len(errs)}")


asyncio.run(main())
