#!/usr/bin/env bash
# Checks the model server the way vulnreview uses it: lists the models with the key, then asks one
# question with logprobs and prints the answer and P(yes). Exit 0 when both work.
#
#   sudo ./healthcheck.sh                              # settings from /etc/vulnreview/vllm.env
#   VULNREVIEW_API_KEY=... ENDPOINT=http://127.0.0.1:8000/v1 MODEL=vulnreview ./healthcheck.sh
set -euo pipefail

ENV_FILE="${ENV_FILE:-/etc/vulnreview/vllm.env}"
if [[ -r "$ENV_FILE" ]]; then
  # Only the keys this script needs, without executing the file.
  get() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1; }
  VULNREVIEW_API_KEY="${VULNREVIEW_API_KEY:-$(get VLLM_API_KEY)}"
  PORT="${PORT:-$(get PORT)}"
  MODEL="${MODEL:-$(get SERVED_NAME)}"
fi
ENDPOINT="${ENDPOINT:-http://127.0.0.1:${PORT:-8000}/v1}"
MODEL="${MODEL:-vulnreview}"
: "${VULNREVIEW_API_KEY:?set VULNREVIEW_API_KEY, or run as a user who can read $ENV_FILE}"
command -v curl >/dev/null || { echo "healthcheck.sh: curl is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "healthcheck.sh: python3 is required" >&2; exit 1; }

# The key goes to curl through a header file on stdin, never the command line.
auth() { printf 'Authorization: Bearer %s\n' "$VULNREVIEW_API_KEY"; }

echo "GET $ENDPOINT/models"
models="$(auth | curl --silent --show-error --fail-with-body --max-time 10 -H @- "$ENDPOINT/models")" || {
  echo "healthcheck.sh: the server did not list its models (is the service up? is the key right?)" >&2
  echo "$models" >&2
  exit 1
}
MODELS_JSON="$models" MODEL="$MODEL" python3 - <<'PY'
import json, os, sys
ids = [m["id"] for m in json.loads(os.environ["MODELS_JSON"]).get("data", [])]
print("  models:", ", ".join(ids) or "(none)")
if os.environ["MODEL"] not in ids:
    sys.exit(f"  {os.environ['MODEL']!r} is not served: set MODEL, or check SERVED_NAME / --lora-modules")
PY

# One PD-1 question about a classic overflow; a fine-tuned model should say Yes with high P(yes).
body="$(MODEL="$MODEL" python3 - <<'PY'
import json, os
code = "void copy(char *input)\n{\n    char buffer[16];\n    strcpy(buffer, input);\n}"
print(json.dumps({
    "model": os.environ["MODEL"],
    "messages": [{"role": "user", "content": "Is this code vulnerable? Answer in only Yes or No.\n\n```c\n" + code + "\n```"}],
    "max_tokens": 4, "temperature": 0, "logprobs": True, "top_logprobs": 5,
}))
PY
)"
echo "POST $ENDPOINT/chat/completions (one question, logprobs)"
answer="$(auth | curl --silent --show-error --fail-with-body --max-time 120 -H @- \
  -H 'Content-Type: application/json' --data "$body" "$ENDPOINT/chat/completions")" || {
  echo "healthcheck.sh: the chat completion failed" >&2
  echo "$answer" >&2
  exit 1
}
ANSWER_JSON="$answer" python3 - <<'PY'
import json, math, os, sys
choice = json.loads(os.environ["ANSWER_JSON"])["choices"][0]
print("  answer:", repr(choice["message"]["content"]))
content = (choice.get("logprobs") or {}).get("content") or []
if not content:
    sys.exit("  no logprobs in the answer: vulnreview falls back to fixed confidences (start vLLM with --max-logprobs)")
# As vulnreview reads it: at the first generated position whose chosen token is a word (DeepSeek-Coder's
# answer starts with a newline).
position = next((p for p in content if p["token"].strip()), None)
if position is None:
    sys.exit("  no word among the first 4 generated tokens")
yes = no = 0.0
for top in position.get("top_logprobs", []):
    word = top["token"].strip().lower()
    if word == "yes":
        yes += math.exp(top["logprob"])
    elif word == "no":
        no += math.exp(top["logprob"])
print(f"  P(yes) = {yes:.3f}, P(no) = {no:.3f}, P(yes | yes or no) = {yes / (yes + no) if yes + no else float('nan'):.3f}")
PY
echo "OK"
