"""A local HTTP server that misbehaves on purpose, for bertha's HTTP client tests.

GET/POST /flaky/<n>/<code>/<key>  answers <code> to the first <n> requests for <key>, then 200 "ok"
GET /slow/<seconds>               answers 200 after sleeping
GET /close                        closes the connection without answering
GET /bytes/<n>                    answers n bytes
GET /count/<key>                  how many requests <key> has seen
Prints its port on the first line of stdout.
"""
import http.server
import sys
import threading
import time

counts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.strip("/").split("/")
        if parts[0] == "flaky":
            failures, code, key = int(parts[1]), int(parts[2]), parts[3]
            with lock:
                counts[key] = counts.get(key, 0) + 1
                seen = counts[key]
            if seen <= failures:
                return self.reply(code, b'{"error":"injected failure"}')
            return self.reply(200, b"ok")
        if parts[0] == "slow":
            time.sleep(float(parts[1]))
            return self.reply(200, b"late")
        if parts[0] == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if parts[0] == "bytes":
            return self.reply(200, b"x" * int(parts[1]))
        if parts[0] == "count":
            with lock:
                return self.reply(200, str(counts.get(parts[1], 0)).encode())
        self.reply(404, b"no such path")

    do_GET = handle_any
    do_POST = handle_any
    do_PUT = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
