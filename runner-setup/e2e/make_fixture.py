#!/usr/bin/env python3
"""Writes the labelled C functions of the CPU end-to-end check (e2e-cpu.sh): a set a tiny model can learn.

Vulnerable (CWE-120): an unbounded copy into a fixed-size stack buffer (strcpy, strcat, sprintf, gets).
Not vulnerable: the bounded counterparts (strncpy + terminator, strncat with the room left, snprintf,
fgets), and functions without a buffer. Everything else in a function (names, sizes, checks, logging,
loops) is drawn from the same pools for both classes, so the copy call is the only signal. The test set
uses names the training set never uses.

    python make_fixture.py            # rewrites train.jsonl and test.jsonl next to this file

The output is committed; the generator is here so the data can be read and regenerated, not fetched.
"""

import json
import os
import random

TRAIN_WORDS = ["name", "path", "user", "host", "token", "label", "title", "field", "value", "entry",
               "query", "reply", "group", "owner", "alias", "topic", "scope", "realm"]
TEST_WORDS = ["cookie", "header", "domain", "mount", "device", "socket", "region", "branch", "format",
              "locale", "prefix", "suffix"]
BUFFERS = ["buf", "tmp", "line", "out", "dest", "local", "copy", "scratch"]
ARGS = ["src", "in", "input", "text", "str", "arg", "data", "raw"]
SIZES = [8, 16, 24, 32, 48, 64, 100, 128, 256]


def neutral_lines(rng, arg, buf, word):
    """Statements either class may carry."""
    pool = [
        f"    if ({arg} == NULL)\n        return -1;",
        f'    log_debug("{word}: start");',
        f"    {word}_count++;",
        f"    for (int i = 0; i < {rng.choice([2, 3, 4, 8])}; i++)\n        total += i;",
        f"    memset({buf}, 0, sizeof({buf}));",
        f"    int len = (int)strlen({arg});",
        "    errno = 0;",
    ]
    return rng.sample(pool, rng.randint(0, 3))


def tail_lines(rng, buf, word):
    pool = [f'    printf("%s\\n", {buf});', f"    use_{word}({buf});", f"    return {buf}[0];", "    return 0;"]
    return [rng.choice(pool)]


def copy_lines(rng, vulnerable, buf, arg):
    if vulnerable:
        kind = rng.choice(["strcpy", "strcat", "sprintf", "gets"])
        lines = {
            "strcpy": [f"    strcpy({buf}, {arg});"],
            "strcat": [f"    strcat({buf}, {arg});"],
            "sprintf": [f'    sprintf({buf}, "{rng.choice(["%s", "id=%s", "%s/x"])}", {arg});'],
            "gets": [f"    gets({buf});"],
        }[kind]
    else:
        kind = rng.choice(["strncpy", "strncat", "snprintf", "fgets"])
        lines = {
            "strncpy": [f"    strncpy({buf}, {arg}, sizeof({buf}) - 1);", f"    {buf}[sizeof({buf}) - 1] = '\\0';"],
            "strncat": [f"    strncat({buf}, {arg}, sizeof({buf}) - strlen({buf}) - 1);"],
            "snprintf": [f'    snprintf({buf}, sizeof({buf}), "{rng.choice(["%s", "id=%s", "%s/x"])}", {arg});'],
            "fgets": [f"    if (fgets({buf}, sizeof({buf}), stdin) == NULL)\n        return -1;"],
        }[kind]
    return kind, lines


def buffer_function(rng, words, vulnerable):
    word, buf, arg = rng.choice(words), rng.choice(BUFFERS), rng.choice(ARGS)
    name = f"{rng.choice(['set', 'copy', 'load', 'store', 'parse', 'read', 'make', 'save'])}_{word}"
    kind, copy = copy_lines(rng, vulnerable, buf, arg)
    body = [f"    char {buf}[{rng.choice(SIZES)}];"]
    lines = neutral_lines(rng, arg, buf, word)
    split = rng.randint(0, len(lines))
    body += lines[:split] + copy + lines[split:] + tail_lines(rng, buf, word)
    return name, kind, f"int {name}(const char *{arg})\n{{\n" + "\n".join(body) + "\n}"


def plain_function(rng, words):
    word = rng.choice(words)
    name = f"{rng.choice(['count', 'sum', 'check', 'next', 'scale'])}_{word}"
    body = rng.choice([
        f"    int total = 0;\n    for (int i = 0; i < n; i++)\n        total += values[i];\n    return total;",
        f"    if (n <= 0)\n        return -1;\n    return values[n - 1] * {rng.randint(2, 9)};",
        "    int best = values[0];\n    for (int i = 1; i < n; i++)\n        if (values[i] > best)\n            best = values[i];\n    return best;",
    ])
    return name, "none", f"int {name}(const int *values, int n)\n{{\n{body}\n}}"


def rows(seed, words, vulnerable, safe, prefix):
    rng = random.Random(seed)
    out, seen = [], set()
    wanted = [True] * vulnerable + [False] * safe
    rng.shuffle(wanted)
    for label in wanted:
        while True:
            if not label and rng.random() < 0.25:
                name, kind, source = plain_function(rng, words)
            else:
                name, kind, source = buffer_function(rng, words, label)
            if source not in seen:
                seen.add(source)
                break
        row = {"id": f"{prefix}-{len(out) + 1}", "source": source, "label": int(label), "lang": "c"}
        if label:
            row["vdisc"] = "CWE-120"
        out.append(row)
    return out


def write(path, items):
    with open(path, "w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    # 25% vulnerable, as `vulnreview dataset` keeps by default (so it drops nothing here).
    write(os.path.join(here, "train.jsonl"), rows(11, TRAIN_WORDS, 72, 216, "train"))
    write(os.path.join(here, "test.jsonl"), rows(23, TEST_WORDS, 30, 90, "test"))


if __name__ == "__main__":
    main()
