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
from xtremer_robust.metrics.xtreme import benchmark_aggregate, benchmark_groups, benchmark_tasks, xtreme_aggregate
from xtremer_robust.report.xtreme_read import read_xtreme_file, score_xtreme_layout

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


#: google-research/xtreme evaluate.py --xtreme_version xtreme on the mock folder (its own
#: mock_test_data, identical to xtreme_format/), run beside this package: the output file's
#: group scores and each task's avg_metric.
OFFICIAL_XTREME_MOCK = {
    "overall": {"all_task": 62.1932649076773, "classification": 41.04761904761905, "tagging": 63.95299730746348,
                "qa": 80.37568011593986, "retrieval": 54.30555555555556},
    "avg_metric": {"pawsx": 51.42857142857143, "xnli": 30.666666666666668, "panx": 57.50793650793652,
                   "udpos": 70.39805810699043, "bucc2018": 55.0, "tatoeba": 53.611111111111114,
                   "xquad": 78.61570247933884, "mlqa": 69.45578231292518, "tydiqa": 93.05555555555556},
}


def test_aggregation_equals_evaluate_py_on_the_mock_folder(ours):
    result = xtreme_aggregate(ours, "xtreme")
    detailed, overall = result["detailed"], result["overall"]
    assert overall == pytest.approx(OFFICIAL_XTREME_MOCK["overall"], abs=1e-9)
    assert {t: v["avg_metric"] for t, v in detailed.items()} == pytest.approx(OFFICIAL_XTREME_MOCK["avg_metric"], abs=1e-9)
    # QA: avg_metric = (avg EM + avg F1) / 2; MLQA EMs 100,0,0,0,100,100,100 (ar de en es hi vi zh)
    assert detailed["mlqa"]["avg_exact_match"] == pytest.approx(400 / 7)
    assert "mewslix" not in detailed  # not an XTREME v1 task: evaluate.py (v1) ignores it


def test_version_facts_come_from_the_registry():
    groups = benchmark_groups("xtreme-r")
    assert groups == {"classification": ("xnli", "xcopa"), "multi_choice": ("xcopa",), "tagging": ("udpos", "panx"),
                      "qa": ("xquad", "mlqa", "tydiqa"), "retrieval": ("tatoeba", "mewslix")}
    assert benchmark_groups("xtreme")["retrieval"] == ("tatoeba", "bucc2018")
    r, v1 = benchmark_tasks("xtreme-r"), benchmark_tasks("xtreme")
    assert (len(r["panx"].languages), len(v1["panx"].languages)) == (48, 40)
    assert (len(r["xquad"].languages), len(v1["xquad"].languages)) == (12, 11)
    assert r["lareqa"].evaluate_py is False and r["lareqa"].avg_metric == "map@20"
    assert "pawsx" not in r and "xcopa" not in v1 and r["mlqa"].avg_metric == "em_f1"


def test_aggregation_without_every_task_has_no_overall(ours):
    partial = {t: ours[t] for t in ("xnli", "pawsx", "udpos")}
    overall = xtreme_aggregate(partial, "xtreme")["overall"]
    assert "all_task" not in overall
    assert set(overall) == {"classification"}


def test_missing_language_is_an_error_as_in_evaluate_py(ours):
    broken = {"xnli": {k: v for k, v in ours["xnli"].items() if k != "sw"}}
    with pytest.raises(ConfigError, match=r"task xnli lacks languages \['sw'\]"):
        xtreme_aggregate(broken, "xtreme")


def test_xtreme_r_lists_differ_from_xtreme_v1(ours):
    """The mock folder has XTREME v1 languages only: under XTREME-R panx lacks 8 of its 48."""
    with pytest.raises(ConfigError, match=r"xtreme-r\): task panx lacks languages \['qu', 'pl', 'uk', 'az', 'lt', 'pa', 'gu', 'ro'\]"):
        xtreme_aggregate({"panx": ours["panx"]}, "xtreme-r")
    result = benchmark_aggregate(ours, "xtreme-r")
    assert result["complete"] is False and result["overall"] is None
    assert set(result["missing_tasks"]) == {"xcopa", "lareqa"}  # absent from the mock folder
    assert result["tasks"]["panx"]["missing_languages"] == ["qu", "pl", "uk", "az", "lt", "pa", "gu", "ro"]
    assert "pawsx" not in result["tasks"]  # XTREME v1 only


def test_benchmark_score_conventions_for_qa(ours):
    official = benchmark_aggregate(ours, "xtreme", convention="avg_metric")
    f1_only = benchmark_aggregate(ours, "xtreme", convention="f1")
    mlqa = ours["mlqa"]
    assert official["tasks"]["mlqa"]["score"] == pytest.approx(
        (sum(v["exact_match"] for v in mlqa.values()) + sum(v["f1"] for v in mlqa.values())) / 14)
    assert f1_only["tasks"]["mlqa"]["score"] == pytest.approx(sum(v["f1"] for v in mlqa.values()) / 7)
    assert f1_only["tasks"]["mlqa"]["metric"] == "f1" and official["tasks"]["mlqa"]["metric"] == "em_f1"
    # complete XTREME v1 folder: our overall is evaluate.py's all_task under the official convention
    assert official["complete"] and official["overall"] == pytest.approx(OFFICIAL_XTREME_MOCK["overall"]["all_task"])
    assert f1_only["overall"] > official["overall"]


def test_xtreme_r_overall_computes_when_complete():
    values = {task: 0.1 * (i + 1) for i, task in enumerate(benchmark_tasks("xtreme-r"))}
    scores = {}
    for task, facts in benchmark_tasks("xtreme-r").items():
        keys = ("exact_match", "f1") if facts.avg_metric == "em_f1" else (facts.avg_metric,)
        scores[task] = {lang: {k: values[task] for k in keys} for lang in facts.languages}
    result = benchmark_aggregate(scores, "xtreme-r")
    assert result["complete"] is True and len(result["tasks"]) == 10
    assert result["overall"] == pytest.approx(sum(values.values()) / 10)
    assert result["groups"]["retrieval"] == pytest.approx((values["tatoeba"] + values["mewslix"]) / 2)
    assert result["groups"]["multi_choice"] == pytest.approx(values["xcopa"])
    # evaluate.py itself never emits it: LAReQA has no languages there
    assert "all_task" not in xtreme_aggregate(scores, "xtreme-r")["overall"]
