"""Loads a model's tokenizer and proves it gives back the text it was given.

Under transformers 5, a tokenizer whose tokenizer_config.json names "LlamaTokenizerFast" but whose
tokenizer.json is byte-level BPE (DeepSeek-Coder, DeepSeek-R1-Distill, ...) is rebuilt with Llama's
SentencePiece pre-tokenizer: spaces and newlines vanish at encode time and nothing fails
(huggingface/transformers#45488, #46489). A model fine-tuned or served through such a tokenizer sees code
without its whitespace. Every loader here (train.py, merge.py, the evaluation server) goes through
load_tokenizer, which encodes and decodes a rendered conversation and, when the text does not come back,
reloads the files with PreTrainedTokenizerFast (which keeps tokenizer.json as written) or refuses.
"""

import json
import os
import sys

# A conversation with what code brings: indentation, tabs, blank lines, braces, a string with spaces.
SAMPLE_MESSAGES = [
    {
        "role": "user",
        "content": "Is this code vulnerable? Answer in only Yes or No.\n\n```c\n"
        "int copy(char *dst, const char *src)\n{\n    char buf[16];\n\n\tif (!src)  return -1;\n"
        '    strcpy(buf, src);  /* two  spaces */\n    printf("%s\\n", buf);\n    return 0;\n}\n```',
    },
    {"role": "assistant", "content": "Yes"},
]


class TokenizerError(Exception):
    """The tokenizer cannot be trusted with code; the message says what to do."""


def round_trip_problem(tokenizer, text):
    """None when decode(encode(text)) == text, else a short description of the first difference."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    back = tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    if back == text:
        return None
    at = next((i for i, (a, b) in enumerate(zip(text, back)) if a != b), min(len(text), len(back)))
    return f"at character {at}: expected {text[at:at + 40]!r}, got {back[at:at + 40]!r}"


def rendered_samples(tokenizer, extra_texts=()):
    """The texts a run will tokenize: the sample conversation through the chat template, and any extras."""
    texts = list(extra_texts)
    if tokenizer.chat_template:
        texts.insert(0, tokenizer.apply_chat_template(SAMPLE_MESSAGES, tokenize=False))
    else:
        texts.insert(0, SAMPLE_MESSAGES[0]["content"])
    return texts


def first_problem(tokenizer, texts):
    for text in texts:
        problem = round_trip_problem(tokenizer, text)
        if problem:
            return problem
    return None


def load_tokenizer(path, extra_texts=(), allow_lossy=False, log=print):
    """AutoTokenizer.from_pretrained(path), checked; see the module docstring."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tokenizer = AutoTokenizer.from_pretrained(path)
    problem = first_problem(tokenizer, rendered_samples(tokenizer, extra_texts))
    if problem is None:
        return tokenizer
    first_class = type(tokenizer).__name__
    try:
        fallback = PreTrainedTokenizerFast.from_pretrained(path)
    except (OSError, ValueError) as error:
        fallback, fallback_problem = None, f"could not load tokenizer.json directly ({error})"
    else:
        if fallback.chat_template is None and tokenizer.chat_template is not None:
            fallback.chat_template = tokenizer.chat_template
        fallback_problem = first_problem(fallback, rendered_samples(fallback, extra_texts))
    if fallback is not None and fallback_problem is None:
        log(
            f"tokenizer: {path} loaded as {first_class} does not give back the text it encodes ({problem}); "
            "loaded tokenizer.json as written instead (PreTrainedTokenizerFast), which round-trips exactly. "
            "See transformers#45488."
        )
        return fallback
    message = (
        f"{path}: the tokenizer ({first_class}) does not give back the text it encodes ({problem}); "
        f"loading tokenizer.json directly did not help either ({fallback_problem}). Training or serving "
        "through it would show the model code without its spaces and newlines. Use a transformers version "
        "that loads this tokenizer correctly, or pass --allow-lossy-tokenizer if you know the difference is "
        "harmless (e.g. a SentencePiece tokenizer that only adds a leading space)."
    )
    if allow_lossy:
        log(f"warning: {message}")
        return tokenizer
    raise TokenizerError(message)


def load_tokenizer_or_exit(path, extra_texts=(), allow_lossy=False):
    try:
        return load_tokenizer(path, extra_texts, allow_lossy)
    except TokenizerError as error:
        sys.exit(str(error))


def save_tokenizer(tokenizer, out):
    """save_pretrained, naming a class both transformers 4 and 5 load. Transformers 5 writes
    "TokenizersBackend", which transformers 4 (and a vLLM built on it) does not know; "PreTrainedTokenizerFast"
    loads tokenizer.json as written in both, which is what the round-trip check chose."""
    tokenizer.save_pretrained(out)
    path = os.path.join(out, "tokenizer_config.json")
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    if config.get("tokenizer_class") == "TokenizersBackend":
        config["tokenizer_class"] = "PreTrainedTokenizerFast"
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=2, ensure_ascii=False)
