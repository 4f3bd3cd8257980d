"""`train.py --dry-run`: proves the recipe learns, on tiny models built here (tiny_model.py), through the
same code as a real run (load_base with the tokenizer check, all target modules, gradient checkpointing,
gradient accumulation, checkpoints and resume, both trainers), then merge.py. For a Llama-3-style and a
DeepSeek-Coder-style chat template it asserts:

- the training loss falls well below where it started;
- at the Yes/No position, the answer with the highest probability is the right one for every training prompt;
- the merged model gives the same logits as base + adapter;
- greedy generation from the merged model produces exactly the trained answer and stops at the stop token.

It fails (exit 1) when any of these does not hold, so a change that stops the recipe from learning is caught.
"""

import json
import math
import os
import shutil
import tempfile
import time

# Each (function, answer): PD-1 questions as `vulnreview dataset` writes them, a quarter vulnerable.
FUNCTIONS = [
    ("void copy_name(char *in)\n{\n    char name[16];\n    strcpy(name, in);\n}", "Yes"),
    ("int add(int a, int b)\n{\n    return a + b;\n}", "No"),
    ("size_t length(const char *s)\n{\n    return strlen(s);\n}", "No"),
    ("void greet(const char *who)\n{\n    char line[32];\n    sprintf(line, \"hello %s\", who);\n    puts(line);\n}", "Yes"),
    ("int first(const int *values, int n)\n{\n    if (n <= 0)\n        return -1;\n    return values[0];\n}", "No"),
    ("void zero(int *p, int n)\n{\n    for (int i = 0; i < n; i++)\n        p[i] = 0;\n}", "No"),
    ("void read_line(void)\n{\n    char buf[64];\n    gets(buf);\n    puts(buf);\n}", "Yes"),
    ("int get(const int *a, int i)\n{\n    if (i < 0 || i >= 4)\n        return -1;\n    return a[i];\n}", "No"),
    ("void safe_copy(char *dst, size_t n, const char *src)\n{\n    snprintf(dst, n, \"%s\", src);\n}", "No"),
    ("int max(int a, int b)\n{\n    return a > b ? a : b;\n}", "No"),
    ("void append(char *in)\n{\n    char path[24] = \"/tmp/\";\n    strcat(path, in);\n    remove(path);\n}", "Yes"),
    ("void fill(char *d, size_t n)\n{\n    memset(d, 0, n);\n}", "No"),
    ("int is_even(int x)\n{\n    return (x % 2) == 0;\n}", "No"),
    ("void bounded(char *dst, const char *src)\n{\n    strncpy(dst, src, 15);\n    dst[15] = '\\0';\n}", "No"),
    ("long square(long x)\n{\n    return x * x;\n}", "No"),
    ("int count(const char *s, char c)\n{\n    int n = 0;\n    while (*s)\n        n += *s++ == c;\n    return n;\n}", "No"),
]
QUESTION = "Is this code vulnerable? Answer in only Yes or No.\n\n```c\n{}\n```"


def builtin_conversations():
    return [
        [{"role": "user", "content": QUESTION.format(code)}, {"role": "assistant", "content": answer}]
        for code, answer in FUNCTIONS
    ]


class Checks:
    """Collects pass/fail lines; the dry run fails when any check failed."""

    def __init__(self, log):
        self.log = log
        self.failed = []

    def check(self, name, ok, detail):
        self.log(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
        if not ok:
            self.failed.append(name)


def verify(label, base_dir, adapter_dir, merged_dir, conversations, summary, checks):
    """The four assertions of the module docstring, for one trained adapter."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, GenerationConfig

    from chat_data import AnswerLayout, split_conversation, stop_token_ids
    from tokenizer_check import load_tokenizer
    from train import precision_for_device

    dtype, _, _ = precision_for_device()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = load_tokenizer(adapter_dir, log=lambda _: None)
    stops = stop_token_ids(tokenizer, GenerationConfig.from_pretrained(base_dir))
    layout = AnswerLayout(tokenizer, stops)

    first, last = summary["first_logged_loss"], summary["last_logged_loss"]
    checks.check(
        f"{label}: loss falls", first is not None and last is not None and last < 0.1 * first and last < 0.25,
        f"first logged {first:.3f}, last logged {last:.4f} (needs < 10% of the first and < 0.25)",
    )

    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype), adapter_dir)
    tuned = tuned.to(device).eval()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=dtype).to(device).eval()
    right = 0
    worst_gap = 0.0
    largest = 0.0
    same_choice = 0
    stopped = 0
    wrong = []
    with torch.no_grad():
        for messages in conversations:
            prompt_ids, answer_ids = split_conversation(tokenizer, messages, stops)
            # Teacher-forced up to the decision position, as a server reads it after the shared prefix.
            ids = torch.tensor([prompt_ids + answer_ids[: layout.offset]], device=device)
            tuned_logits = tuned(input_ids=ids).logits[0, -1].float()
            merged_logits = merged(input_ids=ids).logits[0, -1].float()
            expected = answer_ids[layout.offset]
            if int(tuned_logits.argmax()) == expected:
                right += 1
            else:
                wrong.append(tokenizer.decode([expected]))
            same_choice += int(tuned_logits.argmax()) == int(merged_logits.argmax())
            worst_gap = max(worst_gap, float((tuned_logits - merged_logits).abs().max()))
            largest = max(largest, float(tuned_logits.abs().max()))
            generated = merged.generate(
                input_ids=torch.tensor([prompt_ids], device=device),
                attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long, device=device),
                max_new_tokens=len(answer_ids) + 4,
                do_sample=False,
                eos_token_id=sorted(stops),
                pad_token_id=tokenizer.pad_token_id,
            )[0, len(prompt_ids):].tolist()
            stopped += generated == answer_ids
    n = len(conversations)
    checks.check(f"{label}: first answer token", right == n,
                 f"right Yes/No at the decision position for {right}/{n} training prompts" + (f" (missed: {wrong})" if wrong else ""))
    # float32: the merge is exact up to rounding. bf16: folding B·A into 8-bit-mantissa weights moves logits
    # by about 2^-8 of their size, so the bound is relative and the choice at each prompt must not change.
    tolerance = 1e-3 if dtype == torch.float32 else 0.03 * largest
    checks.check(f"{label}: merged = base + adapter", worst_gap <= tolerance and same_choice == n,
                 f"largest logit difference {worst_gap:.2e} (tolerance {tolerance:.2g} in {str(dtype).replace('torch.', '')}), "
                 f"same most likely token at {same_choice}/{n} decision positions")
    checks.check(f"{label}: generation stops after the answer", stopped == n,
                 f"{stopped}/{n} greedy generations are exactly {[tokenizer.decode([t]) for t in layout.yes_tokens]}-shaped answers ending at the stop token")


def train_args(base_dir, data, out, kind, steps, extra=()):
    from train import parse_args

    return parse_args([
        "--base", base_dir, "--train", data, "--validation", data, "--out", out, "--trainer", kind,
        "--max-steps", str(steps), "--batch-size", "4", "--grad-accum", "2",
        "--lr", os.environ.get("VULNREVIEW_DRY_RUN_LR", "3e-3"),
        "--warmup-steps", "5", "--lora-r", "16", "--lora-alpha", "32", "--lora-dropout", "0.0",
        "--eval-steps", str(max(1, steps // 3)), "--logging-steps", "1", "--seed", "1", *extra,
    ])


def run_dry_run(args):
    import merge
    import train
    from chat_data import read_jsonl
    from tiny_model import save_base

    import warnings

    import torch
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    if not torch.cuda.is_available():
        # A tiny model gains nothing from threads, and on a shared machine extra threads spin against each
        # other (measured: 20x slower with 2 threads on a loaded 2-core box).
        torch.set_num_threads(1)
    started = time.time()
    work = tempfile.mkdtemp(prefix="vulnreview-dry-run-")
    log = train.main_process_log()
    quiet = lambda _message: None  # noqa: E731  (per-step chatter of the inner runs)
    conversations = read_jsonl(args.train)[:48] if args.train else builtin_conversations()
    data = os.path.join(work, "train.jsonl")
    with open(data, "w", encoding="utf-8") as handle:
        for messages in conversations:
            handle.write(json.dumps({"messages": messages}) + "\n")
    texts = [m["content"] for messages in conversations for m in messages]
    kinds = ["plain", "trl"] if train.pick_trainer("auto", quiet) == "trl" else ["plain"]
    if kinds == ["plain"]:
        log("TRL is not installed: only transformers' Trainer is exercised")
    steps = int(os.environ.get("VULNREVIEW_DRY_RUN_STEPS", "40"))
    checks = Checks(log)
    figures = []
    try:
        for template in os.environ.get("VULNREVIEW_DRY_RUN_TEMPLATES", "llama3 deepseek").split():
            base_dir = save_base(os.path.join(work, f"base-{template}"), texts, template)
            for kind in kinds:
                label = f"{template}/{kind}"
                out = os.path.join(work, f"adapter-{template}-{kind}")
                log(f"{label}: training {steps} steps of batch 4 x 2 accumulation on {len(conversations)} examples")
                summary = train.run(train_args(base_dir, data, out, kind, steps), log=quiet, print_losses=False)
                merged_dir = os.path.join(work, f"merged-{template}-{kind}")
                dtype = "bfloat16" if _cuda() else "float32"
                merge.main(["--base", base_dir, "--adapter", out, "--out", merged_dir, "--dtype", dtype])
                verify(label, base_dir, out, merged_dir, conversations, summary, checks)
                figures.append((label, summary["first_logged_loss"], summary["last_logged_loss"],
                                summary["validation"].get("f1", math.nan)))
            if template == "llama3":
                # Resume: two more steps from the last checkpoint continue its step count.
                out = os.path.join(work, f"adapter-{template}-{kinds[0]}")
                resumed = train.run(train_args(base_dir, data, out, kinds[0], steps + 2, ["--resume", "auto"]), log=quiet, print_losses=False)
                checks.check(f"{template}/{kinds[0]}: resume", resumed["steps"] == steps + 2,
                             f"resumed from checkpoint-{steps} and ended at step {resumed['steps']} (expected {steps + 2})")
    finally:
        if not os.environ.get("VULNREVIEW_KEEP_DRY_RUN"):
            shutil.rmtree(work, ignore_errors=True)
    for label, first, last, f1 in figures:
        log(f"{label}: loss {first:.3f} -> {last:.4f}, validation F1 {f1:.3f}")
    seconds = time.time() - started
    if checks.failed:
        log(f"dry run FAILED ({len(checks.failed)} checks: {', '.join(checks.failed)}) in {seconds:.0f} s")
        return 1
    log(f"dry run OK: {len(figures)} trainings learnt, merged and stopped after their answers, in {seconds:.0f} s")
    return 0


def _cuda():
    import torch

    return torch.cuda.is_available()
