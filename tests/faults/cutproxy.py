#!/usr/bin/env python3
"""cutproxy.py LISTEN_PORT TARGET_PORT CUTS LOG: a TCP relay on 127.0.0.1 that
cuts its first connections in the middle of the TLS handshake.

CUTS is a comma-separated list of byte counts: connection i (1-based) is cut
(both directions closed) once CUTS[i-1] bytes of the broker's answer have been
relayed to the client, i.e. inside the server's handshake flight; later
connections are relayed untouched. One line per connection goes to LOG, so
the test can show where each cut happened. It stands in for a host (or
network) that drops the guest's connection mid-handshake.
"""
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
cuts = [int(x) for x in sys.argv[3].split(",") if x]
log = open(sys.argv[4], "a", buffering=1)


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def upstream(client, server):
    # client -> broker, untouched; ends when either side closes
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
    except OSError:
        pass
    try:
        server.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(n, client):
    limit = cuts[n - 1] if n <= len(cuts) else None
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError as e:
        log.write(f"conn {n}: broker unreachable: {e}\n")
        close(client)
        return
    threading.Thread(target=upstream, args=(client, server), daemon=True).start()
    sent = 0
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            if limit is not None and sent + len(data) >= limit:
                client.sendall(data[: limit - sent])
                sent = limit
                log.write(f"conn {n}: cut after {sent} bytes from the broker\n")
                close(client, server)
                return
            client.sendall(data)
            sent += len(data)
    except OSError:
        pass
    log.write(f"conn {n}: relayed, {sent} bytes from the broker\n")
    close(client, server)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
log.write(f"listening on {listen_port}, cuts {cuts}\n")
count = 0
while True:
    c, _ = srv.accept()
    count += 1
    threading.Thread(target=handle, args=(count, c), daemon=True).start()
