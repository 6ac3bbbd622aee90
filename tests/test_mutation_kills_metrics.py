"""Tests written against mutants that survived ``mutmut`` on xtremer_robust/metrics/ (the recipe
is in CONTRIBUTING.md, "Mutation testing"), against mutants of lines no selected test covered
(BUCC pair sets, raw-value accuracy, fallback messages), and against typical mutants of
metrics/xtreme.py, whose only other test (test_metrics_xtreme_parity.py) needs the shared
mock folder.

Each test pins a behaviour a surviving mutant changed: a boundary, a convention of the
official scorer (seqeval 1.2.2, mlqa_evaluation_v1.py, XTREME's evaluate.py), a default
argument, a message that must name its field or the options, a value's type. Expected values
are worked out by hand in the comments; none of these tests needs the shared data folder.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import Any, ClassVar

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics import (
    Accuracy,
    BuccF1,
    MeanAveragePrecision,
    Metric,
    MlqaEmF1,
    SeqevalF1,
    SquadEmF1,
    get_chunks,
    get_metric,
    mlqa_normalize,
)
from xtremer_robust.metrics import xtreme
from xtremer_robust.metrics.accuracy import ValueAccuracy, labels_equal
from xtremer_robust.metrics.base import column_mean, safe_ratio
from xtremer_robust.metrics.bucc import bucc_pair_stats
from xtremer_robust.metrics.registry import metric_for_task
from xtremer_robust.metrics.retrieval import MapAtKWithFull
from xtremer_robust.metrics.tagging import tagging_counts
from xtremer_robust.metrics.xtreme import (
    benchmark_aggregate,
    benchmark_groups,
    benchmark_tasks,
    language_score,
    xtreme_aggregate,
)
from xtremer_robust.tasks import get_task


# --- metrics.base ------------------------------------------------------------------------------

def test_safe_ratio_is_zero_where_the_denominator_is_zero_and_broadcasts() -> None:
    """seqeval's zero_division=0: 1/0 and 0/0 are 0, not inf or NaN; 2/4 = 0.5, 3/1 = 3."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero warning either
        out = safe_ratio(np.array([1.0, 0.0, 2.0, 3.0]), np.array([0.0, 0.0, 4.0, 1.0]))
    assert out.tolist() == [0.0, 0.0, 0.5, 3.0] and out.dtype == np.float64
    # shapes broadcast either way: (2, 1) / (2,) is (2, 2); a scalar over a vector is a vector
    assert safe_ratio(np.array([[1.0], [2.0]]), np.array([2.0, 4.0])).tolist() == [[0.5, 0.25], [1.0, 0.5]]
    assert safe_ratio(1, [2, 0]).tolist() == [0.5, 0.0]
    assert safe_ratio([2, 0], 4).tolist() == [0.5, 0.0]


class _TokenCount(Metric):
    """A user metric whose item_stats returns Python ints (the contract allows any numbers)."""

    name: ClassVar[str] = "token_count"
    headline: ClassVar[str] = "token_count"
    stat_names: ClassVar[tuple[str, ...]] = ("n_tokens",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (len(prediction.split()),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 0)


def test_batch_stats_rows_are_float64_whatever_numbers_item_stats_returns() -> None:
    """The rows are "a fixed-length float vector" (metrics.base): ints from item_stats become float64."""
    rows = _TokenCount().batch_stats(predictions=["a b", "c"], references=[None, None])
    assert rows.dtype == np.float64
    assert rows.tolist() == [[2.0], [1.0]]


@pytest.mark.parametrize("metric", [BuccF1(), SeqevalF1()], ids=["bucc", "seqeval"])
def test_count_based_f1_sums_narrow_float_rows_in_float64(metric: Metric) -> None:
    """Rows given as float16 are summed in float64, so the counts stay exact.

    Rows (tp, n_pred, n_gold) = (2048, 2048, 2048) and (1, 1, 3): totals 2049, 2049, 2051,
    F1 = 2 * 2049 / (2049 + 2051) = 4098 / 4100, precision 1, recall 2049 / 2051. Summed in
    float16 (spacing 2 above 2048) the totals would round to 2048, 2048, 2052: 4096 / 4100.
    """
    rows = np.array([[2048, 2048, 2048], [1, 1, 3]], dtype=np.float16)
    assert float(metric.aggregate(rows)) == pytest.approx(4098 / 4100, abs=1e-15)
    if isinstance(metric, SeqevalF1):
        assert float(metric.aggregate_secondary("precision", rows)) == 1.0
        assert float(metric.aggregate_secondary("recall", rows)) == pytest.approx(2049 / 2051, abs=1e-15)


class _PlainMean(Metric):
    """A user metric whose aggregate computes in whatever dtype it is handed (it does not cast)."""

    name: ClassVar[str] = "plain_mean"
    headline: ClassVar[str] = "mean"
    stat_names: ClassVar[tuple[str, ...]] = ("x",)
    secondary_names: ClassVar[tuple[str, ...]] = ("total",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (float(prediction),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return stats[..., 0].sum(axis=-1) / stats.shape[-2]

    def aggregate_secondary(self, name: str, stats: np.ndarray) -> np.ndarray:
        if name == "total":
            return stats[..., 0].sum(axis=-1)
        return super().aggregate_secondary(name, stats)


#: Rows 1, 0, 0 in float16: their mean is 1/3, which float16 arithmetic (11 significant bits)
#: would round to 0.333251953125; computed in float64 it is 1/3 to the last bit of a double.
ONE_IN_THREE_FLOAT16 = np.array([[1.0], [0.0], [0.0]], dtype=np.float16)


def test_score_and_scores_hand_aggregate_float64_rows() -> None:
    metric = _PlainMean()
    assert metric.score(ONE_IN_THREE_FLOAT16) == 1 / 3
    assert metric.scores(ONE_IN_THREE_FLOAT16) == {"mean": 1 / 3, "total": 1.0}


def test_column_mean_averages_narrow_rows_in_float64() -> None:
    assert float(column_mean(ONE_IN_THREE_FLOAT16, 0)) == 1 / 3
    assert float(Accuracy().aggregate(ONE_IN_THREE_FLOAT16)) == 1 / 3
    assert float(SquadEmF1().aggregate_secondary("exact_match", np.hstack([ONE_IN_THREE_FLOAT16] * 2))) == 1 / 3


def test_column_mean_is_one_mean_per_leading_index() -> None:
    """Two resamples of two items, hit columns (1, 0) and (1, 1): means 0.5 and 1."""
    assert column_mean(np.array([[[1.0], [0.0]], [[1.0], [1.0]]]), 0).tolist() == [0.5, 1.0]


def test_column_mean_of_empty_sets_is_nan_per_leading_index() -> None:
    """Three resamples of an empty set: three NaN scores, shape (3,), not one."""
    out = column_mean(np.zeros((3, 0, 2)), 1)
    assert out.shape == (3,) and np.isnan(out).all()
    assert np.isnan(column_mean(np.zeros((0, 2)), 0)) and column_mean(np.zeros((0, 2)), 0).shape == ()


def test_batch_stats_refuses_unequal_lengths_naming_the_metric_and_both_counts() -> None:
    with pytest.raises(ConfigError) as info:
        Accuracy().batch_stats(predictions=["a", "b"], references=["a"])
    assert str(info.value) == (
        "metric accuracy: 2 predictions but 1 references; pass one prediction per reference, in the same order"
    )


@pytest.mark.parametrize("metric, available", [
    (Accuracy(), "none"),
    (SquadEmF1(), "['exact_match']"),
    (SeqevalF1(), "['precision', 'recall']"),
    (MapAtKWithFull(), "['map']"),
], ids=["accuracy", "em_f1", "f1", "map20_full"])
def test_an_unknown_secondary_score_names_metric_score_and_the_available_ones(metric: Metric, available: str) -> None:
    with pytest.raises(ConfigError) as info:
        metric.aggregate_secondary("bleu", np.zeros((1, len(metric.stat_names))))
    assert str(info.value) == f"metric {metric.name} has no secondary score 'bleu'; available: {available}"


def test_metric_repr_names_class_and_metric() -> None:
    assert repr(Accuracy()) == "Accuracy(name='accuracy')"
    assert repr(BuccF1()) == "BuccF1(name='bucc_f1')"


# --- metrics.accuracy ---------------------------------------------------------------------------

@pytest.mark.parametrize("prediction, reference", [(None, None), (None, "None"), ("None", None)])
def test_a_missing_label_never_equals_anything(prediction: Any, reference: Any) -> None:
    """A missing prediction is wrong even against a gold label that reads "None" (or is missing)."""
    assert labels_equal(prediction, reference) is False
    assert Accuracy().item_stats(prediction=prediction, reference=reference) == (0.0,)


def test_accuracy_compares_labels_as_text_lines() -> None:
    """evaluate.py compares the .tsv lines: " 1 " and 1 agree; 2 of the 3 rows below agree."""
    assert labels_equal(" 1 ", 1) is True and labels_equal("1", "2") is False
    rows = Accuracy().batch_stats(predictions=["1", "0", "2"], references=[1, " 0", 1])
    assert rows.tolist() == [[1.0], [1.0], [0.0]]
    assert Accuracy().score(rows) == pytest.approx(2 / 3)


@pytest.mark.parametrize("prediction, reference, correct", [
    ("0", 0, 0.0),  # json.loads values: the string "0" is not the integer 0 (evaluate.py's int(p == l))
    (0, 0.0, 1.0),  # Python ==: 0 == 0.0
    (1, 1, 1.0),
    (1, 0, 0.0),
    (None, None, 1.0),  # raw values: None == None
])
def test_value_accuracy_compares_raw_values_as_evaluate_py_does(prediction: Any, reference: Any, correct: float) -> None:
    metric = ValueAccuracy()
    assert metric.item_stats(prediction=prediction, reference=reference) == (correct,)
    assert (metric.name, metric.headline, metric.stat_names) == ("value_accuracy", "accuracy", ("correct",))


# --- metrics.registry ---------------------------------------------------------------------------

def test_a_language_aware_metric_without_language_lists_the_languages() -> None:
    with pytest.raises(ConfigError) as info:
        get_metric("mlqa_em_f1")
    assert str(info.value) == (
        "metric mlqa_em_f1 needs the answer language: pass language= one of ar, de, en, es, hi, vi, zh"
    )


def test_an_unknown_metric_name_suggests_the_closest_and_lists_all() -> None:
    """The registry's nine names, sorted; "top-1" is closest to "top1" (difflib, cutoff 0.6)."""
    with pytest.raises(ConfigError) as info:
        get_metric("top-1")
    assert str(info.value) == (
        "Unknown metric 'top-1'. Did you mean 'top1'? "
        "Available: accuracy, bucc_f1, em_f1, f1, map, map20, map20_full, mlqa_em_f1, top1"
    )


def test_metric_for_task_scores_bucc2018_by_pair_f1_and_mlqa_by_answer_language() -> None:
    assert isinstance(metric_for_task("bucc2018"), BuccF1)  # XTREME v1 layout-only task, not in tasks.yaml
    mlqa = metric_for_task("mlqa", "de")
    assert isinstance(mlqa, MlqaEmF1) and mlqa.language == "de"
    assert isinstance(metric_for_task(get_task("xnli"), "de"), Accuracy)  # language ignored where not needed


def test_metric_for_task_refuses_a_spec_whose_names_disagree_with_its_metric() -> None:
    spec = dataclasses.replace(get_task("xquad"), headline="exact_match", companions=("f1",))
    with pytest.raises(ConfigError) as info:
        metric_for_task(spec)
    assert str(info.value) == (
        "tasks.yaml: task xquad declares headline/companions ['exact_match', 'f1'] but metric em_f1 reports "
        "['f1', 'exact_match']; set headline: f1 and companions: ['exact_match']"
    )


# --- metrics.tagging ----------------------------------------------------------------------------

def _seqeval_entities(sequence: list[str]) -> list[tuple[str, int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns on non-IOB tags
        return get_entities(sequence)


def test_a_hyphenated_entity_type_keeps_everything_after_the_first_hyphen() -> None:
    """seqeval 1.2.2 (prefix mode): ``type = chunk[1:].split('-', maxsplit=1)[-1]``.

    "B-LOC-CITY" is type "LOC-CITY"; "B-A-X" then "I-B-X" are two types ("A-X", "B-X"), so two
    chunks, where splitting at the last hyphen would see one "X" chunk over both tokens.
    """
    sequence = ["B-LOC-CITY", "I-LOC-CITY", "O", "B-A-X", "I-B-X"]
    expected = [("LOC-CITY", 0, 1), ("A-X", 3, 3), ("B-X", 4, 4)]
    assert _seqeval_entities(sequence) == expected
    assert get_chunks(sequence) == expected


def test_an_i_tag_after_a_single_tag_opens_a_new_chunk() -> None:
    """conlleval / seqeval start_of_chunk: S->I opens a chunk, so S-PER I-PER is two chunks."""
    sequence = ["S-PER", "I-PER", "S-LOC", "E-LOC"]
    expected = [("PER", 0, 0), ("PER", 1, 1), ("LOC", 2, 2), ("LOC", 3, 3)]
    assert _seqeval_entities(sequence) == expected
    assert get_chunks(sequence) == expected


@pytest.mark.parametrize("side", ["prediction", "reference"])
def test_a_sentence_given_as_one_string_is_refused_naming_side_index_and_type(side: str) -> None:
    good = [["O"], ["B-PER"]]
    bad = [["O"], "B-PER"]  # sentence 1 is a string, not a list of tags
    predictions, references = (bad, good) if side == "prediction" else (good, bad)
    with pytest.raises(ConfigError) as info:
        tagging_counts(predictions, references)
    assert str(info.value) == f"{side} 1: expected a sequence of tag strings (one per token), got str"


def test_tagging_counts_refuses_unequal_sentence_and_token_counts() -> None:
    with pytest.raises(ConfigError) as info:
        tagging_counts([["O"], ["O"]], [["O"]])
    assert str(info.value) == "tagging: 2 predicted sentences but 1 gold sentences"
    with pytest.raises(ConfigError) as info:
        tagging_counts([["O"], ["O", "B-PER"]], [["O"], ["O"]])
    assert str(info.value) == (
        "tagging: sentence 1 has 2 predicted tags but 1 gold tags; predict exactly one tag per gold token"
    )


class _Tag:
    """A tag object that is not a str but writes itself as one (an enum-like label)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_tags_that_are_not_strings_are_scored_as_their_text() -> None:
    """Predicted tags B-PER I-PER O B-LOC given as objects: chunks (PER, 0, 1), (LOC, 3, 3)
    against the same gold: tp = n_pred = n_gold = 2."""
    text = ["B-PER", "I-PER", "O", "B-LOC"]
    counts = tagging_counts([[_Tag(t) for t in text]], [text])
    assert counts.tolist() == [[2.0, 2.0, 2.0]]


# --- metrics.bucc -----------------------------------------------------------------------------

def test_bucc_pair_stats_count_the_pair_sets_per_source_sentence() -> None:
    """evaluate.py's bucc_f1 on SETS of (source, target) pairs; lines and 2-tuples are the same pair.

    Predicted {(s1, t1), (s1, t2), (2, 3)} (the repeated s1-t1 counts once), gold {(s1, t1),
    (2, 3), (2, 4), (s3, t5)}. Sources sorted as text: "2", "s1", "s3"; rows (tp, n_pred,
    n_gold): "2" (1, 1, 2), "s1" (1, 2, 1), "s3" (0, 0, 1). P = 2/3, R = 2/4, F1 = 2PR/(P+R)
    = 4/7 = 2 tp / (n_pred + n_gold) = 4 / 7.
    """
    predicted = ["s1\tt1", ("s1", "t1"), "s1\tt2", (2, 3)]
    gold = [("s1", "t1"), "2\t3", "2\t4", "s3\tt5"]
    sources, rows = bucc_pair_stats(predicted, gold)
    assert sources == ["2", "s1", "s3"]
    assert rows.tolist() == [[1.0, 1.0, 2.0], [1.0, 2.0, 1.0], [0.0, 0.0, 1.0]]
    assert BuccF1().score(rows) == pytest.approx(4 / 7)
    # evaluate.py splits each line at the tab only: an id may hold a space
    assert bucc_pair_stats(["s 1\tt 1"], [("s 1", "t 1")])[1].tolist() == [[1.0, 1.0, 1.0]]
    no_sources, no_rows = bucc_pair_stats([], [])
    assert no_sources == [] and no_rows.shape == (0, 3)


def test_bucc_item_stats_are_one_source_sentences_target_sets() -> None:
    metric = BuccF1()
    assert metric.item_stats(prediction=["t1", "t2", "t1"], reference=["t1", 3]) == (1.0, 2.0, 2.0)
    assert metric.item_stats(prediction=[3], reference=["3"]) == (1.0, 1.0, 1.0)  # ids compared as text
    assert metric.item_stats(prediction=None, reference=["t1"]) == (0.0, 0.0, 1.0)
    assert metric.item_stats(prediction=["t1"], reference=None) == (0.0, 1.0, 0.0)


# --- metrics.qa ---------------------------------------------------------------------------------

def test_an_unknown_mlqa_language_lists_the_scripts_languages() -> None:
    with pytest.raises(ConfigError) as info:
        mlqa_normalize("x", "fr")
    assert str(info.value) == (
        "MLQA normalisation: unknown answer language 'fr'; mlqa_evaluation_v1.py defines ar, de, en, es, hi, vi, zh"
    )


def test_only_chinese_answers_are_split_into_ideographs() -> None:
    """mlqa_evaluation_v1.py: mixed segmentation for zh only; every other language splits on
    whitespace, so "東京" stays one token in an English answer.

    Against gold "東京都": en tokens {東京} vs {東京都} share nothing, F1 0; zh tokens
    (東, 京) vs (東, 京, 都): P = 1, R = 2/3, F1 = 2 * (2/3) / (5/3) = 0.8.
    """
    assert mlqa_normalize("東京", "en") == "東京"
    assert mlqa_normalize("東京", "zh") == "東 京"
    assert MlqaEmF1("en").item_stats(prediction="東京", reference=["東京都"]) == (0.0, 0.0)
    assert MlqaEmF1("zh").item_stats(prediction="東京", reference=["東京都"]) == pytest.approx((0.0, 0.8))


@pytest.mark.parametrize("reference", [5, None])
def test_a_reference_that_is_no_answer_list_is_a_config_error(reference: Any) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"expected at least one gold answer (QAItem, Answer records or strings), got {reference!r}")):
        SquadEmF1().item_stats(prediction="x", reference=reference)


def test_a_prediction_that_is_not_text_names_its_type() -> None:
    with pytest.raises(ConfigError) as info:
        SquadEmF1().item_stats(prediction=42, reference=["42"])
    assert str(info.value) == "QA prediction: expected the answer text as a string, got int"


# --- metrics.retrieval --------------------------------------------------------------------------

def test_a_prediction_that_is_not_a_ranking_names_its_type() -> None:
    with pytest.raises(ConfigError) as info:
        MeanAveragePrecision().item_stats(prediction=2.5, reference=["a"])
    assert str(info.value) == "retrieval prediction: expected a ranked list of candidate ids, got float"


def test_map_at_1_is_allowed_and_k_0_is_not() -> None:
    """AP@1 = precision at rank 1 / min(|relevant|, 1): 1 when the first id is relevant, else 0."""
    metric = MeanAveragePrecision(k=1)
    assert metric.item_stats(prediction=["a", "b"], reference=["a", "b"]) == (1.0,)
    assert metric.item_stats(prediction=["b", "a"], reference=["a"]) == (0.0,)
    with pytest.raises(ConfigError, match="mAP@k: k must be a positive integer or None, got 0"):
        MeanAveragePrecision(k=0)


def test_map_names_and_headlines_follow_k() -> None:
    """tasks.yaml's names: ``map`` (full ranking) and ``map20`` reported as ``map@20``."""
    full, at20 = MeanAveragePrecision(), MeanAveragePrecision(k=20)
    assert (full.name, full.headline) == ("map", "map")
    assert (at20.name, at20.headline) == ("map20", "map@20")
    assert (get_metric("map").headline, get_metric("map20").headline) == ("map", "map@20")
    assert list(at20.scores(np.array([[0.5], [0.25]]))) == ["map@20"]


# --- metrics.xtreme: facts by version -----------------------------------------------------------

def test_benchmark_tasks_by_version_and_the_evaluate_py_filter() -> None:
    """evaluate.py XTREME_TASK2LANGS (v1: 9 tasks, BUCC last here as layout-only) and
    XTREME_R_TASK2LANGS (10 tasks; LAReQA listed with no languages, so not scored by it)."""
    v1 = list(benchmark_tasks("xtreme"))
    assert v1 == ["xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "tatoeba", "bucc2018"]
    r = list(benchmark_tasks("xtreme-r"))
    assert r == ["xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa", "tatoeba", "mewslix", "lareqa"]
    assert list(benchmark_tasks("xtreme-r", scored_by_evaluate_py=True)) == r[:-1]
    assert list(benchmark_tasks("xtreme", scored_by_evaluate_py=True)) == v1
    assert benchmark_tasks("xtreme")["bucc2018"].languages == ("de", "fr", "ru", "zh")


def test_benchmark_groups_are_evaluate_pys_group2task() -> None:
    assert benchmark_groups("xtreme") == {"classification": ("xnli", "pawsx"), "tagging": ("udpos", "panx"),
                                          "qa": ("xquad", "mlqa", "tydiqa"), "retrieval": ("tatoeba", "bucc2018")}
    assert benchmark_groups("xtreme-r")["multi_choice"] == ("xcopa",)
    assert "lareqa" not in {t for tasks in benchmark_groups("xtreme-r").values() for t in tasks}


@pytest.mark.parametrize("function", ["xtreme_aggregate", "benchmark_aggregate", "benchmark_tasks", "benchmark_groups"])
def test_an_unknown_version_is_refused_with_the_versions(function: str) -> None:
    """Versions are evaluate.py's --xtreme_version names, lower case (no close match: no hint)."""
    call = getattr(xtreme, function)
    args = ({}, "XTREME") if function.endswith("aggregate") else ("XTREME",)
    with pytest.raises(ConfigError, match=r"^Unknown benchmark version 'XTREME'\. Available: xtreme, xtreme-r$"):
        call(*args)


# --- metrics.xtreme.language_score --------------------------------------------------------------

def test_language_score_defaults_to_evaluate_pys_avg_metric() -> None:
    """QA: (EM + F1) / 2 = (0.2 + 0.6) / 2 = 0.4 by default; 0.6 under the f1 convention."""
    qa = {"exact_match": 0.2, "f1": 0.6}
    assert language_score(qa, "em_f1") == pytest.approx(0.4)
    assert language_score(qa, "em_f1", convention="avg_metric") == pytest.approx(0.4)
    assert language_score(qa, "em_f1", convention="f1") == pytest.approx(0.6)
    assert language_score({"accuracy": 0.75, "f1": 0.1}, "accuracy") == 0.75
    assert language_score({"accuracy": 0.75, "f1": 0.1}, "accuracy", convention="f1") == 0.75  # only QA differs
    assert language_score({"map@20": 1}, "map@20") == 1.0 and isinstance(language_score({"map@20": 1}, "map@20"), float)


def test_language_score_messages_name_where_what_is_missing_and_what_was_given() -> None:
    with pytest.raises(ConfigError) as info:
        language_score({"f1": 0.6, "precision": 0.5}, "em_f1")
    # no ``where`` given: the message starts at the colon
    assert str(info.value) == ": no ['exact_match'] score; avg_metric 'em_f1' needs ['exact_match', 'f1'], got ['f1', 'precision']"
    with pytest.raises(ConfigError, match=r"^xtreme-r mlqa/de: no \['f1'\] score; avg_metric 'em_f1' needs \['f1'\]"):
        language_score({"exact_match": 0.2}, "em_f1", convention="f1", where="xtreme-r mlqa/de")
    with pytest.raises(ConfigError, match=r"^Unknown aggregation convention 'f_1'\. Did you mean 'f1'\? Available: avg_metric, f1$"):
        language_score({"f1": 0.6}, "f1", convention="f_1")


# --- metrics.xtreme: aggregates on synthetic scores ---------------------------------------------

def _keys(avg_metric: str) -> tuple[str, ...]:
    return ("exact_match", "f1") if avg_metric == "em_f1" else (avg_metric,)


def _synthetic(version: str) -> dict:
    """Every task and language of ``version``: task i, language j of m scores ``base + j``,
    where base = 10 * (i + 1) and, for QA, F1 = EM + 4. So a task's mean over its languages is
    ``base + (m - 1) / 2`` (+ 4 for QA F1), and every task and language differ."""
    scores: dict = {}
    for i, (task, facts) in enumerate(benchmark_tasks(version).items()):
        base = 10 * (i + 1)
        scores[task] = {}
        for j, lang in enumerate(facts.languages):
            if facts.avg_metric == "em_f1":
                scores[task][lang] = {"exact_match": base + j, "f1": base + j + 4}
            else:
                scores[task][lang] = {facts.avg_metric: base + j}
    return scores


def _expected_task_means(version: str, convention: str = "avg_metric") -> dict[str, float]:
    """The per-task score implied by ``_synthetic``: base + (m - 1) / 2, QA + 2 ((EM + F1) / 2
    adds 4 / 2) or + 4 (F1 alone)."""
    out = {}
    for i, (task, facts) in enumerate(benchmark_tasks(version).items()):
        mean = 10 * (i + 1) + (len(facts.languages) - 1) / 2
        if facts.avg_metric == "em_f1":
            mean += 2 if convention == "avg_metric" else 4
        out[task] = mean
    return out


def test_xtreme_aggregate_defaults_to_xtreme_v1_and_follows_evaluate_py() -> None:
    scores = _synthetic("xtreme")
    scores["mewslix"] = {"en": {"map@20": 99.0}}  # not a v1 task: ignored, as evaluate.py ignores it
    scores["xnli"]["xx"] = {"accuracy": 1000.0}  # not a listed language: ignored
    result = xtreme_aggregate(scores)
    assert result == xtreme_aggregate(scores, "xtreme")
    detailed, overall = result["detailed"], result["overall"]
    expected = _expected_task_means("xtreme")
    assert list(detailed) == list(expected)  # every v1 task, mewslix left out
    assert {t: d["avg_metric"] for t, d in detailed.items()} == pytest.approx(expected)
    # xnli: 15 languages from base 10: values 10..24, avg_accuracy = 17; "xx" not among them
    xnli = detailed["xnli"]
    assert set(xnli) == {"accuracy", "avg_accuracy", "avg_metric"} and xnli["avg_accuracy"] == 17.0
    assert list(xnli["accuracy"]) == list(benchmark_tasks("xtreme")["xnli"].languages)
    assert all(type(v) is float for v in xnli["accuracy"].values())  # ints in, floats out
    # mlqa (task 6, base 60, 7 languages): avg EM = 63, avg F1 = 67, avg_metric = (63 + 67) / 2 = 65
    mlqa = detailed["mlqa"]
    assert (mlqa["avg_exact_match"], mlqa["avg_f1"], mlqa["avg_metric"]) == (63.0, 67.0, 65.0)
    # groups and the overall are plain means of the tasks' avg_metric
    groups = benchmark_groups("xtreme")
    assert set(overall) == {"all_task", *groups}
    assert overall["all_task"] == pytest.approx(sum(expected.values()) / 9)
    for group, members in groups.items():
        assert overall[group] == pytest.approx(sum(expected[t] for t in members) / len(members)), group


def test_xtreme_aggregate_averages_every_metric_a_language_reports() -> None:
    """udpos with precision beside F1: avg_precision is its mean too; avg_metric stays avg_f1."""
    langs = benchmark_tasks("xtreme")["udpos"].languages
    scores = {"udpos": {lang: {"f1": 0.5, "precision": 0.25 if k % 2 else 0.75} for k, lang in enumerate(langs)}}
    # 33 languages: 17 at 0.75 (even k), 16 at 0.25: mean = (17 * 0.75 + 16 * 0.25) / 33
    detailed = xtreme_aggregate(scores, "xtreme")["detailed"]["udpos"]
    assert detailed["avg_precision"] == pytest.approx((17 * 0.75 + 16 * 0.25) / 33)
    assert detailed["avg_f1"] == detailed["avg_metric"] == 0.5


def test_xtreme_aggregate_scores_a_group_only_when_all_its_tasks_are_present() -> None:
    full = _synthetic("xtreme")
    partial = {t: full[t] for t in ("xnli", "pawsx", "xquad")}
    overall = xtreme_aggregate(partial, "xtreme")["overall"]
    expected = _expected_task_means("xtreme")
    assert overall == pytest.approx({"classification": (expected["xnli"] + expected["pawsx"]) / 2})
    assert xtreme_aggregate({}, "xtreme") == {"detailed": {}, "overall": {}}


def test_xtreme_aggregate_under_xtreme_r_leaves_lareqa_out_and_never_has_all_task() -> None:
    scores = _synthetic("xtreme-r")  # LAReQA included, on its 11 languages
    result = xtreme_aggregate(scores, "xtreme-r")
    assert "lareqa" not in result["detailed"] and len(result["detailed"]) == 9
    assert "all_task" not in result["overall"]
    expected = _expected_task_means("xtreme-r")
    assert result["overall"]["multi_choice"] == pytest.approx(expected["xcopa"])
    assert result["overall"]["classification"] == pytest.approx((expected["xnli"] + expected["xcopa"]) / 2)


def test_xtreme_aggregate_refuses_a_missing_language_naming_task_and_list() -> None:
    langs = benchmark_tasks("xtreme")["pawsx"].languages  # de en es fr ja ko zh
    scores = {"pawsx": {lang: {"accuracy": 0.5} for lang in langs if lang not in ("fr", "zh")}}
    with pytest.raises(ConfigError) as info:
        xtreme_aggregate(scores, "xtreme")
    assert str(info.value) == (
        "xtreme_aggregate(xtreme): task pawsx lacks languages ['fr', 'zh']; evaluate.py scores every "
        "language of its list (de, en, es, fr, ja, ko, zh) and stops on a missing file"
    )


def test_benchmark_aggregate_defaults_to_xtreme_r_and_the_official_convention() -> None:
    scores = _synthetic("xtreme-r")
    result = benchmark_aggregate(scores)
    assert result == benchmark_aggregate(scores, "xtreme-r", convention="avg_metric")
    assert (result["version"], result["convention"]) == ("xtreme-r", "avg_metric")
    expected = _expected_task_means("xtreme-r")
    assert list(result["tasks"]) == list(expected)  # LAReQA included: this package scores it
    assert {t: e["score"] for t, e in result["tasks"].items()} == pytest.approx(expected)
    assert result["complete"] is True and result["missing_tasks"] == []
    assert result["overall"] == result["partial_overall"] == pytest.approx(sum(expected.values()) / 10)
    groups = benchmark_groups("xtreme-r")
    assert set(result["groups"]) == set(groups)
    for group, members in groups.items():
        assert result["groups"][group] == pytest.approx(sum(expected[t] for t in members) / len(members)), group
    # mlqa (task 6, base 60): per language j, (60 + j + 64 + j) / 2 = 62 + j; EM mean 63, F1 mean 67
    mlqa = result["tasks"]["mlqa"]
    langs = benchmark_tasks("xtreme-r")["mlqa"].languages
    assert mlqa["per_language"] == pytest.approx({lang: 62 + j for j, lang in enumerate(langs)})
    assert (mlqa["metric"], mlqa["languages"], mlqa["missing_languages"]) == ("em_f1", 7, [])
    assert (mlqa["exact_match"], mlqa["f1"]) == (63.0, 67.0)
    assert result["tasks"]["xnli"]["metric"] == "accuracy" and "exact_match" not in result["tasks"]["xnli"]
    assert result["tasks"]["lareqa"]["metric"] == "map@20"


def test_benchmark_aggregate_f1_convention_scores_qa_by_f1() -> None:
    scores = _synthetic("xtreme-r")
    result = benchmark_aggregate(scores, "xtreme-r", convention="f1")
    expected = _expected_task_means("xtreme-r", convention="f1")
    assert {t: e["score"] for t, e in result["tasks"].items()} == pytest.approx(expected)
    assert result["tasks"]["mlqa"]["metric"] == "f1" and result["tasks"]["xnli"]["metric"] == "accuracy"
    assert result["overall"] == pytest.approx(sum(expected.values()) / 10)
    with pytest.raises(ConfigError, match=r"^Unknown aggregation convention 'F1'\."):
        benchmark_aggregate(scores, "xtreme-r", convention="F1")


def test_benchmark_aggregate_partial_scores_are_labelled_and_never_silent() -> None:
    """xtreme-r with xnli and xcopa complete, mlqa lacking de and zh, an extra language "xx"
    everywhere: only the two classification tasks and mlqa are scored, nothing is complete."""
    full = _synthetic("xtreme-r")
    scores = {t: dict(full[t]) for t in ("xnli", "xcopa", "mlqa")}
    for t in scores:
        scores[t]["xx"] = {"accuracy": 1e6, "exact_match": 1e6, "f1": 1e6}
    del scores["mlqa"]["de"], scores["mlqa"]["zh"]
    result = benchmark_aggregate(scores, "xtreme-r")
    assert list(result["tasks"]) == ["xnli", "xcopa", "mlqa"]
    assert result["missing_tasks"] == ["udpos", "panx", "xquad", "tydiqa", "tatoeba", "mewslix", "lareqa"]
    assert result["complete"] is False and result["overall"] is None
    expected = _expected_task_means("xtreme-r")
    # mlqa languages en es de ar hi vi zh (j = 0..6), de (2) and zh (6) gone: per language 62 + j
    # for j in 0, 1, 3, 4, 5: mean 62 + 13/5; EM 60 + 13/5, F1 64 + 13/5
    mlqa = result["tasks"]["mlqa"]
    assert mlqa["missing_languages"] == ["de", "zh"] and mlqa["languages"] == 5
    assert set(mlqa["per_language"]) == {"en", "es", "ar", "hi", "vi"}
    assert mlqa["score"] == pytest.approx(62 + 13 / 5)
    assert (mlqa["exact_match"], mlqa["f1"]) == pytest.approx((60 + 13 / 5, 64 + 13 / 5))
    assert result["tasks"]["xnli"]["score"] == pytest.approx(expected["xnli"])  # "xx" ignored
    assert result["partial_overall"] == pytest.approx((expected["xnli"] + expected["xcopa"] + 62 + 13 / 5) / 3)
    # classification (xnli, xcopa) and multi_choice (xcopa) are whole; qa has mlqa only
    assert result["groups"] == pytest.approx({"classification": (expected["xnli"] + expected["xcopa"]) / 2,
                                              "multi_choice": expected["xcopa"]})


def test_benchmark_aggregate_one_missing_language_is_enough_to_withhold_the_overall() -> None:
    """Every xtreme-r task present, xquad without its last language (ro, j = 11): incomplete,
    so no overall; partial_overall is the mean of the ten task scores, xquad's now over
    j = 0..10: 10 * 5 + 5 + 2 = 57 (xquad is task 5, base 50, QA + 2)."""
    scores = _synthetic("xtreme-r")
    langs = benchmark_tasks("xtreme-r")["xquad"].languages
    del scores["xquad"][langs[-1]]
    result = benchmark_aggregate(scores, "xtreme-r")
    assert result["complete"] is False and result["overall"] is None and result["missing_tasks"] == []
    assert result["tasks"]["xquad"]["missing_languages"] == [langs[-1]] and result["tasks"]["xquad"]["score"] == 57.0
    expected = {**_expected_task_means("xtreme-r"), "xquad": 57.0}
    assert result["partial_overall"] == pytest.approx(sum(expected.values()) / 10)


def test_benchmark_aggregate_of_nothing_has_no_scores() -> None:
    result = benchmark_aggregate({}, "xtreme")
    assert result == {"version": "xtreme", "convention": "avg_metric", "tasks": {}, "groups": {}, "overall": None,
                      "complete": False, "partial_overall": None, "missing_tasks": list(benchmark_tasks("xtreme"))}


def test_benchmark_aggregate_reports_em_and_f1_only_when_every_language_has_them() -> None:
    """Under the f1 convention a QA language may lack exact_match: the task is scored by F1
    and its exact_match average is left out rather than computed from some languages."""
    langs = benchmark_tasks("xtreme")["tydiqa"].languages
    scores = {"tydiqa": {lang: {"exact_match": 0.5, "f1": 0.75} for lang in langs}}
    del scores["tydiqa"][langs[0]]["exact_match"]
    entry = benchmark_aggregate(scores, "xtreme", convention="f1")["tasks"]["tydiqa"]
    assert entry["score"] == 0.75 and entry["f1"] == 0.75 and "exact_match" not in entry
    with pytest.raises(ConfigError, match=rf"^xtreme tydiqa/{langs[0]}: no \['exact_match'\] score"):
        benchmark_aggregate(scores, "xtreme")
