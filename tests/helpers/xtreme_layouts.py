"""XTREME-layout folders for the layout tests, built in a temporary folder (never in the data folder).

:func:`xtremer_layout_from_mock` turns XTREME's own mock files (``xtreme_format/``, XTREME v1
languages) into an XTREME-R folder: a language the mock lacks gets a copy of the mock's
German file, XCOPA gets the small files of :data:`XCOPA`. The expected values in
``tests/test_layout_eval.py`` come from running google-research/xtreme's ``evaluate.py
--xtreme_version xtreme-r`` on exactly this construction.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from xtremer_robust.metrics.xtreme import benchmark_tasks
from xtremer_robust.report.xtreme_layout import xtreme_ext

#: A stand-in language of the mock folder for XTREME-R languages it lacks.
STAND_IN = "de"

#: XCOPA files: gold labels, and per language the predicted ``label`` values as written
#: (``"0"`` strings on purpose: evaluate.py compares raw JSON values, so they are wrong).
XCOPA_GOLD = [0, 1, 1, 0, 1]
XCOPA = {
    "et": [0, 1, 1, 0, 1], "ht": [1, 1, 1, 0, 1], "id": [0, 0, 1, 0, 1], "it": [0, 1, 0, 0, 1],
    "qu": ["0", 1, 1, "0", 1], "sw": [1, 0, 0, 1, 0], "ta": [0, 1, 1, 1, 1], "th": [0, 1, 1, 0, 0],
    "tr": [1, 1, 0, 0, 1], "vi": [0, 1, 1, 0, 1], "zh": [0.0, 1, 1, 0, 1],
}


def _jsonl(path: Path, values: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"label": v}) + "\n" for v in values), encoding="utf-8")


def xtremer_layout_from_mock(mock: Path, out: Path) -> tuple[Path, Path]:
    """``(predictions, labels)`` folders of every XTREME-R task but LAReQA, under ``out``."""
    for side in ("predictions", "labels"):
        for task, facts in benchmark_tasks("xtreme-r", scored_by_evaluate_py=True).items():
            if task == "xcopa":
                continue
            ext = xtreme_ext(task)
            for lang in facts.languages:
                source = mock / side / task / f"test-{lang}.{ext}"
                if not source.is_file():
                    source = mock / side / task / f"test-{STAND_IN}.{ext}"
                target = out / side / task / f"test-{lang}.{ext}"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    for lang, predicted in XCOPA.items():
        _jsonl(out / "predictions" / "xcopa" / f"test-{lang}.jsonl", predicted)
        _jsonl(out / "labels" / "xcopa" / f"test-{lang}.jsonl", XCOPA_GOLD)
    return out / "predictions", out / "labels"


def add_lareqa(predictions: Path, labels: Path, *, hit_rank: int = 1) -> None:
    """LAReQA files for its 11 languages: 2 questions with 11 relevant ids each.

    Question q1 has all its relevant ids at ranks 1-11; q2 has one relevant id at rank
    ``hit_rank`` (AP@20 = 1/(11 * hit_rank) for rank <= 20) and the rest unranked.
    """
    langs = benchmark_tasks("xtreme-r")["lareqa"].languages
    for lang in langs:
        relevant = {q: [f"{code}-{q}" for code in langs] for q in ("q1", "q2")}
        fillers = [f"x{i}" for i in range(30)]
        q2 = fillers[: hit_rank - 1] + [relevant["q2"][0]] + fillers[hit_rank - 1 : 19]
        for root, payload in ((labels, relevant), (predictions, {"q1": relevant["q1"], "q2": q2})):
            path = root / "lareqa" / f"test-{lang}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(payload), encoding="utf-8")
