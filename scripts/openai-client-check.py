#!/usr/bin/env python3
"""Runs the official `openai` client, unchanged, against a bertha server.

Usage: openai-client-check.py BASE_URL API_KEY [--embeddings]

Prints one JSON object with what each call returned (the calling test asserts on it); any client
error (a response the client cannot parse, a wrong status) ends the script with a traceback.
"""
import json
import sys

import openai

base, key = sys.argv[1].rstrip("/"), sys.argv[2]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=60)
seen = {"version": openai.__version__}

models = client.models.list()
seen["models"] = [m.id for m in models.data]

chat = client.chat.completions.create(model=seen["models"][0], messages=[{"role": "user", "content": "capital of France?"}],
                                      max_tokens=16, temperature=0, seed=1)
seen["chat"] = {"id": chat.id, "content": chat.choices[0].message.content, "finish_reason": chat.choices[0].finish_reason,
                "usage": chat.usage.model_dump()}

pieces, finish, usage, ids = [], None, None, set()
stream = client.chat.completions.create(model=seen["models"][0], messages=[{"role": "user", "content": "hi"}],
                                        max_tokens=4, stream=True, stream_options={"include_usage": True})
for chunk in stream:
    ids.add(chunk.id)
    if chunk.choices:
        if chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        finish = chunk.choices[0].finish_reason or finish
    if chunk.usage:
        usage = chunk.usage.model_dump()
seen["stream"] = {"pieces": pieces, "finish_reason": finish, "usage": usage, "ids": len(ids)}

completion = client.completions.create(model=seen["models"][0], prompt="Q: capital of France? A:", max_tokens=3)
seen["completion"] = {"text": completion.choices[0].text, "finish_reason": completion.choices[0].finish_reason,
                      "usage": completion.usage.model_dump()}

try:
    client.chat.completions.create(model=seen["models"][0], messages=[{"role": "user", "content": "x"}], max_tokens=0)
    seen["bad_request"] = None
except openai.BadRequestError as error:
    seen["bad_request"] = {"status": error.status_code, "param": error.body.get("param") if isinstance(error.body, dict) else None}

try:
    openai.OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).models.list()
    seen["unauthorized"] = None
except openai.AuthenticationError as error:
    seen["unauthorized"] = error.status_code

if "--embeddings" in sys.argv:
    one = client.embeddings.create(model="embedder", input="the capital of France")
    many = client.embeddings.create(model="embedder", input=["Paris", "Berlin", "Rome"])
    seen["embeddings"] = {"one": [len(d.embedding) for d in one.data], "many": [d.index for d in many.data],
                          "dimension": len(many.data[0].embedding), "usage": many.usage.model_dump(),
                          "first": one.data[0].embedding[:4]}

print(json.dumps(seen))
