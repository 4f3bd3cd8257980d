#!/usr/bin/env python3
"""A tiny chat model built on this machine, shaped like the real ones, for the dry run and the CPU
end-to-end check. Nothing is downloaded.

- Tokenizer: byte-level BPE trained with the `tokenizers` library on the given texts (as Llama-3's and
  DeepSeek-Coder's are byte-level BPE), with that family's special tokens and a chat template of the
  same shape: `llama3` (header tokens, the answer right after "assistant<|end_header_id|>\\n\\n", ended by
  <|eot_id|>) or `deepseek` ("### Instruction:" / "### Response:", the generation prompt ending in
  "### Response:" so the answer starts with a newline, ended by <|EOT|>). The deepseek folder says
  "tokenizer_class": "LlamaTokenizerFast" like the real one, so it trips the same transformers 5 bug
  that tokenizer_check.py guards against.
- Model: a LlamaForCausalLM from a LlamaConfig with random weights, saved with config.json and
  generation_config.json (eos = the end-of-turn token, as the real instruct models ship it).

    python tiny_model.py --out base-llama3 --template llama3 --corpus train.jsonl
"""

import argparse
import json
import os

TEMPLATES = {
    # Llama-3-Instruct's shape: bos, then per message a role header, the trimmed content and <|eot_id|>.
    "llama3": (
        "{% for message in messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
        " + message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
        "{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
    ),
    # DeepSeek-Coder-Instruct's shape: a default system line, "### Instruction:\n" user turns and
    # "### Response:\n" + answer + "\n<|EOT|>\n" assistant turns; the generation prompt is "### Response:".
    "deepseek": (
        "{{ bos_token }}{% if messages[0]['role'] != 'system' %}"
        "{{ 'You are an AI programming assistant.\\n' }}{% endif %}"
        "{% for message in messages %}"
        "{% if message['role'] == 'system' %}{{ message['content'] }}"
        "{% elif message['role'] == 'user' %}{{ '### Instruction:\\n' + message['content'] + '\\n' }}"
        "{% else %}{{ '### Response:\\n' + message['content'] + '\\n<|EOT|>\\n' }}{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}{{ '### Response:' }}{% endif %}"
    ),
}

SPECIALS = {
    "llama3": {
        "bos": "<|begin_of_text|>",
        "eos": "<|eot_id|>",
        "pad": "<|end_of_text|>",
        "other": ["<|start_header_id|>", "<|end_header_id|>"],
        # Llama-3-Instruct's generation_config stops on <|end_of_text|> and <|eot_id|>.
        "stop": ["<|end_of_text|>", "<|eot_id|>"],
        "tokenizer_class": "PreTrainedTokenizerFast",
        "template_words": ["user", "assistant", "system"],
    },
    "deepseek": {
        "bos": "<\uff5cbegin\u2581of\u2581sentence\uff5c>",
        "eos": "<|EOT|>",
        "pad": "<\uff5cend\u2581of\u2581sentence\uff5c>",
        "other": [],
        "stop": ["<|EOT|>"],
        "tokenizer_class": "LlamaTokenizerFast",
        "template_words": ["### Instruction:\n", "### Response:\n", "### Response:", "You are an AI programming assistant.\n"],
    },
}


def corpus_texts(path):
    """Message contents of a `vulnreview dataset` JSONL file."""
    texts = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                texts.extend(m["content"] for m in json.loads(line)["messages"])
    return texts


def build_tokenizer(texts, template, vocab_size=800):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    spec = SPECIALS[template]
    specials = [spec["bos"], spec["eos"], spec["pad"], *spec["other"]]
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator([*texts, *spec["template_words"], "Yes", "No"], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=spec["bos"], eos_token=spec["eos"], pad_token=spec["pad"]
    )
    tokenizer.chat_template = TEMPLATES[template]
    return tokenizer


def build_model(tokenizer, template, seed=1):
    """A randomly initialised Llama, large enough in its initialisation to learn through LoRA alone.

    The default initializer_range (0.02) suits a 4,096-wide model; at width 64 it leaves every layer close
    to the identity and the LoRA updates with almost nothing to steer, so it is raised here. The output
    layer, which LoRA does not train, gets larger weights still: after the final RMSNorm the hidden state
    has norm sqrt(64) = 8, and with rows of norm 0.8 no direction could give one token of an 800-token
    vocabulary more than about a third of the probability, so the loss could never fall below ~1.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    stop_ids = [tokenizer.convert_tokens_to_ids(t) for t in SPECIALS[template]["stop"]]
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=192,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        initializer_range=0.1,
        tie_word_embeddings=False,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=stop_ids if len(stop_ids) > 1 else stop_ids[0],
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight.normal_(0.0, 0.5)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=config.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return model


def save_base(out, texts, template, seed=1):
    """Writes a model folder like a downloaded one: weights, config, generation config, tokenizer files."""
    os.makedirs(out, exist_ok=True)
    tokenizer = build_tokenizer(texts, template)
    model = build_model(tokenizer, template, seed)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    config_path = os.path.join(out, "tokenizer_config.json")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["tokenizer_class"] = SPECIALS[template]["tokenizer_class"]
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory for the model")
    p.add_argument("--template", choices=sorted(TEMPLATES), default="llama3")
    p.add_argument("--corpus", required=True, help="JSONL from `vulnreview dataset` whose text trains the tokenizer")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    save_base(args.out, corpus_texts(args.corpus), args.template, args.seed)
    print(f"tiny {args.template}-style model in {args.out}")


if __name__ == "__main__":
    main()
