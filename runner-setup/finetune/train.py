#!/usr/bin/env python3
"""LoRA fine-tuning of a chat model for vulnreview, on the JSONL that `vulnreview dataset` writes.

Each line is {"messages": [{"role": "user", ...}, {"role": "assistant", "content": "Yes" | "No" ...}]},
built by the same prompt builder the action uses at inference. Every example is rendered with the base
model's OWN chat template (which the seed found essential), and the loss covers exactly the tokens the
server generates after the generation prompt, up to the end-of-turn token (chat_data.py).

    python train.py --base meta-llama/Meta-Llama-3-8B-Instruct \\
        --train train.jsonl --validation train.validation.jsonl --out vulnreview-llama3-lora

    python train.py --dry-run      # proves the recipe learns, on tiny models built locally (dry_run.py)

Several GPUs: `torchrun --nproc_per_node N train.py ...` or `accelerate launch train.py ...`; only rank 0
writes files. The batch is per device: the seed's 4 is `--batch-size 4 --grad-accum 1` on one GPU (on N
GPUs, `--batch-size` 4/N keeps it). The seed saw larger batches collapse to answering "No".
"""

import argparse
import json
import os
import sys
import time

DEFAULT_TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", help="base model: Hugging Face id or local directory")
    p.add_argument("--train", help="training JSONL from `vulnreview dataset --out`")
    p.add_argument("--validation", help="validation JSONL (the .validation.jsonl file): metrics while training")
    p.add_argument("--out", help="directory for the adapter (default: vulnreview-lora)")
    p.add_argument("--batch-size", type=int, default=4, help="per-device batch size (default: %(default)s, the seed's)")
    p.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps (default: %(default)s)")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many optimizer steps (-1: epochs)")
    p.add_argument("--lr", type=float, default=2e-4, help="learning rate (default: %(default)s)")
    p.add_argument("--warmup-steps", type=int, default=50)
    p.add_argument("--max-length", type=int, default=2048, help="longer examples are skipped, never cut")
    p.add_argument("--lora-r", type=int, default=16, help="LoRA rank; serve with --max-lora-rank at least this")
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--target-modules", default=DEFAULT_TARGETS,
                   help="comma-separated module names for LoRA (Llama / DeepSeek-Coder: all attention and MLP projections)")
    p.add_argument("--load-in-4bit", action="store_true", help="QLoRA: base weights in 4 bit (needs bitsandbytes)")
    p.add_argument("--no-gradient-checkpointing", action="store_true", help="faster, but needs more memory")
    p.add_argument("--trainer", choices=["auto", "trl", "plain"], default="auto",
                   help="auto: TRL's SFTTrainer when importable, else transformers' Trainer")
    p.add_argument("--eval-steps", type=int, default=200,
                   help="validation metrics (share flagged, precision, recall, F1) and a checkpoint every N steps")
    p.add_argument("--eval-samples", type=int, default=1000,
                   help="validate on at most this many examples, drawn with --seed (0: all)")
    p.add_argument("--save-total-limit", type=int, default=3, help="checkpoints kept in OUT/trainer")
    p.add_argument("--resume", metavar="auto|DIR",
                   help="continue from a checkpoint: 'auto' picks the latest in OUT/trainer")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--allow-lossy-tokenizer", action="store_true",
                   help="continue when the tokenizer does not give back the text it encodes (see tokenizer_check.py)")
    p.add_argument("--dry-run", action="store_true",
                   help="prove the recipe learns: tiny Llama-3- and DeepSeek-Coder-style models built locally, "
                   "both trainers, merge, and checks (a few minutes on a CPU)")
    args = p.parse_args(argv)
    if not args.dry_run and not (args.base and args.train):
        p.error("--base and --train are required (or use --dry-run)")
    if args.out is None:
        args.out = "vulnreview-lora"
    if args.batch_size < 1 or args.grad_accum < 1:
        p.error("--batch-size and --grad-accum must be at least 1")
    return args


def distributed():
    """(rank, local_rank, world_size) as torchrun and accelerate launch set them."""
    return (
        int(os.environ.get("RANK", "0")),
        int(os.environ.get("LOCAL_RANK", "0")),
        int(os.environ.get("WORLD_SIZE", "1")),
    )


def main_process_log():
    rank = distributed()[0]

    def log(message):
        if rank == 0:
            print(message, flush=True)

    return log


def precision_for_device():
    """(torch dtype for the weights, Trainer's bf16, Trainer's fp16): bf16 on GPUs that have it, fp16 on
    older GPUs, float32 on a CPU (half precision on CPU is slow and loses the small LoRA updates)."""
    import torch

    if torch.cuda.is_available():
        if torch.cuda.is_bf16_supported():
            return torch.bfloat16, True, False
        return torch.float16, False, True
    return torch.float32, False, False


def load_base(args, extra_texts=(), log=print):
    """Tokenizer (round-trip checked), model and the stop tokens of the base model."""
    from transformers import AutoModelForCausalLM, GenerationConfig

    from chat_data import stop_token_ids
    from tokenizer_check import load_tokenizer_or_exit

    tokenizer = load_tokenizer_or_exit(args.base, extra_texts, args.allow_lossy_tokenizer)
    if tokenizer.chat_template is None:
        sys.exit(f"{args.base}: the tokenizer has no chat template; use an instruct/chat model")
    if tokenizer.pad_token is None:
        # Only pads batches; padded positions are masked out of attention and loss.
        tokenizer.pad_token = tokenizer.eos_token
    dtype, _, _ = precision_for_device()
    kwargs = {"dtype": dtype}
    if args.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=dtype
        )
        # Each process holds its own quantised copy on its own GPU.
        kwargs["device_map"] = {"": distributed()[1]}
    model = AutoModelForCausalLM.from_pretrained(args.base, **kwargs)
    try:
        generation_config = GenerationConfig.from_pretrained(args.base)
    except OSError:
        generation_config = model.generation_config
    stops = stop_token_ids(tokenizer, generation_config)
    log(f"stop tokens: {[tokenizer.convert_ids_to_tokens(i) for i in sorted(stops)]}")
    return tokenizer, model, stops


def add_lora(model, args, gradient_checkpointing, log=print):
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if args.load_in_4bit:
        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    elif gradient_checkpointing:
        # Non-reentrant checkpointing gives the LoRA weights their gradients with a frozen embedding layer
        # and works under DistributedDataParallel.
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=[m.strip() for m in args.target_modules.split(",") if m.strip()],
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    trainable, total = model.get_nb_trainable_parameters()
    log(f"LoRA: {trainable:,} trainable parameters of {total:,} ({100 * trainable / total:.3f}%), "
        f"r {args.lora_r} on {config.target_modules}")
    return model


def training_arguments(args, output_dir, has_validation, bf16, fp16, gradient_checkpointing):
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
        "eval_strategy": "steps" if has_validation else "no",
        "eval_steps": args.eval_steps,
        "save_strategy": "steps",
        "save_steps": args.eval_steps,
        "save_total_limit": args.save_total_limit,
        "bf16": bf16,
        "fp16": fp16,
        "gradient_checkpointing": gradient_checkpointing,
        "gradient_checkpointing_kwargs": {"use_reentrant": False},
        "ddp_find_unused_parameters": False,
        "label_names": ["labels"],
        "report_to": "none",
        "remove_unused_columns": False,
        "seed": args.seed,
        "data_seed": args.seed,
        "disable_tqdm": True,
        "dataloader_pin_memory": pinned_memory(),
        # Without a GPU, torchrun's processes only form a (gloo) process group when told they are CPU ones.
        "use_cpu": not pinned_memory(),
    }


def pinned_memory():
    import torch

    return torch.cuda.is_available()


def pick_trainer(choice, log):
    if choice == "plain":
        return "plain"
    try:
        import datasets  # noqa: F401  (SFTTrainer takes a datasets.Dataset)
        import trl  # noqa: F401
    except ImportError:
        if choice == "trl":
            sys.exit("--trainer trl: TRL is not installed (pip install trl)")
        log("trainer: TRL not installed, using transformers' Trainer")
        return "plain"
    return "trl"


def subsample(items, limit, seed):
    """At most `limit` items, a seeded draw that keeps file order (0: all)."""
    import random

    if limit <= 0 or len(items) <= limit:
        return items
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


def resume_point(args, work_dir, log):
    if not args.resume:
        return None
    if args.resume != "auto":
        if not os.path.isdir(args.resume):
            sys.exit(f"--resume {args.resume}: no such checkpoint directory")
        return args.resume
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(work_dir) if os.path.isdir(work_dir) else None
    log(f"resume: {last}" if last else f"resume: no checkpoint in {work_dir} yet, starting from the beginning")
    return last


def run(args, log=None, print_losses=True):
    """Trains and saves the adapter; returns the summary written to vulnreview-train.json."""
    log = log or main_process_log()
    import torch
    from transformers import set_seed

    from answer_trainer import make_trainer
    from chat_data import AnswerLayout, LeftPadCollator, encode_all, read_jsonl
    from tokenizer_check import save_tokenizer

    set_seed(args.seed)
    started = time.time()
    rank, _, world_size = distributed()
    train_conversations = read_jsonl(args.train)
    validation_conversations = read_jsonl(args.validation) if args.validation else []
    # The round-trip check also covers the first real example, with its own code.
    first = train_conversations[0]
    tokenizer, model, stops = load_base(args, log=log, extra_texts=[first[0]["content"]])
    layout = AnswerLayout(tokenizer, stops)
    log(f"template: {layout.describe(tokenizer)}")
    train = encode_all(tokenizer, train_conversations, stops, args.max_length, "train", log)
    validation = []
    if validation_conversations:
        validation = encode_all(
            tokenizer, subsample(validation_conversations, args.eval_samples, args.seed), stops, args.max_length,
            "validation", log,
        )

    gradient_checkpointing = not args.no_gradient_checkpointing
    _, bf16, fp16 = precision_for_device()
    model = add_lora(model, args, gradient_checkpointing, log)
    work_dir = os.path.join(args.out, "trainer")
    trainer = make_trainer(
        pick_trainer(args.trainer, log), model, tokenizer, train, validation,
        training_arguments(args, work_dir, bool(validation), bf16, fp16, gradient_checkpointing),
        layout, LeftPadCollator(tokenizer.pad_token_id), log,
    )
    if not print_losses:
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    effective = trainer.args.train_batch_size * args.grad_accum * trainer.args.world_size
    log(f"batch: {args.batch_size} per device x {args.grad_accum} accumulation x {trainer.args.world_size} "
        f"process(es) x {max(1, trainer.args.n_gpu)} GPU(s) each = {effective} examples per optimizer step")
    if effective > 4:
        log("note: the seed saw batches above 4 collapse to answering 'No' on 25%-vulnerable data; watch "
            "'flags X% as vulnerable' in the validation lines below")

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    train_started = time.time()
    result = trainer.train(resume_from_checkpoint=resume_point(args, work_dir, log))
    train_seconds = time.time() - train_started
    metrics = dict(result.metrics)
    history = trainer.collapse_watch.history
    if not validation:
        final_validation = {}
    elif history and history[-1]["step"] == trainer.state.global_step:
        final_validation = {f"eval_{k}": v for k, v in history[-1].items() if k != "step"}
    else:
        final_validation = trainer.evaluate()

    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    trained_tokens = sum(len(e["input_ids"]) for e in train) * float(trainer.state.epoch or 1.0) / world_size
    summary = {
        "base": args.base,
        "trainer": trainer.kind,
        "examples": len(train),
        "validation_examples": len(validation),
        "effective_batch": effective,
        "steps": trainer.state.global_step,
        "seconds": round(time.time() - started, 1),
        "tokens_per_second_per_process": round(trained_tokens / train_seconds, 1) if train_seconds > 0 else None,
        "train_loss": metrics.get("train_loss"),
        "first_logged_loss": losses[0] if losses else None,
        "last_logged_loss": losses[-1] if losses else None,
        "validation": {k[5:]: v for k, v in final_validation.items() if k.startswith("eval_")},
        "validation_history": trainer.collapse_watch.history,
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
    }
    if trainer.is_world_process_zero():
        os.makedirs(args.out, exist_ok=True)
        model.save_pretrained(args.out)  # the adapter only (adapter_config.json + weights)
        save_tokenizer(tokenizer, args.out)  # the checked tokenizer: merge.py and serving reuse it
        with open(os.path.join(args.out, "vulnreview-train.json"), "w", encoding="utf-8") as handle:
            json.dump({"args": vars(args), "summary": summary, "losses": losses}, handle, indent=2)
        log(json.dumps({k: v for k, v in summary.items() if k != "validation_history"}, indent=2))
        log(f"adapter saved in {args.out}; serve it with runner-setup/serve or merge it with merge.py")
    trainer.accelerator.wait_for_everyone()
    return summary


def main(argv=None):
    args = parse_args(argv)
    if args.dry_run:
        from dry_run import run_dry_run

        sys.exit(run_dry_run(args))
    if not os.path.exists(args.out) and distributed()[0] == 0:
        os.makedirs(args.out, exist_ok=True)
    run(args)


if __name__ == "__main__":
    main()
