#!/usr/bin/env python3
"""Drives bertha's chat page in headless Chromium over the DevTools protocol.

Usage: chat-page-check.py BASE_URL SCREENSHOT.png [MESSAGE]

Loads the page, waits for the model badge, sends MESSAGE, samples the answer while it streams,
clicks 👎 and waits for bertha_feedback_total{score="down"} to move on /metrics, then saves a
screenshot. Prints one JSON object with what it saw; exits non-zero when a step fails.
Needs `chromium` (Debian) and `websocket-client` (scripts/requirements-test.txt).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def fail(message, **seen):
    print(json.dumps({"ok": False, "error": message, **seen}))
    sys.exit(1)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    fail("timed out waiting for " + what)


class DevTools:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})

    def eval(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            fail(f"script error in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")


def down_votes(base):
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("bertha_feedback_total{") and 'score="down"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def main():
    base, screenshot = sys.argv[1].rstrip("/"), sys.argv[2]
    message = sys.argv[3] if len(sys.argv) > 3 else "What is the capital of France?"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        fail("chromium is not installed (scripts/setup.sh installs it)")
    profile = tempfile.mkdtemp(prefix="bertha-chromium-")
    # --no-sandbox: the tests run as root in containers, where Chromium's sandbox cannot start.
    process = subprocess.Popen([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-extensions", "--disable-dev-shm-usage", "--remote-debugging-port=0",
                                "--remote-allow-origins=*", f"--user-data-dir={profile}", "--window-size=1000,720",
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        port = wait_for(lambda: os.path.exists(port_file) and open(port_file).read().split("\n")[0].strip(), 30,
                        "Chromium's DevTools port")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.navigate", url=base + "/")
        badge = wait_for(lambda: (lambda t: t if t and t != "connecting…" else None)(
            tools.eval("document.getElementById('badge') && document.getElementById('badge').textContent")), 15, "the badge")

        before = down_votes(base)
        tools.eval(f"document.getElementById('input').value = {json.dumps(message)};"
                   "document.getElementById('form').requestSubmit(); true")
        # Sample the answer while it streams: a streamed answer is seen in several partial states.
        partials = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = tools.eval("(() => { const d = [...document.querySelectorAll('.msg.assistant')].pop();"
                               " return d ? [d.dataset.state, d.querySelector('.text').textContent] : null })()")
            if state:
                if state[1] and (not partials or partials[-1] != state[1]):
                    partials.append(state[1])
                if state[0] == "done":
                    break
            time.sleep(0.01)
        else:
            fail("the answer did not finish", partials=partials)
        answer = partials[-1] if partials else ""
        error = tools.eval("(() => { const e = document.querySelector('.msg.assistant .error'); return e ? e.textContent : null })()")
        if error:
            fail("the page shows an error: " + error, partials=partials)
        completion_id = tools.eval("[...document.querySelectorAll('.msg.assistant')].pop().dataset.id")
        sources = tools.eval("[...document.querySelectorAll('.msg.assistant .sources li')].map(li => li.textContent)")

        tools.eval("[...document.querySelectorAll('.msg.assistant')].pop().querySelector('button.vote[data-score=down]').click(); true")
        wait_for(lambda: tools.eval("[...document.querySelectorAll('.msg.assistant')].pop().dataset.vote") == "down", 10,
                 "the vote to be accepted")
        after = wait_for(lambda: (lambda v: v if v > before else None)(down_votes(base)), 10,
                         'bertha_feedback_total{score="down"} to move')

        shot = tools.call("Page.captureScreenshot", format="png")
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(json.dumps({"ok": True, "badge": badge, "answer": answer, "partials": partials, "id": completion_id,
                          "sources": sources, "down_before": before, "down_after": after, "screenshot": screenshot}))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
