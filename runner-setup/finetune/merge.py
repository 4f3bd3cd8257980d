#!/usr/bin/env python3
"""Merges a LoRA adapter from train.py into its base model and saves a standalone model directory that
vLLM (MERGED_MODEL in runner-setup/serve), the evaluation server (serve/eval_server.py) or transformers can
load without peft.

    python merge.py --base meta-llama/Meta-Llama-3-8B-Instruct --adapter vulnreview-llama3-lora \\
        --out vulnreview-llama3-merged

Needs memory for the whole base model in bf16/fp16 (~16 GB for 8B); runs on CPU if no GPU is free
(slower, and needs that much RAM instead). The tokenizer comes from the adapter directory, where train.py
saved the one it trained with (checked to round-trip, see tokenizer_check.py), and the generation config
(its stop tokens) from the base model.
"""

import argparse
import os
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="the base model the adapter was trained on (id or directory)")
    p.add_argument("--adapter", required=True, help="train.py's --out directory")
    p.add_argument("--out", required=True, help="directory for the merged model")
    p.add_argument("--dtype", choices=["bfloat16", "float16", "float32"], default="bfloat16")
    p.add_argument("--allow-lossy-tokenizer", action="store_true", help="see train.py")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isfile(os.path.join(args.adapter, "adapter_config.json")):
        sys.exit(f"{args.adapter}: no adapter_config.json; pass train.py's --out directory as --adapter")
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out}: exists and is not empty; choose a new --out")

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from tokenizer_check import load_tokenizer_or_exit, save_tokenizer

    tokenizer = load_tokenizer_or_exit(args.adapter, allow_lossy=args.allow_lossy_tokenizer)
    base = AutoModelForCausalLM.from_pretrained(args.base, dtype=getattr(torch, args.dtype))
    merged = PeftModel.from_pretrained(base, args.adapter).merge_and_unload()
    merged.save_pretrained(args.out)
    save_tokenizer(tokenizer, args.out)
    print(f"merged model saved in {args.out}; serve it with MERGED_MODEL={os.path.abspath(args.out)}")


if __name__ == "__main__":
    main()
