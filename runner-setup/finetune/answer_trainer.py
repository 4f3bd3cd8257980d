"""The trainer: loss on the answer tokens only, computed from the logits of the answer positions only, and
classification metrics at the Yes/No position on the validation set while training runs.

Memory: an 8B Llama-3 has a 128,256-token vocabulary; full logits for a batch of 4 × 2,048 tokens are
4 × 2,048 × 128,256 floats, about 4 GB in float32 before the log-softmax doubles it. The answer is a few
tokens at the end of each (left-padded) sequence, so the model is asked for the last few positions' logits
only (`logits_to_keep`), in training and in evaluation.

Validation metrics are read at the decision position (chat_data.AnswerLayout) of each example while
its batch is in hand (decision_rows), so only four numbers per example are kept, on every process.

The same subclass body serves transformers' Trainer and TRL's SFTTrainer (AnswerOnlyLoss is mixed into
either), so the two paths differ only in the class they extend.
"""

import math

from chat_data import IGNORE_INDEX


def answer_width(labels):
    """How many positions at the end of the (left-padded) batch hold answer tokens."""
    answer_columns = (labels != IGNORE_INDEX).any(dim=0).nonzero()
    return labels.shape[1] - int(answer_columns[0]) if len(answer_columns) else 1


class AnswerOnlyLoss:
    """Mixin over Trainer / SFTTrainer. Honours num_items_in_batch (the answer-token count over all
    accumulation steps and devices) so gradient accumulation and several GPUs give the loss of one big batch."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # This compute_loss normalises by num_items_in_batch itself; the Trainer must not divide again.
        self.model_accepts_loss_kwargs = True

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        import torch.nn.functional as F

        labels = inputs["labels"]
        width = answer_width(labels)
        outputs = model(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            position_ids=inputs.get("position_ids"),
            use_cache=False,
            # Position t predicts token t+1: the logits for the last `width` labels sit one position earlier.
            logits_to_keep=width + 1,
        )
        logits = outputs.logits[:, :-1, :].float()
        targets = labels[:, -width:]
        total = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum"
        )
        if num_items_in_batch is not None:
            loss = total / num_items_in_batch
            if self.args.average_tokens_across_devices and self.accelerator.num_processes > 1:
                # num_items_in_batch counts every device's answers, and DDP averages the gradients again.
                loss = loss * self.accelerator.num_processes
        else:
            loss = total / (targets != IGNORE_INDEX).sum().clamp(min=1)
        if return_outputs:
            return loss, {"logits": decision_rows(logits, labels, self.decision_layout)}
        return loss


def decision_rows(logits, labels, layout):
    """Per example: log P(yes) and log P(no) at the decision position (over every token that reads as yes
    or no, as the client counts them), the true answer (1 for yes) and whether a yes or no token was the
    most likely one there. `logits` are the kept positions, where logits[:, i]
    predicts labels[:, -width + i]. Computed per batch inside compute_loss, where logits and labels still
    line up (the Trainer pads both across processes before any metrics hook sees them)."""
    import torch

    width = logits.shape[1]
    start_column = labels.shape[1] - width
    rows = []
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    yes_ids = torch.tensor(layout.yes_ids, device=logits.device)
    no_ids = torch.tensor(layout.no_ids, device=logits.device)
    yes_or_no = set(layout.yes_ids) | set(layout.no_ids)
    for row in range(labels.shape[0]):
        answer = (labels[row] != IGNORE_INDEX).nonzero()
        start = int(answer[0]) if len(answer) else labels.shape[1] - 1
        position = start + layout.offset
        scores = log_probs[row, position - start_column]
        rows.append([
            float(torch.logsumexp(scores[yes_ids], dim=0)),
            float(torch.logsumexp(scores[no_ids], dim=0)),
            float(int(labels[row, position]) in layout.yes_ids),
            float(int(scores.argmax()) in yes_or_no),
        ])
    return torch.tensor(rows, device=logits.device)


class DecisionMetrics:
    """compute_metrics for the Trainer, over decision_rows of the validation set: the share predicted
    positive, precision, recall and F1 — what the seed's "positives collapse" shows in."""

    @staticmethod
    def summarise(rows):
        """rows: [(logp_yes, logp_no, truth, chose_yes_or_no)] → metrics dict."""
        tp = fp = fn = tn = answered = 0
        for logp_yes, logp_no, truth, chose_word in rows:
            predicted = logp_yes >= logp_no
            positive = truth >= 0.5
            tp += predicted and positive
            fp += predicted and not positive
            fn += (not predicted) and positive
            tn += (not predicted) and not positive
            answered += chose_word >= 0.5
        n = max(1, tp + fp + fn + tn)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "predicted_positive_share": (tp + fp) / n,
            "true_positive_share": (tp + fn) / n,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "accuracy": (tp + tn) / n,
            "answered_yes_or_no_share": answered / n,
        }

    @staticmethod
    def compute(eval_prediction):
        predictions = eval_prediction.predictions
        return DecisionMetrics.summarise([tuple(float(v) for v in row) for row in predictions])


def make_callbacks(log):
    from transformers import TrainerCallback

    class CollapseWatch(TrainerCallback):
        """Prints each validation result as one line and says plainly when the positives collapse."""

        def __init__(self):
            self.history = []

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if not metrics or "eval_f1" not in metrics:
                return
            entry = {"step": state.global_step, **{k[5:]: v for k, v in metrics.items() if k.startswith("eval_")}}
            # Every process keeps the history (they all decide alike from it); only the main one prints.
            self.history.append(entry)
            if not state.is_world_process_zero:
                return
            log(
                f"validation at step {state.global_step}: loss {metrics.get('eval_loss', math.nan):.4f}, "
                f"flags {entry['predicted_positive_share']:.1%} as vulnerable (truth {entry['true_positive_share']:.1%}), "
                f"precision {entry['precision']:.3f}, recall {entry['recall']:.3f}, F1 {entry['f1']:.3f}"
            )
            if entry["true_positive_share"] > 0 and entry["predicted_positive_share"] < 0.2 * entry["true_positive_share"]:
                log(
                    f"warning: positives collapse at step {state.global_step}: the model flags "
                    f"{entry['predicted_positive_share']:.1%} where {entry['true_positive_share']:.1%} are vulnerable. "
                    "Early in a run this passes; if it persists, it is what the seed saw with batch sizes above 4 "
                    "on imbalanced data: keep --batch-size 4 --grad-accum 1 or lower --lr, and restart from the "
                    "last checkpoint that flagged positives (--resume DIR)."
                )

    return CollapseWatch()


def make_trainer(kind, model, tokenizer, train, validation, training_args, layout, collator, log=print):
    """kind: 'trl' or 'plain'. Both get pre-tokenised, masked data and the same collator and loss."""
    from transformers import Trainer, TrainingArguments

    watch = make_callbacks(log)
    common = {
        "model": model,
        "data_collator": collator,
        "compute_metrics": DecisionMetrics.compute if validation else None,
        "callbacks": [watch],
    }
    if kind == "trl":
        from datasets import Dataset
        from trl import SFTConfig, SFTTrainer

        class AnswerSFTTrainer(AnswerOnlyLoss, SFTTrainer):
            pass

        config = SFTConfig(**training_args, dataset_kwargs={"skip_prepare_dataset": True})
        trainer = AnswerSFTTrainer(
            args=config,
            processing_class=tokenizer,
            train_dataset=Dataset.from_list(train),
            eval_dataset=Dataset.from_list(validation) if validation else None,
            **common,
        )
        log("trainer: TRL SFTTrainer (pre-tokenised, answer-only loss)")
    else:

        class AnswerTrainer(AnswerOnlyLoss, Trainer):
            pass

        trainer = AnswerTrainer(
            args=TrainingArguments(**training_args),
            train_dataset=ListDataset(train),
            eval_dataset=ListDataset(validation) if validation else None,
            **common,
        )
        log("trainer: transformers Trainer (answer-only loss)")
    trainer.collapse_watch = watch
    trainer.kind = kind
    trainer.decision_layout = layout
    return trainer


class ListDataset:
    """A list as a map-style dataset (Trainer needs __len__ and __getitem__ only)."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]
