import Hummingbird

/// `GET /`: the chat page, one self-contained HTML document compiled into the binary (no CDN, no
/// files to ship). It talks only to the public API: `/v1/models` for the badge, SSE from
/// `/v1/chat/completions`, `/v1/feedback` for 👍/👎. An API key, if the server needs one, is kept
/// in the browser's localStorage and sent as a Bearer token.
struct ChatPage: Sendable {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ -> Response in
            Response(status: .ok,
                     headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                               .init("Content-Security-Policy")!: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: Self.html)))
        }
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>bertha chat</title>
    <style>
      :root { --bg:#f6f7f9; --fg:#1d2430; --muted:#6b7480; --user:#dbeafe; --bot:#ffffff; --line:#e3e6eb; --accent:#2563eb; }
      * { box-sizing: border-box; }
      body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--fg);
             display:flex; flex-direction:column; height:100vh; }
      header { display:flex; align-items:center; gap:12px; padding:10px 18px; border-bottom:1px solid var(--line); background:#fff; }
      header h1 { font-size:18px; margin:0; }
      #badge { font-size:12px; padding:2px 10px; border-radius:999px; background:#eef2ff; color:#3730a3; border:1px solid #c7d2fe; }
      #badge.error { background:#fef2f2; color:#991b1b; border-color:#fecaca; }
      header details { margin-left:auto; font-size:12px; color:var(--muted); }
      header input { font-size:12px; padding:3px 6px; width:220px; }
      main { flex:1; overflow-y:auto; padding:18px; display:flex; flex-direction:column; gap:12px; }
      .msg { max-width:760px; padding:10px 14px; border-radius:12px; border:1px solid var(--line); white-space:pre-wrap; word-wrap:break-word; }
      .msg.user { align-self:flex-end; background:var(--user); border-color:#bfdbfe; }
      .msg.assistant { align-self:flex-start; background:var(--bot); }
      .msg.assistant[data-state="streaming"] .text::after { content:"▍"; color:var(--accent); }
      .msg .error { color:#b91c1c; }
      .votes { margin-top:6px; display:flex; gap:6px; }
      .votes button { border:1px solid var(--line); background:#fff; border-radius:8px; padding:1px 8px; cursor:pointer; font-size:15px; }
      .votes button.chosen { background:#e0e7ff; border-color:var(--accent); }
      .votes button:disabled { opacity:.5; cursor:default; }
      .sources { margin-top:8px; font-size:13px; color:var(--muted); border-top:1px dashed var(--line); padding-top:6px; white-space:normal; }
      .sources ol { margin:4px 0 0 18px; padding:0; }
      .sources .uri { color:var(--fg); }
      form { display:flex; gap:8px; padding:12px 18px; border-top:1px solid var(--line); background:#fff; }
      textarea { flex:1; resize:none; height:48px; font:inherit; padding:8px 10px; border:1px solid var(--line); border-radius:10px; }
      button#send { padding:0 20px; border:0; border-radius:10px; background:var(--accent); color:#fff; font:inherit; cursor:pointer; }
      button#send:disabled { opacity:.5; }
    </style>
    </head>
    <body>
    <header>
      <h1>bertha</h1><span id="badge">connecting…</span>
      <details><summary>API key</summary><input id="key" type="password" placeholder="Bearer key, if the server needs one"></details>
    </header>
    <main id="log"></main>
    <form id="form">
      <textarea id="input" placeholder="Ask something… (Enter sends, Shift+Enter for a new line)"></textarea>
      <button id="send" type="submit">Send</button>
    </form>
    <script>
    "use strict";
    const log = document.getElementById("log"), input = document.getElementById("input");
    const send = document.getElementById("send"), keyField = document.getElementById("key"), badge = document.getElementById("badge");
    const history = [];
    keyField.value = localStorage.getItem("bertha-key") || "";
    keyField.addEventListener("change", () => { localStorage.setItem("bertha-key", keyField.value); loadBadge(); });

    function headers() {
      const h = { "Content-Type": "application/json" };
      if (keyField.value) h["Authorization"] = "Bearer " + keyField.value;
      return h;
    }

    async function loadBadge() {
      try {
        const r = await fetch("/v1/models", { headers: headers() });
        if (!r.ok) throw new Error(r.status === 401 ? "API key needed" : "HTTP " + r.status);
        const m = (await r.json()).data[0];
        badge.textContent = m.id + " · v" + m.version;
        badge.title = "sha256 " + m.sha256 + ", context " + m.context_length;
        badge.className = "";
      } catch (e) { badge.textContent = String(e.message || e); badge.className = "error"; }
    }

    function bubble(role, text) {
      const div = document.createElement("div");
      div.className = "msg " + role;
      const span = document.createElement("span");
      span.className = "text";
      span.textContent = text;
      div.appendChild(span);
      log.appendChild(div);
      log.scrollTop = log.scrollHeight;
      return div;
    }

    function showSources(div, sources) {
      if (!sources || !sources.length) return;
      const box = document.createElement("div");
      box.className = "sources";
      box.textContent = "Sources";
      const list = document.createElement("ol");
      for (const s of sources) {
        const li = document.createElement("li");
        const uri = document.createElement("span");
        uri.className = "uri";
        uri.textContent = s.uri || s.document_id;
        li.appendChild(uri);
        li.appendChild(document.createTextNode(" (" + Number(s.score).toFixed(2) + ")"));
        li.title = s.text;
        list.appendChild(li);
      }
      box.appendChild(list);
      div.appendChild(box);
    }

    function addVotes(div, id) {
      const votes = document.createElement("div");
      votes.className = "votes";
      for (const [score, label] of [["up", "👍"], ["down", "👎"]]) {
        const b = document.createElement("button");
        b.type = "button"; b.className = "vote"; b.dataset.score = score; b.textContent = label;
        b.title = score === "up" ? "Good answer" : "Bad answer";
        b.addEventListener("click", async () => {
          const r = await fetch("/v1/feedback", { method: "POST", headers: headers(), body: JSON.stringify({ id, score }) });
          if (r.ok) {
            votes.querySelectorAll("button").forEach(x => x.classList.toggle("chosen", x === b));
            div.dataset.vote = score;
          }
        });
        votes.appendChild(b);
      }
      div.appendChild(votes);
    }

    async function ask(text) {
      history.push({ role: "user", content: text });
      bubble("user", text);
      const div = bubble("assistant", "");
      div.dataset.state = "streaming";
      const out = div.querySelector(".text");
      let answer = "", id = null, sources = null;
      try {
        const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(),
          body: JSON.stringify({ messages: history, stream: true }) });
        if (!r.ok) {
          const body = await r.json().catch(() => ({}));
          throw new Error((body.error && body.error.message) || "HTTP " + r.status);
        }
        const reader = r.body.getReader(), decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
            if (!event.startsWith("data: ")) continue;
            const data = event.slice(6);
            if (data === "[DONE]") continue;
            const chunk = JSON.parse(data);
            if (chunk.error) throw new Error(chunk.error.message);
            id = chunk.id || id;
            if (chunk.sources) sources = chunk.sources;
            const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
            if (delta && delta.content) {
              answer += delta.content;
              out.textContent = answer;
              log.scrollTop = log.scrollHeight;
            }
          }
        }
        history.push({ role: "assistant", content: answer });
        div.dataset.id = id;
        showSources(div, sources);
        if (id) addVotes(div, id);
      } catch (e) {
        const err = document.createElement("div");
        err.className = "error";
        err.textContent = String(e.message || e);
        div.appendChild(err);
        history.pop();
      }
      div.dataset.state = "done";
    }

    document.getElementById("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || send.disabled) return;
      input.value = "";
      send.disabled = true;
      try { await ask(text); } finally { send.disabled = false; input.focus(); }
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); document.getElementById("form").requestSubmit(); }
    });
    loadBadge();
    </script>
    </body>
    </html>
    """#
}
