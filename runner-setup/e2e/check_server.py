#!/usr/bin/env python3
"""Checks the evaluation server's protocol against what vLLM answers (see serve/eval_server.py for the
sources): it honours each request field rather than assuming vulnreview's values, and refuses what vLLM
refuses, in vLLM's words. Standard library only; the key comes from VULNREVIEW_API_KEY.

    python check_server.py --endpoint http://127.0.0.1:8000/v1 --model vulnreview
"""

import argparse
import json
import math
import os
import sys
import urllib.error
import urllib.request

QUESTION = (
    "Is this code vulnerable? Answer in only Yes or No.\n\n```c\nint store_cookie(const char *input)\n{\n"
    "    char local[32];\n    strcpy(local, input);\n    return local[0];\n}\n```"
)


class Failed(Exception):
    pass


def request(endpoint, path, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode("utf-8") if body is not None else None
    req = urllib.request.Request(endpoint.rstrip("/") + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def expect(condition, message):
    if not condition:
        raise Failed(message)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--model", required=True)
    args = p.parse_args()
    key = os.environ.get("VULNREVIEW_API_KEY")
    messages = [{"role": "user", "content": QUESTION}]

    def chat(key_to_send=key, **fields):
        return request(args.endpoint, "/chat/completions", {"model": args.model, "messages": messages, **fields}, key_to_send)

    checks = []

    def check(name, fn):
        try:
            fn()
        except Failed as error:
            print(f"  FAIL {name}: {error}")
            checks.append(False)
        else:
            print(f"  ok   {name}")
            checks.append(True)

    def models():
        status, body = request(args.endpoint, "/models", key=key)
        expect(status == 200 and args.model in [m["id"] for m in body["data"]], f"{status} {body}")
        expect(all(m["object"] == "model" for m in body["data"]), "model cards need object: model")

    def unauthorised():
        status, body = request(args.endpoint, "/models")
        expect(status == 401 and body == {"error": "Unauthorized"}, f"without the key: {status} {body}")
        status, _ = chat(key_to_send="wrong")
        expect(status == 401, f"with a wrong key: {status}")

    def logprobs_shape(top, max_tokens):
        status, body = chat(temperature=0, logprobs=True, top_logprobs=top, max_tokens=max_tokens)
        expect(status == 200, f"{status} {body}")
        choice = body["choices"][0]
        content = choice["logprobs"]["content"]
        used = body["usage"]["completion_tokens"]
        expect(1 <= used <= max_tokens, f"completion_tokens {used} outside 1..{max_tokens}")
        expect(len(content) == used, f"{len(content)} logprob entries for {used} tokens")
        expect(choice["finish_reason"] in ("stop", "length"), choice["finish_reason"])
        expect(choice["finish_reason"] != "length" or used == max_tokens, "finish_reason length before max_tokens")
        for position in content:
            alternatives = position["top_logprobs"]
            expect(len(alternatives) == top, f"{len(alternatives)} alternatives for top_logprobs {top}")
            values = [a["logprob"] for a in alternatives]
            expect(values == sorted(values, reverse=True), f"alternatives not most likely first: {values}")
            expect(alternatives[0]["token"] == position["token"], "greedy: the chosen token is the most likely")
            expect(all(v <= 0 for v in values), "logprobs must be <= 0")
            expect(sum(math.exp(v) for v in values) <= 1.0001, "probabilities of the alternatives exceed 1")
            expect(position["bytes"] == list(position["token"].encode("utf-8", errors="replace")), "bytes")
        return body

    def deterministic():
        first = chat(temperature=0, logprobs=True, top_logprobs=5, max_tokens=4)[1]
        second = chat(temperature=0, logprobs=True, top_logprobs=5, max_tokens=4)[1]
        expect(first["choices"][0]["logprobs"] == second["choices"][0]["logprobs"], "temperature 0 is not repeatable")

    def stops_at_eos():
        status, body = chat(temperature=0, max_tokens=20)
        expect(status == 200, f"{status} {body}")
        choice = body["choices"][0]
        expect(choice["finish_reason"] == "stop", f"a trained model ends its answer; got {choice['finish_reason']}")
        expect(choice["message"]["content"].strip() in ("Yes", "No"), repr(choice["message"]["content"]))
        expect(choice["logprobs"] is None, "logprobs must be null when not asked for")

    def no_alternatives():
        body = chat(temperature=0, logprobs=True, max_tokens=2)[1]
        expect(all(p["top_logprobs"] == [] for p in body["choices"][0]["logprobs"]["content"]), "top_logprobs 0 → []")

    def refusals():
        status, body = chat(logprobs=True, top_logprobs=21, max_tokens=1)
        expect(status == 400 and "Requested sample logprobs of 21, which is greater than max allowed: 20" in body["error"]["message"],
               f"top_logprobs 21: {status} {body}")
        status, body = chat(top_logprobs=5, max_tokens=1)
        expect(status == 400 and "`logprobs` must be set to true" in body["error"]["message"], f"{status} {body}")
        status, body = request(args.endpoint, "/chat/completions", {"model": "no-such-model", "messages": messages}, key)
        expect(status == 404 and body["error"]["type"] == "NotFoundError", f"unknown model: {status} {body}")
        long_messages = [{"role": "user", "content": "int x; " * 20000}]
        status, body = request(args.endpoint, "/chat/completions", {"model": args.model, "messages": long_messages, "max_tokens": 1}, key)
        expect(status == 400 and "maximum context length is" in body["error"]["message"], f"too long: {status} {body}")

    check("GET /models lists the model", models)
    check("the API key guards /v1", unauthorised)
    check("top_logprobs 5, max_tokens 4: shapes as vLLM", lambda: logprobs_shape(5, 4))
    check("top_logprobs 10, max_tokens 1: shapes as vLLM", lambda: logprobs_shape(10, 1))
    check("top_logprobs absent: no alternatives", no_alternatives)
    check("temperature 0 is repeatable", deterministic)
    check("generation stops at the stop token", stops_at_eos)
    check("refusals in vLLM's words", refusals)
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
