"""Test helper: serves a metrics text bertha would expose, and records webhook posts.

Usage: fake_bertha.py METRICS_FILE WEBHOOK_LOG PORTS_FILE
GET /metrics returns METRICS_FILE as it is at that moment (the test rewrites it to drive a
scenario); POST anything appends the body as one line to WEBHOOK_LOG. Both servers bind
127.0.0.1 on free ports, written to PORTS_FILE as "METRICS_PORT WEBHOOK_PORT".
"""
import http.server, sys, threading, os

metrics_file, webhook_log, ports_file = sys.argv[1:4]


class Metrics(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(metrics_file, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Webhook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(webhook_log, "ab") as log:
            log.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


metrics = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
webhook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
threading.Thread(target=webhook.serve_forever, daemon=True).start()
tmp = ports_file + ".tmp"
with open(tmp, "w") as f:
    f.write(f"{metrics.server_address[1]} {webhook.server_address[1]}")
os.rename(tmp, ports_file)
metrics.serve_forever()
