#!/usr/bin/env python3
"""Reads what one template's chain produced (train.py's summary, `vulnreview eval`'s eval.json, `vulnreview
scan`'s JSON) and asserts the pipeline learnt: precision and recall on the held-out test set far above
chance, every test function analysed, the changed vulnerable function flagged and the changed safe one not.
Prints one line of figures either way; exit 1 on a failed assertion.

    python check_results.py --label llama3 --train-summary adapter/vulnreview-train.json \\
        --eval eval/eval.json --scan scan.json --vulnerable store_cookie --safe load_cookie
"""

import argparse
import json
import sys

# Chance on the 25%-vulnerable test set: precision 0.25 (flag at random), recall 0.5 (flag half).
MIN_PRECISION = 0.75
MIN_RECALL = 0.75


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--label", required=True)
    p.add_argument("--train-summary", required=True)
    p.add_argument("--eval", required=True)
    p.add_argument("--scan", required=True)
    p.add_argument("--vulnerable", required=True, help="changed function the scan must flag")
    p.add_argument("--safe", required=True, help="changed function the scan must not flag")
    p.add_argument("--require-logprobs", action="store_true",
                   help="fail when the verdicts' confidences are the text fallback's fixed values")
    args = p.parse_args()

    with open(args.train_summary, encoding="utf-8") as handle:
        summary = json.load(handle)["summary"]
    with open(args.eval, encoding="utf-8") as handle:
        report = json.load(handle)
    with open(args.scan, encoding="utf-8") as handle:
        scan = json.load(handle)

    detection = report["metrics"]["detection"]
    curve = report["metrics"].get("prCurve") or {}
    flagged = {f["name"] for f in scan["findings"]}
    distinct_confidences = len(curve.get("points", []))
    failures = []
    precision, recall = detection["precision"] or 0.0, detection["recall"] or 0.0
    if precision < MIN_PRECISION:
        failures.append(f"precision {precision:.3f} < {MIN_PRECISION}")
    if recall < MIN_RECALL:
        failures.append(f"recall {recall:.3f} < {MIN_RECALL}")
    if detection["notAnalysed"]:
        failures.append(f"{detection['notAnalysed']} test functions not analysed")
    if args.vulnerable not in flagged:
        failures.append(f"scan did not flag {args.vulnerable} (flagged: {sorted(flagged) or 'nothing'})")
    if args.safe in flagged:
        failures.append(f"scan flagged the safe {args.safe}")
    if args.require_logprobs and distinct_confidences < 3:
        failures.append(f"only {distinct_confidences} distinct confidences: the verdicts did not come from logprobs")

    first, last = summary.get("first_logged_loss"), summary.get("last_logged_loss")
    validation = summary.get("validation") or {}
    print(
        f"{args.label}: training loss {first:.3f} -> {last:.4f} in {summary['steps']} steps "
        f"({summary['seconds']:.0f} s); validation F1 {validation.get('f1', float('nan')):.3f}; "
        f"test set: precision {precision:.3f}, recall {recall:.3f}, F1 {detection['f1'] or 0:.3f} "
        f"on {detection['analysed']} functions, {distinct_confidences} distinct confidences "
        f"(average precision {curve.get('averagePrecision', float('nan')):.3f}); "
        f"scan flagged {sorted(flagged)}"
    )
    for failure in failures:
        print(f"  FAIL {args.label}: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
