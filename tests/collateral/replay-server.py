#!/usr/bin/python3
"""replay-server.py ROUTES.json CERT KEY PORTFILE LOGFILE: an HTTPS server on
127.0.0.1 that answers GETs with recorded vendor answers, for the collateral
fetch tests (no outside network).

ROUTES.json maps the request target (path and query, exactly as sent) to
{"file": BODY_FILE, "headers": {NAME: VALUE_FILE, ...}, "status": N,
"delay": SECONDS (a stalled server)}; it is
read again at every request, so a test can swap an answer (a tampered one)
without restarting the server.  Anything else: 404.  Every request target is
appended to LOGFILE.  The chosen port is written to PORTFILE."""
import http.server
import json
import os
import ssl
import sys
import time

routes_path, cert, key, port_file, log_file = sys.argv[1:6]


class Replay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body are separate writes: without this, Nagle and the
    # delayed ACK add 40 ms to every answer
    disable_nagle_algorithm = True

    def do_GET(self):
        with open(log_file, "a") as log:
            log.write(self.path + "\n")
        with open(routes_path) as f:
            route = json.load(f).get(self.path)
        if route is None:
            body = b"not recorded\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        time.sleep(route.get("delay", 0))
        with open(route["file"], "rb") as f:
            body = f.read()
        self.send_response(route.get("status", 200))
        for name, value_file in route.get("headers", {}).items():
            with open(value_file) as f:
                self.send_header(name, f.read().strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Replay)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
