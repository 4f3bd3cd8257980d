#!/usr/bin/env bash
# The service's ExecStart, and the container's entrypoint (compose.yml): turns the settings of
# /etc/vulnreview/vllm.env into one `vllm serve` command, and refuses settings that vLLM would accept but
# serve wrongly. The API key reaches vLLM through the VLLM_API_KEY environment variable, never the command
# line, so it does not show in `ps`.
#
# Adapters: the main one (SERVED_NAME=ADAPTER_PATH) and any in EXTRA_LORA_MODULES go into ONE
# --lora-modules list: vLLM keeps only the last --lora-modules flag it is given
# (vllm/entrypoints/openai/cli_args.py, LoRAParserAction), so a second flag in EXTRA_ARGS would silently
# drop the main adapter and requests for it would fail. --max-lora-rank must be one of vLLM's values
# (1 8 16 32 64 128 256 320 512 in vllm/config/lora.py, MaxLoRARanks) and at least every adapter's rank;
# it is derived from the adapters' adapter_config.json unless MAX_LORA_RANK says otherwise.
set -euo pipefail

die() {
  echo "start.sh: $*" >&2
  exit 1
}

: "${VLLM_API_KEY:?VLLM_API_KEY is not set in /etc/vulnreview/vllm.env}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
SERVED_NAME="${SERVED_NAME:-vulnreview}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-8192}"
GPU_MEMORY_UTILIZATION="${GPU_MEMORY_UTILIZATION:-0.90}"
# vulnreview asks for 5 alternatives; 20 is vLLM's own default and leaves room for other clients.
MAX_LOGPROBS="${MAX_LOGPROBS:-20}"
DATA_PARALLEL_SIZE="${DATA_PARALLEL_SIZE:-1}"
TENSOR_PARALLEL_SIZE="${TENSOR_PARALLEL_SIZE:-1}"
VLLM="${VLLM:-$(dirname "$0")/venv/bin/vllm}"
PYTHON="${PYTHON:-python3}"
ALLOWED_RANKS=(1 8 16 32 64 128 256 320 512)

whole_number() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a whole number of at least 1, got '$2'"; }
whole_number DATA_PARALLEL_SIZE "$DATA_PARALLEL_SIZE"
whole_number TENSOR_PARALLEL_SIZE "$TENSOR_PARALLEL_SIZE"
whole_number MAX_LOGPROBS "$MAX_LOGPROBS"

# EXTRA_ARGS: further vllm flags, split on spaces (e.g. "--enable-prefix-caching"). The flags this script
# owns have their own settings, so that no second copy can override them.
read -r -a extra <<<"${EXTRA_ARGS:-}"
for arg in "${extra[@]}"; do
  case "$arg" in
  --lora-modules* | --enable-lora | --max-loras* | --max-lora-rank*)
    die "EXTRA_ARGS has $arg: use EXTRA_LORA_MODULES, MAX_LORAS and MAX_LORA_RANK (a second --lora-modules flag replaces the first, dropping the main adapter)" ;;
  --api-key*) die "EXTRA_ARGS has $arg: the key goes in VLLM_API_KEY, never on the command line" ;;
  --data-parallel-size* | --tensor-parallel-size* | --max-logprobs* | --tokenizer | --tokenizer=*)
    die "EXTRA_ARGS has $arg: set DATA_PARALLEL_SIZE, TENSOR_PARALLEL_SIZE, MAX_LOGPROBS or TOKENIZER instead" ;;
  esac
done

common=(--host "$HOST" --port "$PORT" --max-model-len "$MAX_MODEL_LEN"
  --gpu-memory-utilization "$GPU_MEMORY_UTILIZATION" --max-logprobs "$MAX_LOGPROBS"
  --data-parallel-size "$DATA_PARALLEL_SIZE" --tensor-parallel-size "$TENSOR_PARALLEL_SIZE")
# TOKENIZER: a tokenizer directory other than the model's, e.g. train.py's --out for DeepSeek-Coder
# under transformers 5 (see finetune/tokenizer_check.py).
if [[ -n "${TOKENIZER:-}" ]]; then common+=(--tokenizer "$TOKENIZER"); fi

run() {
  # The command without the key (it is in the environment only), for journalctl.
  echo "start.sh: $*" >&2
  exec "$@"
}

if [[ -n "${MERGED_MODEL:-}" ]]; then
  [[ -z "${EXTRA_LORA_MODULES:-}" ]] || die "EXTRA_LORA_MODULES needs BASE_MODEL and ADAPTER_PATH (adapters go on a base model, not on MERGED_MODEL)"
  run "$VLLM" serve "$MERGED_MODEL" --served-model-name "$SERVED_NAME" "${common[@]}" "${extra[@]}"
fi

: "${BASE_MODEL:?set BASE_MODEL (and ADAPTER_PATH), or MERGED_MODEL, in /etc/vulnreview/vllm.env}"
: "${ADAPTER_PATH:?set ADAPTER_PATH to the LoRA adapter directory (train.py --out), or use MERGED_MODEL}"

# EXTRA_LORA_MODULES: more adapters as NAME=DIR, separated by spaces, served beside the main one.
modules=("$SERVED_NAME=$ADAPTER_PATH")
read -r -a extra_modules <<<"${EXTRA_LORA_MODULES:-}"
declare -A names=(["$SERVED_NAME"]=1)
for module in "${extra_modules[@]}"; do
  [[ "$module" == *=* && -n "${module%%=*}" && -n "${module#*=}" ]] ||
    die "EXTRA_LORA_MODULES: expected NAME=DIR, got '$module'"
  name="${module%%=*}"
  [[ -z "${names[$name]:-}" ]] || die "EXTRA_LORA_MODULES: the name '$name' is used twice (or is SERVED_NAME)"
  names[$name]=1
  modules+=("$module")
done

ranks=()
for module in "${modules[@]}"; do
  dir="${module#*=}"
  [[ -f "$dir/adapter_config.json" ]] ||
    die "$dir has no adapter_config.json; point ADAPTER_PATH / EXTRA_LORA_MODULES at train.py's --out directories"
  rank="$("$PYTHON" -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["r"]))' "$dir/adapter_config.json")" ||
    die "$dir/adapter_config.json: no LoRA rank \"r\" in it"
  ranks+=("$rank")
done
largest="$(printf '%s\n' "${ranks[@]}" | sort -n | tail -n 1)"

if [[ -n "${MAX_LORA_RANK:-}" ]]; then
  [[ " ${ALLOWED_RANKS[*]} " == *" $MAX_LORA_RANK "* ]] ||
    die "MAX_LORA_RANK=$MAX_LORA_RANK is not one vLLM accepts (${ALLOWED_RANKS[*]})"
  ((MAX_LORA_RANK >= largest)) || die "MAX_LORA_RANK=$MAX_LORA_RANK is below the rank of an adapter ($largest)"
  max_rank="$MAX_LORA_RANK"
else
  max_rank=""
  for allowed in "${ALLOWED_RANKS[@]}"; do
    if ((allowed >= largest)); then
      max_rank="$allowed"
      break
    fi
  done
  [[ -n "$max_rank" ]] || die "an adapter has rank $largest, above vLLM's largest (${ALLOWED_RANKS[-1]})"
fi

# MAX_LORAS: adapters on the GPU at once; by default all of them, so no request waits for a swap.
MAX_LORAS="${MAX_LORAS:-${#modules[@]}}"
whole_number MAX_LORAS "$MAX_LORAS"
if ((MAX_LORAS < ${#modules[@]})); then
  echo "start.sh: MAX_LORAS=$MAX_LORAS is below the ${#modules[@]} adapters: requests for different adapters take turns" >&2
fi

run "$VLLM" serve "$BASE_MODEL" --enable-lora --lora-modules "${modules[@]}" \
  --max-loras "$MAX_LORAS" --max-lora-rank "$max_rank" "${common[@]}" "${extra[@]}"
