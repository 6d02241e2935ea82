#!/usr/bin/env python3
"""cutproxy.py LISTEN_PORT TARGET_PORT CUTS LOG: a TCP relay on 127.0.0.1 that
cuts its first connections, in the handshake or after it.

CUTS is a comma-separated list, one entry per connection (1-based); later
connections are relayed untouched. An entry is
  N     cut once N bytes of the broker's data have been relayed to the client
        (a small N lands inside the server's handshake flight);
  uN    cut once N bytes of the client's data have been relayed to the broker
        (past the client's handshake flight: inside the request);
  aN    relay the client's data; once the client has sent N bytes (the whole
        request) relay only 20 bytes of what the broker sends next (its
        answer), then cut.
One line per connection goes to LOG, so the test can show where each cut
happened. It stands in for a host (or network) that drops the guest's
connection.
"""
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
cuts = [x for x in sys.argv[3].split(",") if x]
log = open(sys.argv[4], "a", buffering=1)


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


class Conn:
    def __init__(self, n, client, server, spec):
        self.n, self.client, self.server = n, client, server
        self.mode = spec[0] if spec and spec[0] in "ua" else ("d" if spec else None)
        self.limit = int(spec.lstrip("ua")) if spec else None
        self.up = self.down = 0
        self.done = threading.Lock()
        self.cut = False

    def finish(self, why):
        with self.done:
            if self.cut:
                return
            self.cut = True
        log.write(f"conn {self.n}: {why}, {self.up} bytes from the client, {self.down} from the broker\n")
        close(self.client, self.server)

    def upstream(self):
        try:
            while True:
                data = self.client.recv(65536)
                if not data:
                    break
                if self.mode == "u" and self.up + len(data) >= self.limit:
                    self.server.sendall(data[: self.limit - self.up])
                    self.up = self.limit
                    self.finish(f"cut after {self.limit} bytes from the client")
                    return
                self.server.sendall(data)
                self.up += len(data)
        except OSError:
            pass
        try:
            self.server.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def downstream(self):
        try:
            while True:
                data = self.server.recv(65536)
                if not data:
                    break
                if self.mode == "d" and self.down + len(data) >= self.limit:
                    self.client.sendall(data[: self.limit - self.down])
                    self.down = self.limit
                    self.finish(f"cut after {self.limit} bytes from the broker")
                    return
                if self.mode == "a" and self.up >= self.limit:
                    self.client.sendall(data[:20])
                    self.down += min(20, len(data))
                    self.finish("cut 20 bytes into the broker's answer")
                    return
                self.client.sendall(data)
                self.down += len(data)
        except OSError:
            pass
        self.finish("relayed")


def handle(n, client):
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError as e:
        log.write(f"conn {n}: broker unreachable: {e}\n")
        close(client)
        return
    c = Conn(n, client, server, cuts[n - 1] if n <= len(cuts) else None)
    threading.Thread(target=c.upstream, daemon=True).start()
    c.downstream()


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
