"""Training speed of ``train`` against a plain ``Trainer`` with XTREME's ``run_classify.py`` settings.

Same model (the built-in multilingual-e5-small with a new 3-way head, same seed), same
English XNLI dev examples, same number of examples seen, same thread count, one process,
run one after the other:

(a) baseline: ``transformers.Trainer`` as XTREME's ``third_party/run_classify.py`` sets it
    up: every input padded to 128, batch 8, gradient accumulation 4 (32 per step), file
    order shuffled by the default sampler, every parameter trained, fp32;
(b) ours, the same parameters trained: ``xtremer-robust train`` with dynamic padding,
    length-grouped batches of 32 (no accumulation needed);
(c) ours with the embedding matrix frozen (``--freeze-embeddings``);
(d) ours with the embeddings and the lowest 10 layers frozen through frozen-prefix caching
    (``--freeze-layers 10``), the setting of the committed study.

Each row reports examples/s (examples seen / wall time of training, the prefix
computation of (d) included), the peak resident memory of its own subprocess, and the
accuracy of its model on ``--eval`` English XNLI test items with a 95% Wilson interval, so
that faster rows can be checked for equal quality. Accuracies of short runs are close to
chance for every row: raise ``--examples`` for a quality comparison.

    python benchmarks/bench_train.py --data-dir ../shared/xtremer-data --examples 512 --eval 300
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROWS = ("baseline", "ours", "ours_frozen_embeddings", "ours_frozen_prefix")


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("XTREMER_ROBUST_DATA", "../shared/xtremer-data")))
    p.add_argument("--examples", type=int, default=512, help="training examples seen by every row (multiple of 32)")
    p.add_argument("--eval", type=int, default=300, help="English XNLI test items each model is scored on")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rows", default=",".join(ROWS))
    p.add_argument("--row", help=argparse.SUPPRESS)  # internal: run one row in this process
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args()


def _wilson(k: int, n: int) -> tuple[float, float]:
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return 100 * ci.low, 100 * ci.high


def _run_row(args: argparse.Namespace) -> dict:
    import resource
    import time

    import torch

    torch.set_num_threads(args.threads)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    from xtremer_robust.data.loader import load_task_data
    from xtremer_robust.models.resolve import resolve_model

    info = resolve_model("builtin:me5-small")
    steps = args.examples // 32
    folder = args.out / "model"
    started = time.perf_counter()
    if args.row == "baseline":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments, set_seed

        set_seed(1)
        tok = AutoTokenizer.from_pretrained(info.path)
        data = load_task_data("xnli", "en", "dev", data_dir=args.data_dir)
        labels = sorted({i.label for i in data.items})
        enc = tok([i.text_a for i in data.items], [i.text_b for i in data.items], padding="max_length", truncation=True, max_length=128)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        rows = [{**{k: enc[k][n] for k in keys}, "labels": labels.index(item.label)} for n, item in enumerate(data.items)]
        model = AutoModelForSequenceClassification.from_pretrained(info.path, num_labels=3, id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
        targs = TrainingArguments(output_dir=str(args.out / "work"), max_steps=steps, per_device_train_batch_size=8, gradient_accumulation_steps=4,
                                  learning_rate=2e-5, report_to=[], save_strategy="no", use_cpu=True, seed=1, disable_tqdm=True)
        Trainer(model=model, args=targs, train_dataset=rows).train()
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
    else:
        from xtremer_robust.training import Hyperparameters, TrainConfig, train

        extra = {"ours": {}, "ours_frozen_embeddings": {"freeze_embeddings": True},
                 "ours_frozen_prefix": {"freeze_embeddings": True, "freeze_layers": 10, "target_lr": 2e-4}}[args.row]
        hyper = Hyperparameters(**{"target_steps": steps, "batch_size": 32, "target_lr": 2e-5, "max_length": 128, "save_every": 10_000, **extra})
        rows = train(TrainConfig(base="builtin:me5-small", target="xnli", seeds=(1,), hyper=hyper), out=args.out / "train", data_dir=args.data_dir, log=lambda *a: None)
        folder = Path(rows[0].folder)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from xtremer_robust.runner import ScoreOptions, plan_cells, score_cells
    from xtremer_robust.tasks import get_task

    result = score_cells(plan_cells([get_task("xnli")], langs=["en"], data_dir=args.data_dir),
                         ScoreOptions(model_id=str(folder), out=args.out / "score", limit=args.eval, cache_path=args.out / "cache.sqlite"))
    cell = result.cells[0]
    correct = round(cell["score"] * cell["n"])
    return {"row": args.row, "examples_per_s": args.examples / seconds, "seconds": seconds, "peak_mb": peak,
            "accuracy": 100 * cell["score"], "accuracy_ci": _wilson(correct, cell["n"]), "n_eval": cell["n"]}


def main() -> None:
    args = _parse()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.row:
        print(json.dumps(_run_row(args)))
        return
    results = []
    for row in args.rows.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, __file__, "--row", row, "--out", tmp, "--data-dir", str(args.data_dir), "--examples", str(args.examples),
                   "--eval", str(args.eval), "--threads", str(args.threads)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"row {row} failed:\n{done.stderr[-3000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = results[0]["examples_per_s"] if results and results[0]["row"] == "baseline" else None
    print(f"{'row':<24} {'examples/s':>10} {'ratio':>7} {'peak MB':>8} {'accuracy (95% CI)':>24}")
    for r in results:
        ratio = f"{r['examples_per_s'] / base:.2f}x" if base else "-"
        lo, hi = r["accuracy_ci"]
        print(f"{r['row']:<24} {r['examples_per_s']:>10.2f} {ratio:>7} {r['peak_mb']:>8.0f} {r['accuracy']:>8.1f} [{lo:.1f}, {hi:.1f}] n={r['n_eval']}")


if __name__ == "__main__":
    main()
