"""Parity with XTREME's ``evaluate.py`` on its own mock label and prediction files.

``evaluate.py`` is not installed here, so its results come from two places:

- ``HAND_DERIVED``: values worked out by hand from the mock files (the derivation is in
  each comment), in ``evaluate.py``'s units (percent);
- for the tagging tasks, ``seqeval.metrics.f1_score/precision_score/recall_score``
  called on the sentences exactly as ``evaluate.py`` calls them, and for the label tasks
  ``evaluate.py``'s accuracy (matching lines / number of predictions) in plain Python.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from seqeval.metrics import f1_score, precision_score, recall_score

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.xtreme import XTREME_GROUPS, XTREME_TASK_LANGS, xtreme_aggregate, xtremer_aggregate
from xtremer_robust.report.xtreme_layout import read_xtreme_file, score_xtreme_layout

MOCK = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data" / "xtreme_format"
pytestmark = pytest.mark.skipif(not MOCK.is_dir(), reason="XTREME mock files (shared data folder) absent")

#: (task, lang) -> scores evaluate.py prints for the mock files, derived by hand.
HAND_DERIVED = {
    # 1 of 10 lines agree (line 6: contradiction)
    ("xnli", "zh"): {"accuracy": 10.0},
    # 7 of 10 indices agree (lines 6, 8, 10 differ)
    ("tatoeba", "af"): {"accuracy": 70.0},
    # 5 of the 10 gold pairs are predicted, 10 predicted pairs: P = R = F1 = 50
    ("bucc2018", "de"): {"f1": 50.0, "precision": 50.0, "recall": 50.0},
    # q1 "308" exact; q2 gold "136" vs a 21-token sentence ending in "136": F1 = 2/22
    ("xquad", "es"): {"exact_match": 50.0, "f1": 100 * (1 + 2 / 22) / 2},
    # SQuAD splits on spaces: "308分" vs "308" F1 0; "136 次擒杀" vs "136 次" F1 1/2
    ("xquad", "zh"): {"exact_match": 0.0, "f1": 25.0},
    # MLQA es drops "unas"/"un": gold 13 tokens, prediction 2 of them: F1 = 4/15
    ("mlqa", "es"): {"exact_match": 0.0, "f1": 100 * 4 / 15},
    # "3050 und 3350" vs "3050 und 3350 Meter": P 1, R 3/4: F1 = 6/7
    ("mlqa", "de"): {"exact_match": 0.0, "f1": 100 * 6 / 7},
    # 3 of 7 tokens (comma dropped): F1 = 2 * 3/7 / (10/7) = 0.6
    ("mlqa", "en"): {"exact_match": 0.0, "f1": 60.0},
    # SQuAD drops "-": "orangorang viking dari" vs 5 tokens: F1 = 2 * 3/5 / (8/5) = 0.75
    ("tydiqa", "id"): {"exact_match": 0.0, "f1": 75.0},
    # gold entity at rank 16 of the 20 predicted ids: reciprocal rank 1/16
    ("mewslix", "ar"): {"map@20": 100 / 16},
    # gold entity at rank 19
    ("mewslix", "pl"): {"map@20": 100 / 19},
}


@pytest.fixture(scope="module")
def ours() -> dict:
    return score_xtreme_layout(MOCK / "predictions", MOCK / "labels")


@pytest.mark.parametrize("key", sorted(HAND_DERIVED))
def test_hand_derived_values(ours, key):
    task, lang = key
    assert ours[task][lang] == pytest.approx(HAND_DERIVED[key], abs=1e-9)


def test_every_mock_task_and_language_is_scored(ours):
    for task_dir in (MOCK / "labels").iterdir():
        langs = {p.name.split("-", 1)[1].rsplit(".", 1)[0] for p in task_dir.iterdir()}
        assert set(ours[task_dir.name]) == langs, task_dir.name


@pytest.mark.parametrize("task", ["udpos", "panx"])
def test_tagging_equals_seqeval_as_evaluate_py_calls_it(ours, task):
    for lang, scores in ours[task].items():
        labels = read_xtreme_file(MOCK / "labels" / task / f"test-{lang}.tsv", task)
        predictions = read_xtreme_file(MOCK / "predictions" / task / f"test-{lang}.tsv", task)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = {
                "f1": 100 * f1_score(labels, predictions),
                "precision": 100 * precision_score(labels, predictions),
                "recall": 100 * recall_score(labels, predictions),
            }
        assert scores == pytest.approx(expected, abs=1e-9), (task, lang)


@pytest.mark.parametrize("task", ["xnli", "pawsx", "tatoeba"])
def test_accuracy_equals_evaluate_py_line_comparison(ours, task):
    for lang, scores in ours[task].items():
        labels = (MOCK / "labels" / task / f"test-{lang}.tsv").read_text(encoding="utf-8").splitlines()
        predictions = (MOCK / "predictions" / task / f"test-{lang}.tsv").read_text(encoding="utf-8").splitlines()
        correct = sum(p.strip() == g.strip() for p, g in zip(predictions, labels))
        assert scores["accuracy"] == pytest.approx(100 * correct / len(predictions)), (task, lang)


def test_mewslix_counts_only_the_top_20(ours):
    """Every mock mention's gold id is ranked, so each language's score is 100/rank."""
    for lang, scores in ours["mewslix"].items():
        gold = json.loads((MOCK / "labels" / "mewslix" / f"test-{lang}.json").read_text(encoding="utf-8"))
        pred = json.loads((MOCK / "predictions" / "mewslix" / f"test-{lang}.json").read_text(encoding="utf-8"))
        ranks = [pred[k][:20].index(v[0]) + 1 if v[0] in pred[k][:20] else None for k, v in gold.items()]
        expected = sum(0.0 if r is None else 100 / r for r in ranks) / len(ranks)
        assert scores["map@20"] == pytest.approx(expected), lang


def test_aggregation_follows_evaluate_py(ours):
    result = xtreme_aggregate(ours)
    detailed, overall = result["detailed"], result["overall"]
    # every XTREME task is in the mock folder, so evaluate.py prints all_task and every group
    assert set(detailed) == set(XTREME_TASK_LANGS)
    # PAWS-X by hand: (50 + 40 + 50 + 60 + 60 + 60 + 40) / 7
    assert detailed["pawsx"]["avg_metric"] == pytest.approx(360 / 7)
    # QA: avg_metric = (avg EM + avg F1) / 2; MLQA EMs 100,0,0,0,100,100,100 (ar de en es hi vi zh)
    mlqa = detailed["mlqa"]
    assert mlqa["avg_exact_match"] == pytest.approx(400 / 7)
    assert mlqa["avg_metric"] == pytest.approx((mlqa["avg_exact_match"] + mlqa["avg_f1"]) / 2)
    for group, tasks in XTREME_GROUPS.items():
        assert overall[group] == pytest.approx(sum(detailed[t]["avg_metric"] for t in tasks) / len(tasks))
    assert overall["all_task"] == pytest.approx(
        sum(detailed[t]["avg_metric"] for t in XTREME_TASK_LANGS) / len(XTREME_TASK_LANGS)
    )
    # mewslix is not an XTREME v1 task: evaluate.py (v1) ignores it, as we do
    assert "mewslix" not in detailed


def test_aggregation_without_every_task_has_no_overall(ours):
    partial = {t: ours[t] for t in ("xnli", "pawsx", "udpos")}
    overall = xtreme_aggregate(partial)["overall"]
    assert "all_task" not in overall
    assert set(overall) == {"classification"}


def test_missing_language_is_an_error_as_in_evaluate_py(ours):
    broken = {"xnli": {k: v for k, v in ours["xnli"].items() if k != "sw"}}
    with pytest.raises(ConfigError, match=r"task xnli lacks languages \['sw'\]"):
        xtreme_aggregate(broken)


def test_xtremer_overall_needs_all_ten_tasks_and_labels_the_partial_mean(ours):
    result = xtremer_aggregate(ours)
    assert result["complete"] is False and result["overall"] is None
    assert set(result["missing_tasks"]) == {"xcopa", "lareqa"}  # absent from the mock folder
    tasks = result["tasks"]
    assert "pawsx" not in tasks  # XTREME v1 only
    assert tasks["mlqa"]["metric"] == "f1"
    assert tasks["mlqa"]["score"] == pytest.approx(sum(v["f1"] for v in ours["mlqa"].values()) / 7)
    assert tasks["mlqa"]["exact_match"] == pytest.approx(400 / 7)
    assert tasks["panx"]["missing_languages"]  # the mock has 40 of XTREME-R's 48
    assert result["partial_overall"] == pytest.approx(sum(t["score"] for t in tasks.values()) / len(tasks))
    assert result["groups"]["qa"] == pytest.approx(sum(tasks[t]["score"] for t in ("xquad", "mlqa", "tydiqa")) / 3)


def test_xtremer_overall_is_emitted_when_complete():
    from xtremer_robust.tasks import get_task

    keys = {"xnli": "accuracy", "xcopa": "accuracy", "udpos": "f1", "panx": "f1", "xquad": "f1", "mlqa": "f1",
            "tydiqa": "f1", "tatoeba": "accuracy", "mewslix": "map@20", "lareqa": "map"}
    values = {task: 0.1 * (i + 1) for i, task in enumerate(keys)}
    scores = {task: {lang: {key: values[task]} for lang in get_task(task).languages} for task, key in keys.items()}
    result = xtremer_aggregate(scores)
    assert result["complete"] is True
    assert result["overall"] == pytest.approx(sum(values.values()) / 10)
    assert result["groups"]["retrieval"] == pytest.approx((0.8 + 0.9 + 1.0) / 3)
