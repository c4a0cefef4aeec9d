"""A proxy that misbehaves on purpose, in front of a real service (S3, MLflow), for bertha's tests.

tcp UPSTREAM_PORT --drop-after BYTES [--drop-count K]
    Forwards TCP connections byte for byte, but cuts the first K connections (every one with K=-1)
    once BYTES bytes of request have passed through them: a connection killed mid-upload.
http UPSTREAM_PORT --fail-status CODE --fail-count K --fail-match SUBSTRING [--fail-method M]
    Forwards HTTP/1.1 requests, but answers CODE (with an MLflow-style JSON error) to the first K
    requests whose path contains SUBSTRING (and whose method is M, when given).
Prints its port on the first line of stdout, then one line per injected fault ("dropped", "failed").
"""
import argparse
import http.client
import http.server
import socket
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("mode", choices=["tcp", "http"])
parser.add_argument("upstream", type=int)
parser.add_argument("--drop-after", type=int, default=1 << 20)
parser.add_argument("--drop-count", type=int, default=1)
parser.add_argument("--fail-status", type=int, default=500)
parser.add_argument("--fail-count", type=int, default=1)
parser.add_argument("--fail-match", default="")
parser.add_argument("--fail-method", default="")
args = parser.parse_args()

lock = threading.Lock()
state = {"dropped": 0, "failed": 0}


def report(word):
    with lock:
        state[word] += 1
        print(f"{word} {state[word]}", flush=True)


def pump(source, sink, limit=None):
    """Copies source to sink; with a limit, returns True once that many bytes passed (the cut point)."""
    passed = 0
    try:
        while True:
            data = source.recv(1 << 20)
            if not data:
                break
            if limit is not None and passed + len(data) >= limit:
                sink.sendall(data[: max(0, limit - passed)])
                return True
            sink.sendall(data)
            passed += len(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    return False


def tcp_connection(client):
    upstream = socket.create_connection(("127.0.0.1", args.upstream))
    with lock:
        doomed = args.drop_count < 0 or state["dropped"] + state.get("pending", 0) < args.drop_count
        if doomed:
            state["pending"] = state.get("pending", 0) + 1
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    cut = pump(client, upstream, args.drop_after if doomed else None)
    if doomed:
        with lock:
            state["pending"] -= 1
    if cut:
        report("dropped")
        # RST rather than FIN: the client sees the connection die, as when a peer crashes.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        upstream.close()
    client.close()


def serve_tcp():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=tcp_connection, args=(client,), daemon=True).start()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        inject = False
        if args.fail_match in self.path and (not args.fail_method or args.fail_method == self.command):
            with lock:
                if state["failed"] < args.fail_count:
                    inject = True
        if inject:
            report("failed")
            data = b'{"error_code": "INTERNAL_ERROR", "message": "injected failure"}'
            self.send_response(args.fail_status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        conn = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


if args.mode == "tcp":
    serve_tcp()
else:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    print(server.server_address[1], flush=True)
    server.serve_forever()
