#!/usr/bin/env python3
"""LoRA fine-tuning of a chat model for vulnreview, on the JSONL that `vulnreview dataset` writes.

Each line is {"messages": [{"role": "user", ...}, {"role": "assistant", "content": "Yes" | "No" ...}]},
built by the same prompt builder the action uses at inference. This script renders every example with
the base model's OWN chat template (tokenizer.apply_chat_template: Llama-3, DeepSeek-Coder, ...), which
the seed found essential, and computes the loss on the assistant answer only.

    python train.py --base meta-llama/Meta-Llama-3-8B-Instruct \
        --train train.jsonl --validation train.validation.jsonl --out vulnreview-llama3-lora

    python train.py --dry-run      # tiny random Llama model and tokenizer built locally: no download

The per-device batch size defaults to 4: the seed saw larger batches collapse to answering "No" on its
imbalanced data. Raise the effective batch with --grad-accum instead (effective = batch x accum x GPUs).
"""

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time

IGNORE_INDEX = -100  # label value the loss ignores: every token before the answer

# A Llama-3-style chat template for the dry run's tiny tokenizer (real models bring their own).
DRY_RUN_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
DRY_RUN_SPECIALS = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<pad>", "<unk>"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", help="base model: Hugging Face id or local directory")
    p.add_argument("--train", help="training JSONL from `vulnreview dataset --out`")
    p.add_argument("--validation", help="validation JSONL (the .validation.jsonl file), optional")
    p.add_argument("--out", help="directory for the adapter (default: vulnreview-lora; a temporary one for --dry-run)")
    p.add_argument("--batch-size", type=int, default=4, help="per-device batch size (default: %(default)s)")
    p.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps (default: %(default)s)")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps (-1: epochs)")
    p.add_argument("--lr", type=float, default=2e-4, help="learning rate (default: %(default)s)")
    p.add_argument("--warmup-steps", type=int, default=50)
    p.add_argument("--max-length", type=int, default=2048, help="longer examples are skipped, never cut")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument(
        "--target-modules",
        default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
        help="comma-separated module names for LoRA (Llama / DeepSeek-Coder names by default)",
    )
    p.add_argument("--load-in-4bit", action="store_true", help="QLoRA: base weights in 4 bit (needs bitsandbytes)")
    p.add_argument("--no-gradient-checkpointing", action="store_true", help="faster, but needs more memory")
    p.add_argument("--trainer", choices=["auto", "trl", "plain"], default="auto",
                   help="auto: TRL's SFTTrainer when importable, else transformers' Trainer")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dry-run", action="store_true",
                   help="train a few steps of a tiny randomly initialised Llama model (no download)")
    args = p.parse_args(argv)
    if not args.dry_run and not (args.base and args.train):
        p.error("--base and --train are required (or use --dry-run)")
    if args.out is None:
        args.out = tempfile.mkdtemp(prefix="vulnreview-dry-run-") if args.dry_run else "vulnreview-lora"
    if args.batch_size < 1 or args.grad_accum < 1:
        p.error("--batch-size and --grad-accum must be at least 1")
    return args


def read_jsonl(path):
    """The examples of one file; a bad line stops with its file:line."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                example = json.loads(line)
            except json.JSONDecodeError as error:
                sys.exit(f"{where}: not valid JSON ({error})")
            messages = example.get("messages") if isinstance(example, dict) else None
            if not isinstance(messages, list) or not messages:
                sys.exit(f'{where}: expected {{"messages": [...]}} as written by `vulnreview dataset`')
            if messages[-1].get("role") != "assistant":
                sys.exit(f"{where}: the last message must be the assistant's answer")
            examples.append(messages)
    if not examples:
        sys.exit(f"{path}: no examples")
    return examples


def encode(tokenizer, messages, max_length):
    """input_ids and labels for one conversation, the labels masked (IGNORE_INDEX) up to the answer.

    The prompt (everything before the answer, with the template's assistant header) and the answer are
    tokenised separately and joined, so the boundary is exact: the model learns to produce the answer's
    tokens right after the generation prompt, which is what it is given at inference. Returns None when
    the example is longer than max_length (cutting it would cut the answer off).
    """
    prompt_text = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full_text.startswith(prompt_text):
        raise ValueError(
            "the chat template does not render the conversation as prompt + answer; "
            "this script needs a template whose generation prompt is a prefix of the full conversation"
        )
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    if not answer_ids:
        raise ValueError("the answer rendered to no tokens")
    input_ids = prompt_ids + answer_ids
    if len(input_ids) > max_length:
        return None
    return {
        "input_ids": input_ids,
        "attention_mask": [1] * len(input_ids),
        "labels": [IGNORE_INDEX] * len(prompt_ids) + answer_ids,
    }


def encode_all(tokenizer, conversations, max_length, name):
    encoded = [encode(tokenizer, messages, max_length) for messages in conversations]
    kept = [e for e in encoded if e is not None]
    skipped = len(encoded) - len(kept)
    answers = sum(sum(1 for t in e["labels"] if t != IGNORE_INDEX) for e in kept)
    print(f"{name}: {len(kept)} examples ({skipped} longer than {max_length} tokens skipped), "
          f"{sum(len(e['input_ids']) for e in kept)} tokens, {answers} of them trained on (the answers)")
    if not kept:
        sys.exit(f"{name}: every example is longer than --max-length {max_length}")
    return kept


class PadCollator:
    """Pads a batch: input_ids with the pad token, labels with IGNORE_INDEX, attention_mask with 0."""

    def __init__(self, pad_token_id):
        self.pad_token_id = pad_token_id

    def __call__(self, features):
        import torch

        width = max(len(f["input_ids"]) for f in features)

        def pad(key, value):
            return torch.tensor([f[key] + [value] * (width - len(f[key])) for f in features])

        return {
            "input_ids": pad("input_ids", self.pad_token_id),
            "attention_mask": pad("attention_mask", 0),
            "labels": pad("labels", IGNORE_INDEX),
        }


class ListDataset:
    """A list as a map-style dataset (Trainer needs __len__ and __getitem__ only)."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def dry_run_examples():
    """A handful of conversations in the shape `vulnreview dataset` writes (PD-1, 25% vulnerable)."""
    question = "Is this code vulnerable? Answer in only Yes or No.\n\n```c\n{}\n```"
    functions = [
        ("void copy(char *in) { char b[16]; strcpy(b, in); }", "Yes"),
        ("int add(int a, int b) { return a + b; }", "No"),
        ("size_t len(const char *s) { return strlen(s); }", "No"),
        ("void fill(char *d, int n) { char b[8]; memcpy(b, d, n); }", "No"),
        ("int first(int *p) { return p[0]; }", "Yes"),
        ("void zero(int *p, int n) { for (int i = 0; i < n; i++) p[i] = 0; }", "No"),
        ("int get(int *a, int i) { if (i < 0 || i >= 4) return -1; return a[i]; }", "No"),
        ("void log(const char *m) { printf(m); }", "No"),
    ]
    return [
        [{"role": "user", "content": question.format(code)}, {"role": "assistant", "content": answer}]
        for code, answer in functions
    ]


def dry_run_tokenizer(conversations):
    """A word-level tokenizer over the examples' words, with Llama-3-like special tokens and template."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = set()
    splitter = pre_tokenizers.Whitespace()
    for messages in conversations:
        for message in messages:
            for text in (message["role"], message["content"]):
                words.update(piece for piece, _ in splitter.pre_tokenize_str(text))
    vocab = {token: i for i, token in enumerate(DRY_RUN_SPECIALS + sorted(words))}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = splitter
    # Special tokens are matched whole in the text before the word split, as in a real chat tokenizer.
    core.add_special_tokens(DRY_RUN_SPECIALS)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    tokenizer.chat_template = DRY_RUN_TEMPLATE
    return tokenizer


def dry_run_model(tokenizer):
    """A randomly initialised two-layer Llama: the real architecture, nothing downloaded."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


def load_base(args):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.base)
    if tokenizer.chat_template is None:
        sys.exit(f"{args.base}: the tokenizer has no chat template; use an instruct/chat model")
    if tokenizer.pad_token is None:
        # Only pads batches; padded positions are masked out of attention and loss.
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float16
    kwargs = {"dtype": dtype}
    if args.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype
        )
    model = AutoModelForCausalLM.from_pretrained(args.base, **kwargs)
    return tokenizer, model


def add_lora(model, args, gradient_checkpointing):
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if args.load_in_4bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable()
        # With frozen base weights the inputs must carry grads, or checkpointed layers get none.
        model.enable_input_require_grads()
    config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=[m.strip() for m in args.target_modules.split(",") if m.strip()],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    model.print_trainable_parameters()
    return model


def make_trainer(args, model, tokenizer, train, validation, training_args):
    """TRL's SFTTrainer when wanted and importable, else transformers' Trainer. Both get the data already
    tokenised and masked and this script's collator, so the loss is on the answer only either way."""
    from transformers import Trainer

    common = {
        "model": model,
        "train_dataset": ListDataset(train),
        "eval_dataset": ListDataset(validation) if validation else None,
        "data_collator": PadCollator(tokenizer.pad_token_id),
    }
    if args.trainer in ("auto", "trl"):
        try:
            from datasets import Dataset
            from trl import SFTConfig, SFTTrainer
        except ImportError:
            if args.trainer == "trl":
                sys.exit("--trainer trl: TRL is not installed (pip install trl)")
        else:
            try:
                config = SFTConfig(**training_args, dataset_kwargs={"skip_prepare_dataset": True})
                trainer = SFTTrainer(
                    processing_class=tokenizer,
                    args=config,
                    **{
                        **common,
                        "train_dataset": Dataset.from_list(train),
                        "eval_dataset": Dataset.from_list(validation) if validation else None,
                    },
                )
                print("trainer: TRL SFTTrainer (pre-tokenised, answer-only labels)")
                return trainer
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                # TRL's API moves between versions; the plain Trainer does the same job with this data.
                if args.trainer == "trl":
                    raise
                print(f"trainer: this TRL version's SFTTrainer does not fit ({error!r}); using transformers' Trainer")
    from transformers import TrainingArguments

    print("trainer: transformers Trainer (answer-only labels)")
    return Trainer(args=TrainingArguments(**training_args), **common)


def training_arguments(args, output_dir, has_validation, use_bf16, use_fp16):
    return {
        "output_dir": output_dir,
        "per_device_train_batch_size": args.batch_size,
        "per_device_eval_batch_size": args.batch_size,
        "gradient_accumulation_steps": args.grad_accum,
        "num_train_epochs": args.epochs,
        "max_steps": args.max_steps,
        "learning_rate": args.lr,
        "lr_scheduler_type": "cosine",
        "warmup_steps": args.warmup_steps,
        "logging_steps": args.logging_steps,
        "eval_strategy": "epoch" if has_validation else "no",
        "save_strategy": "no",
        "bf16": use_bf16,
        "fp16": use_fp16,
        "report_to": "none",
        "remove_unused_columns": False,
        "seed": args.seed,
    }


def main(argv=None):
    args = parse_args(argv)
    random.seed(args.seed)
    import torch
    from transformers import set_seed

    set_seed(args.seed)
    started = time.time()

    if args.dry_run:
        conversations = read_jsonl(args.train)[:8] if args.train else dry_run_examples()
        tokenizer = dry_run_tokenizer(conversations)
        set_seed(args.seed)
        model = dry_run_model(tokenizer)
        train = encode_all(tokenizer, conversations, args.max_length, "dry-run train")
        validation = train[:2]
        args.max_steps = 3 if args.max_steps < 0 else args.max_steps
        args.batch_size = min(args.batch_size, 2)
        args.warmup_steps = 0
        args.logging_steps = 1
        args.target_modules = "q_proj,v_proj"
        gradient_checkpointing = False
        use_bf16 = use_fp16 = False  # float32: works on CPU as well
    else:
        tokenizer, model = load_base(args)
        train = encode_all(tokenizer, read_jsonl(args.train), args.max_length, "train")
        validation = (
            encode_all(tokenizer, read_jsonl(args.validation), args.max_length, "validation") if args.validation else []
        )
        gradient_checkpointing = not args.no_gradient_checkpointing
        use_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        use_fp16 = torch.cuda.is_available() and not use_bf16

    model = add_lora(model, args, gradient_checkpointing)
    devices = max(1, torch.cuda.device_count())
    print(f"batch: {args.batch_size} per device x {args.grad_accum} accumulation x {devices} device(s) "
          f"= {args.batch_size * args.grad_accum * devices} examples per optimizer step")

    work_dir = tempfile.mkdtemp(prefix="vulnreview-train-") if args.dry_run else os.path.join(args.out, "trainer")
    trainer = make_trainer(
        args, model, tokenizer, train, validation,
        training_arguments(args, work_dir, bool(validation), use_bf16, use_fp16),
    )
    result = trainer.train()
    metrics = dict(result.metrics)
    if validation:
        metrics.update(trainer.evaluate())

    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out)  # the adapter only (adapter_config.json + weights)
    tokenizer.save_pretrained(args.out)
    trained_tokens = sum(len(e["input_ids"]) for e in train) * (trainer.state.epoch or 1.0)
    seconds = time.time() - started
    summary = {
        "base": args.base or "dry-run tiny Llama",
        "examples": len(train),
        "steps": trainer.state.global_step,
        "seconds": round(seconds, 1),
        "tokens_per_second": round(trained_tokens / seconds, 1) if seconds > 0 else None,
        "train_loss": metrics.get("train_loss"),
        "eval_loss": metrics.get("eval_loss"),
    }
    with open(os.path.join(args.out, "vulnreview-train.json"), "w", encoding="utf-8") as handle:
        json.dump({"args": vars(args), "summary": summary}, handle, indent=2)
    print(json.dumps(summary, indent=2))

    if args.dry_run:
        loss = summary["train_loss"]
        if loss is None or not math.isfinite(loss):
            sys.exit(f"dry run FAILED: training loss is {loss}")
        # The adapter must load back and merge: what merge.py and vLLM will do with a real one.
        from peft import PeftModel

        set_seed(args.seed)  # the same random base weights the adapter was trained on
        merged = PeftModel.from_pretrained(dry_run_model(tokenizer), args.out).merge_and_unload()
        prompt = tokenizer.apply_chat_template(conversations[0][:-1], tokenize=False, add_generation_prompt=True)
        ids = torch.tensor([tokenizer(prompt, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            logits = merged(input_ids=ids).logits
        if not torch.isfinite(logits).all():
            sys.exit("dry run FAILED: the merged model gives non-finite logits")
        print(f"dry run OK: {summary['steps']} steps, loss {loss:.3f}, adapter in {args.out}, reload + merge work")
    else:
        print(f"adapter saved in {args.out}; serve it with runner-setup/serve or merge it with merge.py")


if __name__ == "__main__":
    main()
