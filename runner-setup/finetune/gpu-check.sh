#!/usr/bin/env bash
# The training recipe and the end-to-end chain on a CUDA GPU in bf16, in a few minutes, printing what it
# asserted. Tiny models built locally, so it needs no download and no network (the Python packages must
# already be installed for this GPU: torch with CUDA, transformers, peft, accelerate, trl; bitsandbytes
# for the QLoRA step, which is skipped without it).
#
#   runner-setup/finetune/gpu-check.sh            # PYTHON=/path/to/venv/bin/python to pick the interpreter
#
# Steps: the card; train.py --dry-run on CUDA (both chat templates, both trainers, bf16, merge, the four
# learning checks) and the same with learning rate 0, which must fail; train.py under torchrun with one
# process per GPU; QLoRA (--load-in-4bit) on the tiny model with its peak memory; then e2e-cpu.sh, whose
# training and evaluation server use the GPU when there is one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
started=$SECONDS
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vulnreview-gpu-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONPYCACHEPREFIX="$WORK/pycache"
FINETUNE=runner-setup/finetune

step() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - started))"; }
die() {
  echo "gpu-check: FAILED: $*" >&2
  exit 1
}
asserted=()
# summary FILE: runs the Python on stdin with `s`, the "summary" of train.py's vulnreview-train.json.
summary() {
  "$PY" -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]; exec(sys.stdin.read())' "$1"
}

step "GPU"
command -v nvidia-smi >/dev/null || die "nvidia-smi not found: no NVIDIA driver on this machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
gpus="$("$PY" - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit("torch sees no CUDA device (a CPU-only torch build?)")
if not torch.cuda.is_bf16_supported():
    sys.exit(f"{torch.cuda.get_device_name(0)} has no bf16; this check is for bf16 training")
import transformers, peft
print(torch.cuda.device_count())
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), transformers {transformers.__version__}, peft {peft.__version__}, "
      f"{torch.cuda.get_device_name(0)}", file=sys.stderr)
PY
)" || die "the Python stack cannot use the GPU"
asserted+=("torch sees $gpus CUDA device(s) with bf16")

step "train.py --dry-run on CUDA in bf16"
"$PY" "$FINETUNE/train.py" --dry-run 2>&1 | grep -Ev '^(Loading weights|Writing model)' || die "the dry run did not pass"
asserted+=("dry run: loss falls, right first answer token, merged = base + adapter (bf16 bound), generation stops, resume")
if VULNREVIEW_DRY_RUN_LR=0 VULNREVIEW_DRY_RUN_STEPS=4 VULNREVIEW_DRY_RUN_TEMPLATES=llama3 \
  "$PY" "$FINETUNE/train.py" --dry-run >"$WORK/no-learning.log" 2>&1; then
  die "the dry run passed with learning rate 0"
fi
asserted+=("dry run with learning rate 0 fails")

step "a tiny base model and data for the next steps"
node dist/cli.js dataset --input runner-setup/e2e/train.jsonl --out "$WORK/train.jsonl" --prompt pd-1 >/dev/null
"$PY" "$FINETUNE/tiny_model.py" --out "$WORK/base" --template llama3 --corpus "$WORK/train.jsonl" >/dev/null 2>&1

step "train.py under torchrun, one process per GPU ($gpus)"
"$PY" -m torch.distributed.run --standalone --nproc_per_node "$gpus" "$FINETUNE/train.py" --base "$WORK/base" \
  --train "$WORK/train.jsonl" --validation "$WORK/train.validation.jsonl" --out "$WORK/ddp" --max-steps 20 \
  --batch-size 4 --eval-steps 10 --logging-steps 10 --lr 3e-3 --warmup-steps 2 >"$WORK/ddp.log" 2>&1 ||
  { tail -n 30 "$WORK/ddp.log"; die "train.py under torchrun failed"; }
grep -E '^(batch|validation at)' "$WORK/ddp.log"
summary "$WORK/ddp/vulnreview-train.json" <<'PY'
print(f"  peak GPU memory {s['peak_gpu_memory_gib']} GiB, {s['tokens_per_second_per_process']} tokens/s per process")
if s["steps"] != 20:
    sys.exit(f"expected 20 steps, got {s['steps']}")
PY
asserted+=("torchrun with $gpus process(es): 20 steps, files written once")

step "QLoRA (--load-in-4bit) on the tiny model"
if "$PY" -c 'import bitsandbytes' 2>/dev/null; then
  "$PY" "$FINETUNE/train.py" --base "$WORK/base" --train "$WORK/train.jsonl" --out "$WORK/qlora" --load-in-4bit \
    --max-steps 20 --lr 3e-3 --warmup-steps 2 --logging-steps 10 --eval-steps 10 >"$WORK/qlora.log" 2>&1 ||
    { tail -n 30 "$WORK/qlora.log"; die "QLoRA training failed"; }
  summary "$WORK/qlora/vulnreview-train.json" <<'PY'
print(f"  loss {s['first_logged_loss']:.3f} -> {s['last_logged_loss']:.3f}, peak GPU memory {s['peak_gpu_memory_gib']} GiB")
if not s["last_logged_loss"] < 0.5 * s["first_logged_loss"]:
    sys.exit("the QLoRA loss did not fall to half its start")
PY
  asserted+=("QLoRA on the tiny model trains (loss falls)")
else
  echo "  bitsandbytes is not installed: skipped"
fi

step "e2e-cpu.sh on this machine (training and the evaluation server on the GPU)"
E2E_PYTHON="$PY" runner-setup/e2e-cpu.sh 2>&1 | grep -E '^(==|llama3:|deepseek:|  ok|  FAIL|e2e-cpu)' ||
  die "the end-to-end chain failed"
asserted+=("end to end: dataset, train, merge, evaluation server, eval and scan, precision and recall >= 0.75")

echo
echo "gpu-check: OK in $((SECONDS - started)) s. Asserted:"
printf '  - %s\n' "${asserted[@]}"
