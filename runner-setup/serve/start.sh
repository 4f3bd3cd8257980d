#!/usr/bin/env bash
# The service's ExecStart: turns /etc/vulnreview/vllm.env (loaded by systemd) into a `vllm serve` command.
# The API key reaches vLLM through the VLLM_API_KEY environment variable, never the command line, so it
# does not show in `ps`.
set -euo pipefail

: "${VLLM_API_KEY:?VLLM_API_KEY is not set in /etc/vulnreview/vllm.env}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
SERVED_NAME="${SERVED_NAME:-vulnreview}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-8192}"
GPU_MEMORY_UTILIZATION="${GPU_MEMORY_UTILIZATION:-0.90}"
VLLM="${VLLM:-$(dirname "$0")/venv/bin/vllm}"

common=(--host "$HOST" --port "$PORT" --max-model-len "$MAX_MODEL_LEN"
  --gpu-memory-utilization "$GPU_MEMORY_UTILIZATION" --max-logprobs 20)
# EXTRA_ARGS: further vllm flags, split on spaces (e.g. "--tensor-parallel-size 2").
read -r -a extra <<<"${EXTRA_ARGS:-}"

if [[ -n "${MERGED_MODEL:-}" ]]; then
  exec "$VLLM" serve "$MERGED_MODEL" --served-model-name "$SERVED_NAME" "${common[@]}" "${extra[@]}"
fi
: "${BASE_MODEL:?set BASE_MODEL (and ADAPTER_PATH), or MERGED_MODEL, in /etc/vulnreview/vllm.env}"
: "${ADAPTER_PATH:?set ADAPTER_PATH to the LoRA adapter directory (train.py --out), or use MERGED_MODEL}"
[[ -f "$ADAPTER_PATH/adapter_config.json" ]] || {
  echo "start.sh: $ADAPTER_PATH has no adapter_config.json; point ADAPTER_PATH at train.py's --out directory" >&2
  exit 1
}
exec "$VLLM" serve "$BASE_MODEL" --enable-lora --lora-modules "$SERVED_NAME=$ADAPTER_PATH" \
  --max-lora-rank "${MAX_LORA_RANK:-16}" "${common[@]}" "${extra[@]}"
