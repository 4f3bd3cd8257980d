#!/usr/bin/env python3
"""A small OpenAI-compatible server for evaluation and offline use: transformers on CPU or one GPU, one
request at a time. vLLM (start.sh) stays the production server; this one exists so that `vulnreview eval`
and `vulnreview scan` can run where vLLM cannot (a CPU machine, CI, a GPU box without vLLM), answering
exactly as vLLM does for what vulnreview asks.

    python eval_server.py --model vulnreview-llama3-merged --port 8000
    python eval_server.py --model meta-llama/Meta-Llama-3-8B-Instruct --lora vulnreview=vulnreview-llama3-lora

- POST /v1/chat/completions: the messages go through the model's own chat template (with the generation
  prompt, tokenised without extra special tokens, as vLLM does); greedy decoding at temperature 0 (or
  absent), sampling above it; stops at the model's stop tokens (tokenizer EOS and generation_config's
  eos_token_id), at a `stop` string, or after max_tokens / max_completion_tokens. logprobs and
  top_logprobs come from the raw logits' log-softmax at each generated position.
- GET /v1/models; GET /health.
- Answers, errors and limits have vLLM's shapes and words (vllm/entrypoints/openai/chat_completion/
  protocol.py and engine/protocol.py): ErrorResponse {"error": {message, type, param, code}}, the
  context-length and "Requested sample logprobs of N, which is greater than max allowed: M" 400s, 404 for an
  unknown model, 401 {"error": "Unauthorized"} without the key. top_logprobs is capped by --max-logprobs
  (vLLM's default 20). With --lora, the base model's name serves the base model without the adapter.
- API key: from the environment variable VULNREVIEW_EVAL_API_KEY (never the command line); none: open.
  Listens on 127.0.0.1 unless --host says otherwise.
"""

import argparse
import hmac
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "finetune"))

KEY_VARIABLE = "VULNREVIEW_EVAL_API_KEY"
MIN_LOGPROB = -9999.0  # vLLM clamps -inf to this (ChatCompletionLogProb.logprob default)
MAX_BODY_BYTES = 32 * 1024 * 1024


class RequestError(Exception):
    """A request the server refuses, with vLLM's status, type and words."""

    def __init__(self, status, message, kind="BadRequestError", param=None):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.param = param

    def body(self):
        return {"error": {"message": str(self), "type": self.kind, "param": self.param, "code": self.status}}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model directory or Hugging Face id (a merged model, or the base for --lora)")
    p.add_argument("--lora", metavar="NAME=DIR", help="serve a LoRA adapter from train.py under NAME on top of --model")
    p.add_argument("--served-model-name", help="name of --model in requests (default: vulnreview, or --model with --lora)")
    p.add_argument("--host", default="127.0.0.1", help="default: %(default)s (loopback only)")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port (see --port-file)")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--max-model-len", type=int, help="context length (default: the model config's)")
    p.add_argument("--max-logprobs", type=int, default=20, help="largest top_logprobs accepted (default: %(default)s, as vLLM)")
    p.add_argument("--dtype", choices=["auto", "bfloat16", "float16", "float32"], default="auto",
                   help="auto: bfloat16 on a GPU that has it, else float32")
    p.add_argument("--device", default="auto", help="auto: cuda when available, else cpu")
    p.add_argument("--allow-lossy-tokenizer", action="store_true", help="see finetune/train.py")
    return p.parse_args(argv)


class Engine:
    """The model, its tokenizer and stop tokens; one generation at a time."""

    def __init__(self, args):
        import torch
        from transformers import AutoModelForCausalLM, GenerationConfig

        from chat_data import stop_token_ids
        from tokenizer_check import load_tokenizer_or_exit

        self.torch = torch
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
        if args.dtype == "auto":
            dtype = torch.bfloat16 if self.device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
        else:
            dtype = getattr(torch, args.dtype)
        adapter_name, adapter_dir = (args.lora.split("=", 1) + [None])[:2] if args.lora else (None, None)
        if args.lora and not adapter_dir:
            sys.exit("--lora: expected NAME=DIR")
        tokenizer_source = adapter_dir if adapter_dir and os.path.isfile(os.path.join(adapter_dir, "tokenizer_config.json")) else args.model
        self.tokenizer = load_tokenizer_or_exit(tokenizer_source, allow_lossy=args.allow_lossy_tokenizer)
        if self.tokenizer.chat_template is None:
            sys.exit(f"{tokenizer_source}: the tokenizer has no chat template")
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype)
        self.base_name = args.served_model_name or (args.model if adapter_name else "vulnreview")
        self.adapter_name = adapter_name
        if adapter_dir:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapter_dir)
        self.model = model.to(self.device).eval()
        try:
            generation_config = GenerationConfig.from_pretrained(args.model)
        except OSError:
            generation_config = getattr(model, "generation_config", None)
        self.stops = stop_token_ids(self.tokenizer, generation_config)
        config = model.config
        self.max_model_len = args.max_model_len or getattr(config, "max_position_embeddings", None) or 4096
        self.max_logprobs = args.max_logprobs
        self.vocab_size = config.vocab_size
        self.root = os.path.abspath(args.model) if os.path.isdir(args.model) else args.model
        self.adapter_root = os.path.abspath(adapter_dir) if adapter_dir else None
        self.lock = threading.Lock()

    def names(self):
        return [self.base_name] + ([self.adapter_name] if self.adapter_name else [])

    def decode_token(self, token_id):
        # vLLM decodes each logprob token on its own with the tokenizer's defaults
        # (vllm/tokenizers/detokenizer_utils.py, convert_ids_list_to_tokens).
        return self.tokenizer.decode([token_id])

    def entry(self, token_id, logprob):
        token = self.decode_token(token_id)
        return {
            "token": token,
            "logprob": max(float(logprob), MIN_LOGPROB),
            "bytes": list(token.encode("utf-8", errors="replace")),
        }

    def generate(self, prompt_ids, use_adapter, max_tokens, temperature, top_p, top_logprobs, stop_strings, seed):
        """Generated ids, per-position logprob records, finish_reason and stop_reason."""
        import contextlib

        torch = self.torch
        generator = None
        if temperature > 0:
            generator = torch.Generator(device=self.device)
            generator.manual_seed(seed if seed is not None else int.from_bytes(os.urandom(4), "little"))
        adapter_off = (
            self.model.disable_adapter() if (self.adapter_name and not use_adapter) else contextlib.nullcontext()
        )
        ids, records, finish, stop_reason = [], [], "length", None
        with self.lock, torch.no_grad(), adapter_off:
            inputs = torch.tensor([prompt_ids], device=self.device)
            output = self.model(input_ids=inputs, use_cache=True)
            for _ in range(max_tokens):
                logits = output.logits[0, -1].float()
                log_probs = torch.log_softmax(logits, dim=-1)
                token = self.choose(logits, temperature, top_p, generator)
                ids.append(token)
                records.append(self.position_record(log_probs, token, top_logprobs))
                if token in self.stops:
                    finish = "stop"
                    break
                if stop_strings:
                    text = self.tokenizer.decode(ids, skip_special_tokens=True)
                    hit = next((s for s in stop_strings if s in text), None)
                    if hit is not None:
                        finish, stop_reason = "stop", hit
                        break
                output = self.model(
                    input_ids=torch.tensor([[token]], device=self.device),
                    past_key_values=output.past_key_values,
                    use_cache=True,
                )
        return ids, records, finish, stop_reason

    def choose(self, logits, temperature, top_p, generator):
        torch = self.torch
        if temperature <= 0:
            return int(logits.argmax())
        probs = torch.softmax(logits / temperature, dim=-1)
        if top_p < 1.0:
            sorted_probs, order = probs.sort(descending=True)
            keep = sorted_probs.cumsum(0) - sorted_probs < top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_probs[keep])
        return int(torch.multinomial(probs / probs.sum(), 1, generator=generator))

    def position_record(self, log_probs, token, top_logprobs):
        """The chosen token's logprob and the top alternatives in vLLM's order: the sampled token first,
        then the most likely others (under greedy decoding, simply the top k by probability)."""
        record = {"chosen": (token, float(log_probs[token])), "top": []}
        if top_logprobs:
            values, indices = log_probs.topk(min(top_logprobs + 1, log_probs.shape[0]))
            ordered = [(token, float(log_probs[token]))]
            ordered += [(int(i), float(v)) for v, i in zip(values.tolist(), indices.tolist()) if int(i) != token]
            record["top"] = ordered[:top_logprobs]
        return record


def message_text(content, where):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type", "text") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                raise RequestError(400, f"{where}: only text content is supported by this server", param="messages")
        return "".join(parts)
    if content is None:
        return ""
    raise RequestError(400, f"{where}: content must be a string or a list of text parts", param="messages")


def integer_field(body, name):
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise RequestError(400, f"`{name}` must be an integer.", param=name)
    return int(value)


def chat_completion(engine, body):
    """The response body for one chat-completions request (raises RequestError)."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    model_name = body.get("model") or engine.base_name
    if model_name not in engine.names():
        raise RequestError(404, f"The model `{model_name}` does not exist.", kind="NotFoundError", param="model")
    if body.get("stream"):
        raise RequestError(400, "stream=true is not supported by this evaluation server", param="stream")
    n = integer_field(body, "n")
    if n not in (None, 1):
        raise RequestError(400, "n > 1 is not supported by this evaluation server", param="n")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "`messages` must be a non-empty list", param="messages")
    conversation = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant", "developer"):
            raise RequestError(400, f"messages[{i}]: expected a role of system, user or assistant", param="messages")
        role = "system" if message["role"] == "developer" else message["role"]
        conversation.append({"role": role, "content": message_text(message.get("content"), f"messages[{i}]")})

    logprobs = bool(body.get("logprobs"))
    top_logprobs = integer_field(body, "top_logprobs")
    if top_logprobs is not None:
        if top_logprobs < 0 and top_logprobs != -1:
            raise RequestError(400, "`top_logprobs` must be a positive value or -1.", param="top_logprobs")
        if top_logprobs != 0 and not logprobs:
            raise RequestError(400, "when using `top_logprobs`, `logprobs` must be set to true.", param="top_logprobs")
        requested = engine.vocab_size if top_logprobs == -1 else top_logprobs
        if requested > engine.max_logprobs:
            raise RequestError(
                400, f"Requested sample logprobs of {requested}, which is greater than max allowed: {engine.max_logprobs}",
                param="logprobs",
            )
        top_logprobs = requested
    temperature = body.get("temperature")
    temperature = 0.0 if temperature is None else float(temperature)
    top_p = body.get("top_p")
    top_p = 1.0 if top_p is None else float(top_p)
    if temperature < 0 or not 0 < top_p <= 1:
        raise RequestError(400, "temperature must be >= 0 and top_p in (0, 1]", param="temperature")
    stop = body.get("stop") or []
    stop_strings = [stop] if isinstance(stop, str) else [s for s in stop if isinstance(s, str) and s]

    prompt_text = engine.tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    prompt_ids = engine.tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    limit = engine.max_model_len
    if len(prompt_ids) >= limit:
        raise RequestError(
            400,
            f"This model's maximum context length is {limit} tokens. However, your request has "
            f"{len(prompt_ids)} input tokens. Please reduce the length of the input messages.",
        )
    max_completion = integer_field(body, "max_completion_tokens")
    max_tokens = max_completion if max_completion is not None else integer_field(body, "max_tokens")
    if max_tokens is None:
        max_tokens = limit - len(prompt_ids)
    elif max_tokens < 1:
        raise RequestError(400, "max_tokens must be at least 1, got {}.".format(max_tokens), param="max_tokens")
    elif max_tokens > limit - len(prompt_ids):
        raise RequestError(
            400,
            f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's maximum context "
            f"length is {limit} tokens and your request has {len(prompt_ids)} input tokens "
            f"({max_tokens} > {limit} - {len(prompt_ids)}).",
            param="max_tokens",
        )

    ids, records, finish, stop_reason = engine.generate(
        prompt_ids, model_name == engine.adapter_name, max_tokens, temperature, top_p, top_logprobs or 0,
        stop_strings, integer_field(body, "seed"),
    )
    content = engine.tokenizer.decode(ids, skip_special_tokens=True)
    if stop_reason is not None:
        content = content[: content.index(stop_reason)]
    choice_logprobs = None
    if logprobs:
        entries = []
        for record in records:
            entry = engine.entry(*record["chosen"])
            entry["top_logprobs"] = [engine.entry(t, lp) for t, lp in record["top"]]
            entries.append(entry)
        choice_logprobs = {"content": entries}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_name,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": None,
                    "audio": None,
                    "function_call": None,
                    "reasoning": None,
                },
                "logprobs": choice_logprobs,
                "finish_reason": finish,
                "stop_reason": stop_reason,
                "token_ids": None,
            }
        ],
        "service_tier": None,
        "system_fingerprint": None,
        "usage": {
            "prompt_tokens": len(prompt_ids),
            "total_tokens": len(prompt_ids) + len(ids),
            "completion_tokens": len(ids),
            "prompt_tokens_details": None,
        },
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "kv_transfer_params": None,
    }


def model_list(engine):
    created = int(time.time())

    def card(name, root, parent):
        return {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "vllm",
            "root": root,
            "parent": parent,
            "max_model_len": engine.max_model_len,
            "permission": [
                {
                    "id": f"modelperm-{uuid.uuid4().hex}",
                    "object": "model_permission",
                    "created": created,
                    "allow_create_engine": False,
                    "allow_sampling": True,
                    "allow_logprobs": True,
                    "allow_search_indices": False,
                    "allow_view": True,
                    "allow_fine_tuning": False,
                    "organization": "*",
                    "group": None,
                    "is_blocking": False,
                }
            ],
        }

    data = [card(engine.base_name, engine.root, None)]
    if engine.adapter_name:
        data.append(card(engine.adapter_name, engine.adapter_root, engine.base_name))
    return {"object": "list", "data": data}


def make_handler(engine, api_key):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "vulnreview-eval-server"

        def log_message(self, format, *args):  # noqa: A002  (the base class's name)
            # The request line only: no headers (the key), no bodies (the code under review).
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

        def send_json(self, status, payload):
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorised(self):
            if not api_key or not self.path.startswith("/v1"):
                return True
            given = self.headers.get("Authorization", "")
            if hmac.compare_digest(given.encode("utf-8"), f"Bearer {api_key}".encode("utf-8")):
                return True
            self.send_json(401, {"error": "Unauthorized"})
            return False

        def do_GET(self):  # noqa: N802  (http.server's naming)
            path = self.path.split("?", 1)[0]
            if path == "/health":
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if not self.authorised():
                return
            if path == "/v1/models":
                self.send_json(200, model_list(engine))
            else:
                self.send_json(404, RequestError(404, f"no route {path}", kind="NotFoundError").body())

        def do_POST(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send_json(413, RequestError(413, "request body too large").body())
                self.close_connection = True
                return
            raw = self.rfile.read(length) if length else b""
            if not self.authorised():
                return
            if path != "/v1/chat/completions":
                self.send_json(404, RequestError(404, f"no route {path}", kind="NotFoundError").body())
                return
            try:
                body = json.loads(raw.decode("utf-8") or "null")
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                self.send_json(400, RequestError(400, f"invalid JSON body: {error}").body())
                return
            try:
                self.send_json(200, chat_completion(engine, body))
            except RequestError as error:
                self.send_json(error.status, error.body())
            except (TypeError, ValueError) as error:
                self.send_json(400, RequestError(400, str(error)).body())

    return Handler


def main(argv=None):
    args = parse_args(argv)
    api_key = os.environ.get(KEY_VARIABLE) or None
    engine = Engine(args)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(engine, api_key))
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    names = ", ".join(engine.names())
    print(
        f"evaluation server: {names} on http://{args.host}:{port}/v1 ({engine.device}, "
        f"max_model_len {engine.max_model_len}, stop tokens {sorted(engine.stops)}, "
        f"API key {'required' if api_key else 'not set'})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
