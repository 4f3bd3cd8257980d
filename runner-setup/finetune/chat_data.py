"""Training examples as the server will see them: the base model's own chat template, the prompt tokenised
alone (as vLLM and the evaluation server tokenise a request), and as target exactly the tokens the model must
generate after the generation prompt, up to and including the first stop token.

For Llama-3 that target is `Yes <|eot_id|>`; for DeepSeek-Coder, whose generation prompt ends in
"### Response:", it is `\\n Yes \\n <|EOT|>`: vulnreview reads P(yes) at the first generated position whose
chosen token is a word, so the decision position is where "Yes" and "No" first differ (AnswerLayout).
"""

import json
import sys

IGNORE_INDEX = -100  # label value the loss ignores: every prompt token


def read_jsonl(path):
    """The conversations of one file; a bad line stops with its file:line."""
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


def stop_token_ids(tokenizer, generation_config=None):
    """What ends generation at serving time: the tokenizer's EOS and the generation config's eos_token_id
    (vLLM stops on both; Llama-3-Instruct lists <|eot_id|> only in generation_config.json)."""
    ids = set()
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    configured = getattr(generation_config, "eos_token_id", None) if generation_config is not None else None
    if isinstance(configured, int):
        ids.add(configured)
    elif isinstance(configured, (list, tuple)):
        ids.update(int(i) for i in configured)
    return ids


def split_conversation(tokenizer, messages, stops):
    """(prompt_ids, answer_ids): the prompt with the template's generation prompt, and the answer's tokens up
    to and including the first stop token (what follows it, like DeepSeek's trailing newline, is never
    generated)."""
    prompt_text = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full_text.startswith(prompt_text):
        raise ValueError(
            "the chat template does not render the conversation as prompt + answer; "
            "this script needs a template whose generation prompt is a prefix of the full conversation"
        )
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    end = next((i for i, token in enumerate(answer_ids) if token in stops), None)
    if end is None:
        names = [tokenizer.convert_ids_to_tokens(i) for i in sorted(stops)]
        raise ValueError(
            f"the template's assistant turn has none of the stop tokens {names}: a model trained on it would not "
            "stop after its answer (check generation_config.json's eos_token_id)"
        )
    return prompt_ids, answer_ids[: end + 1]


def answer_word(text):
    """A token's text reduced to its word: leading spaces and trailing punctuation off, lower case."""
    return text.lstrip(" \t\r\n\u0120\u2581").rstrip(" \t\r\n.,:!").lower()


class AnswerLayout:
    """Where Yes and No are decided: the first answer position whose token differs between a "Yes" and a
    "No" answer, and those two token ids. Everything before that position (DeepSeek's newline) is shared."""

    def __init__(self, tokenizer, stops, system=None):
        base = [{"role": "system", "content": system}] if system else []
        question = {"role": "user", "content": "Is this code vulnerable? Answer in only Yes or No.\n\n```c\nint f(void);\n```"}
        _, yes = split_conversation(tokenizer, [*base, question, {"role": "assistant", "content": "Yes"}], stops)
        _, no = split_conversation(tokenizer, [*base, question, {"role": "assistant", "content": "No"}], stops)
        offset = next((i for i, (a, b) in enumerate(zip(yes, no)) if a != b), None)
        if offset is None:
            raise ValueError("'Yes' and 'No' answers render to the same tokens")
        self.offset = offset
        self.yes_id = yes[offset]
        self.no_id = no[offset]
        self.yes_tokens = yes
        self.no_tokens = no
        # Every token that reads as yes or no (" Yes", "YES", "Yes:" …), as vulnreview's client counts them
        # among the top logprobs (src/model/classify.ts, tokenWord).
        words = [answer_word(text) for text in tokenizer.batch_decode([[i] for i in range(len(tokenizer))])]
        self.yes_ids = [i for i, word in enumerate(words) if word == "yes"]
        self.no_ids = [i for i, word in enumerate(words) if word == "no"]
        if self.yes_id not in self.yes_ids or self.no_id not in self.no_ids:
            raise ValueError(
                f"the answers differ at {tokenizer.decode([self.yes_id])!r} / {tokenizer.decode([self.no_id])!r}, "
                "which do not read as Yes / No"
            )

    def describe(self, tokenizer):
        shown = [tokenizer.decode([t]) for t in self.yes_tokens]
        return f"answer tokens {shown}; Yes/No decided at answer position {self.offset}"


def encode(tokenizer, messages, stops, max_length):
    """input_ids and labels (IGNORE_INDEX over the prompt) for one conversation; None when too long
    (cutting it would cut the answer off)."""
    prompt_ids, answer_ids = split_conversation(tokenizer, messages, stops)
    input_ids = prompt_ids + answer_ids
    if len(input_ids) > max_length:
        return None
    return {
        "input_ids": input_ids,
        "attention_mask": [1] * len(input_ids),
        "labels": [IGNORE_INDEX] * len(prompt_ids) + answer_ids,
    }


def encode_all(tokenizer, conversations, stops, max_length, name, log=print):
    encoded = [encode(tokenizer, messages, stops, max_length) for messages in conversations]
    kept = [e for e in encoded if e is not None]
    skipped = len(encoded) - len(kept)
    answers = sum(sum(1 for t in e["labels"] if t != IGNORE_INDEX) for e in kept)
    log(
        f"{name}: {len(kept)} examples ({skipped} longer than {max_length} tokens skipped), "
        f"{sum(len(e['input_ids']) for e in kept)} tokens, {answers} of them trained on (the answers)"
    )
    if not kept:
        sys.exit(f"{name}: every example is longer than --max-length {max_length}")
    return kept


class LeftPadCollator:
    """Pads on the left, so every answer ends at the last position and the loss needs the logits of the
    last few positions only (the model's logits_to_keep). position_ids count real tokens only, so a padded
    prompt sees the positions it sees at serving time."""

    def __init__(self, pad_token_id):
        self.pad_token_id = pad_token_id

    def __call__(self, features):
        import torch

        width = max(len(f["input_ids"]) for f in features)

        def pad(key, value):
            return torch.tensor([[value] * (width - len(f[key])) + list(f[key]) for f in features])

        attention_mask = pad("attention_mask", 0)
        position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        return {
            "input_ids": pad("input_ids", self.pad_token_id),
            "attention_mask": attention_mask,
            "position_ids": position_ids,
            "labels": pad("labels", IGNORE_INDEX),
        }
