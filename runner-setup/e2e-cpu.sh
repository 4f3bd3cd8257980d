#!/usr/bin/env bash
# The seed's pipeline end to end on a CPU, in a few minutes, with tiny models built here (nothing is
# downloaded but the Python packages):
#
#   train.py --dry-run (and a run that must fail: learning rate 0)
#   vulnreview dataset  (e2e/train.jsonl: labelled C functions a tiny model can learn)
#   for a Llama-3-style and a DeepSeek-Coder-style chat template:
#     tiny_model.py → train.py → merge.py → serve/eval_server.py (OpenAI-compatible, 127.0.0.1, API key)
#     check_server.py (the server answers and refuses as vLLM does)
#     vulnreview eval (e2e/test.jsonl, names never seen in training) and vulnreview scan (a git repo whose
#     change adds one vulnerable and one safe function), both through the real endpoint client
#     check_results.py: precision and recall far above chance, the right function flagged
#
# Run from a clean clone after `npm ci` (dist/ is committed). It installs the CPU Python stack with pip
# into a virtualenv (packages already on the machine are reused). Settings, all optional:
#   E2E_TEMPLATES="llama3 deepseek"   which chat templates to run
#   E2E_VENV=DIR                      reuse a virtualenv (default: a fresh one in the work directory)
#   E2E_PYTHON=PATH                   use this interpreter as it is, no virtualenv (gpu-check.sh does)
#   E2E_TORCH_INDEX=URL               pip index for torch (e.g. https://download.pytorch.org/whl/cpu on a
#                                     GitHub-hosted runner, where PyPI's default torch wheel pulls CUDA)
#   E2E_SKIP_DRY_RUN=1                skip the dry runs (quicker local iterations)
#   E2E_KEEP=1                        keep the work directory
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
started=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vulnreview-e2e.XXXXXX")"
TEMPLATES="${E2E_TEMPLATES:-llama3 deepseek}"
SERVER_PID=""

# Tiny models gain nothing from threads, and on a shared CI box extra threads spin against each other.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# Nothing may come from the Hugging Face hub: every model here is built locally.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONPYCACHEPREFIX="$WORK/pycache"

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -z "${E2E_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "e2e-cpu: work directory kept: $WORK"; fi
}
trap cleanup EXIT

step() { printf '\n== %s (%d s)\n' "$*" "$((SECONDS - started))"; }
die() {
  echo "e2e-cpu: FAILED: $*" >&2
  exit 1
}

[[ -f dist/cli.js ]] || die "dist/cli.js is missing; run npm ci && npm run build first"
command -v node >/dev/null || die "node is required"
command -v git >/dev/null || die "git is required (vulnreview scan reads a git repository)"

step "Python environment"
if [[ -n "${E2E_PYTHON:-}" ]]; then
  PY="$E2E_PYTHON"
else
  VENV="${E2E_VENV:-$WORK/venv}"
  if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv --system-site-packages "$VENV" ||
      die "could not create a virtualenv (Debian/Ubuntu: apt-get install python3-venv), or set E2E_PYTHON"
  fi
  PY="$VENV/bin/python"
fi
pip_install() { "$PY" -m pip install --retries 0 --timeout 2 --quiet --disable-pip-version-check "$@"; }
# requirements.txt already satisfied (a reused virtualenv, or the machine's own packages): nothing to do.
satisfied() {
  "$PY" - runner-setup/finetune/requirements.txt <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version
from packaging.requirements import Requirement
missing = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        requirement = Requirement(line)
        try:
            if not requirement.specifier.contains(version(requirement.name), prereleases=True):
                missing.append(line)
        except PackageNotFoundError:
            missing.append(line)
sys.exit(1 if missing else 0)
PY
}
if satisfied; then
  echo "requirements.txt is already satisfied"
else
  if [[ -n "${E2E_TORCH_INDEX:-}" ]]; then
    pip_install --index-url "$E2E_TORCH_INDEX" torch
  fi
  pip_install -r runner-setup/finetune/requirements.txt
fi
"$PY" -c 'import torch, transformers, peft, trl; print(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, trl {trl.__version__}")'

FINETUNE=runner-setup/finetune
if [[ -z "${E2E_SKIP_DRY_RUN:-}" ]]; then
  step "train.py --dry-run"
  "$PY" "$FINETUNE/train.py" --dry-run 2>&1 | grep -Ev '^(Loading weights|Writing model)' || die "the dry run did not pass"
  step "train.py --dry-run with learning rate 0 must fail"
  if VULNREVIEW_DRY_RUN_LR=0 VULNREVIEW_DRY_RUN_STEPS=4 VULNREVIEW_DRY_RUN_TEMPLATES=llama3 "$PY" "$FINETUNE/train.py" --dry-run >"$WORK/no-learning.log" 2>&1; then
    cat "$WORK/no-learning.log"
    die "the dry run passed without learning: its checks cannot catch a recipe that stops learning"
  fi
  grep -E 'FAIL|dry run FAILED' "$WORK/no-learning.log" | tail -n 3
fi

step "vulnreview dataset"
node dist/cli.js dataset --input runner-setup/e2e/train.jsonl --out "$WORK/train.jsonl" --prompt pd-1

KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
status=0
for template in $TEMPLATES; do
  dir="$WORK/$template"
  mkdir -p "$dir"
  step "$template: tiny base model, train.py, merge.py"
  "$PY" "$FINETUNE/tiny_model.py" --out "$dir/base" --template "$template" --corpus "$WORK/train.jsonl" 2>&1 |
    grep -Ev '^(Loading weights|Writing model)'
  "$PY" "$FINETUNE/train.py" --base "$dir/base" --train "$WORK/train.jsonl" \
    --validation "$WORK/train.validation.jsonl" --out "$dir/adapter" --epochs 4 --lr 3e-3 \
    --warmup-steps 10 --lora-dropout 0 --eval-steps 65 --logging-steps 65 2>&1 |
    grep -E '^(template|stop tokens|tokenizer|train|validation|batch|LoRA|trainer|adapter|warning)' || die "$template: train.py failed"
  "$PY" "$FINETUNE/merge.py" --base "$dir/base" --adapter "$dir/adapter" --out "$dir/merged" --dtype float32 2>&1 |
    grep -Ev '^(Loading weights|Writing model)'

  if [[ "$template" == "${TEMPLATES%% *}" ]]; then
    step "$template: torchrun with 2 processes (the several-GPU path, on CPU with gloo)"
    "$PY" -m torch.distributed.run --standalone --nproc_per_node 2 "$FINETUNE/train.py" --base "$dir/base" \
      --train "$WORK/train.jsonl" --validation "$WORK/train.validation.jsonl" --out "$dir/ddp" --max-steps 6 \
      --batch-size 2 --eval-steps 3 --logging-steps 3 --lr 3e-3 --warmup-steps 1 >"$dir/ddp.log" 2>&1 ||
      { tail -n 30 "$dir/ddp.log"; die "$template: train.py under torchrun failed"; }
    grep -E '^(batch|validation at)' "$dir/ddp.log"
    "$PY" -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]; sys.exit(0 if (s["effective_batch"], s["steps"]) == (4, 6) else f"expected 2 processes x 2 = 4 per step and 6 steps, got {s}")' \
      "$dir/ddp/vulnreview-train.json" || status=1
  fi

  step "$template: evaluation server"
  VULNREVIEW_EVAL_API_KEY="$KEY" "$PY" runner-setup/serve/eval_server.py --model "$dir/merged" \
    --served-model-name vulnreview --port 0 --port-file "$dir/port" >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    [[ -s "$dir/port" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/server.log"; die "$template: the evaluation server exited"; }
    sleep 0.5
  done
  [[ -s "$dir/port" ]] || die "$template: the evaluation server did not start within 120 s"
  URL="http://127.0.0.1:$(cat "$dir/port")/v1"
  grep '^evaluation server' "$dir/server.log"
  VULNREVIEW_API_KEY="$KEY" "$PY" runner-setup/e2e/check_server.py --endpoint "$URL" --model vulnreview ||
    status=1
  if command -v curl >/dev/null; then
    ENV_FILE="$WORK/no-env-file" ENDPOINT="$URL" MODEL=vulnreview VULNREVIEW_API_KEY="$KEY" \
      runner-setup/serve/healthcheck.sh || status=1
  fi

  step "$template: vulnreview eval and vulnreview scan through the endpoint client"
  VULNREVIEW_API_KEY="$KEY" node dist/cli.js eval --dataset runner-setup/e2e/test.jsonl --endpoint "$URL" \
    --model vulnreview --prompt pd-1 --no-cache --out "$dir/eval" >"$dir/eval.txt" 2>"$dir/eval.err" ||
    { cat "$dir/eval.err"; die "$template: vulnreview eval failed"; }
  repo="$dir/repo"
  mkdir -p "$repo/src"
  cp runner-setup/e2e/scan/base.c "$repo/src/session.c"
  git -c init.defaultBranch=main init -q "$repo"
  git -C "$repo" add -A
  git -C "$repo" -c user.name=e2e -c user.email=e2e@localhost commit -qm base
  cp runner-setup/e2e/scan/head.c "$repo/src/session.c"
  VULNREVIEW_API_KEY="$KEY" node dist/cli.js scan --repo "$repo" --endpoint "$URL" --model vulnreview \
    --prompt pd-1 --no-cache --format json --sarif "$dir/scan.sarif" >"$dir/scan.json" 2>"$dir/scan.err" ||
    { cat "$dir/scan.err"; die "$template: vulnreview scan failed"; }

  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""

  # Both templates must give graded confidences from logprobs: Llama-3's answer starts with the word,
  # DeepSeek's with a newline, and the client reads P(yes) at the first word position (docs/model.md).
  require=(--require-logprobs)
  "$PY" runner-setup/e2e/check_results.py --label "$template" --train-summary "$dir/adapter/vulnreview-train.json" \
    --eval "$dir/eval/eval.json" --scan "$dir/scan.json" --vulnerable store_cookie --safe load_cookie \
    "${require[@]}" || status=1
done

[[ "$status" -eq 0 ]] || die "see the FAIL lines above"
echo
echo "e2e-cpu: OK in $((SECONDS - started)) s (templates: $TEMPLATES)"
