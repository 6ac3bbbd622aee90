"""The family registry: each family object declares what the other parts ask of it.

These tests pin the declarations (a changed head, reader layout, editable field, head key
or prefix rule fails here) and the behaviour that moved out of string comparisons.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from xtremer_robust.data.hub import convert_rows
from xtremer_robust.data.local import READERS
from xtremer_robust.families.records import Answer, ChoiceItem, PairItem, QAItem, RetrievalItem, TaggingItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import (
    FAMILIES,
    MULTIPLE_CHOICE,
    PAIR_CLASSIFICATION,
    RETRIEVAL,
    SPAN_QA,
    TAGGING,
    family_of_record,
    get_family,
)
from xtremer_robust.families.retrieval import ranking_from_prediction
from xtremer_robust.metrics import get_metric
from xtremer_robust.models import HeadKey, ModelInfo, Prefixes
from xtremer_robust.perturb import DEFAULT_FIELDS
from xtremer_robust.runner.retrieval import side_prefixes
from xtremer_robust.tasks import all_tasks, get_task

#: family -> (Auto class, architecture suffix, task-specific head), as transformers names them.
HEADS = {
    "pair_classification": ("AutoModelForSequenceClassification", "ForSequenceClassification", True),
    "multiple_choice": ("AutoModelForMultipleChoice", "ForMultipleChoice", False),
    "tagging": ("AutoModelForTokenClassification", "ForTokenClassification", True),
    "span_qa": ("AutoModelForQuestionAnswering", "ForQuestionAnswering", False),
    "retrieval": ("AutoModel", "", False),
}


def test_every_family_is_registered_once_with_its_head() -> None:
    assert list(FAMILIES) == list(HEADS)
    for name, family in FAMILIES.items():
        head = family.head
        assert (head.auto_class, head.architecture_suffix, head.task_labels) == HEADS[name], name
        assert family.record_type.family == name  # record types name their family
        assert get_family(name) is family


def test_declarations_fit_the_record_types_and_readers() -> None:
    for family in FAMILIES.values():
        fields = {f.name for f in dataclasses.fields(family.record_type)}
        assert set(family.perturbable) <= fields and set(family.attack_fields) <= fields, family.name
        assert all(rule.format in READERS for rule in family.readers), family.name
        assert (family.featurizer is None) == family.uses_candidates, family.name
    assert DEFAULT_FIELDS == {f.record_type: f.perturbable for f in FAMILIES.values()}
    assert [f for f in FAMILIES.values() if f.attackable] == [PAIR_CLASSIFICATION, MULTIPLE_CHOICE, TAGGING, SPAN_QA]


@pytest.mark.parametrize(
    ("family", "name", "expected"),
    [
        (TAGGING, "udpos/en_ewt-ud-test.conllu", "conllu"),
        (TAGGING, "panx/dev-yo.tsv", "token_tag_tsv"),
        (PAIR_CLASSIFICATION, "xnli/test-sw.tsv", "pair_tsv"),
        (MULTIPLE_CHOICE, "xcopa/test.qu.jsonl", "choice_jsonl"),
        (SPAN_QA, "xquad/xquad.th.json", "squad_json"),
        (RETRIEVAL, "lareqa/de.json", "xquad_r"),
        (RETRIEVAL, "tatoeba/tatoeba.swh-eng.swh", "tatoeba"),
        (PAIR_CLASSIFICATION, "xnli/test-sw.json", None),
        (MULTIPLE_CHOICE, "xcopa/test.qu.json", None),
    ],
)
def test_reader_layouts(family, name: str, expected: str | None) -> None:
    assert family.reader_for(name) == expected


def test_unknown_family_and_record_type_answer_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'tagging'"):
        get_family("taging")
    with pytest.raises(ConfigError, match="Unknown record type 'dict'"):
        family_of_record({})


def test_item_stats_compare_predictions_with_the_family_references() -> None:
    pairs = [PairItem("a", "x", "y", "entailment"), PairItem("b", "x", "z", "neutral")]
    stats = PAIR_CLASSIFICATION.item_stats(get_metric("accuracy"), pairs, ["entailment", "entailment"])
    assert stats.tolist() == [[1.0], [0.0]]
    assert PAIR_CLASSIFICATION.item_stats(get_metric("accuracy"), [PairItem("c", "x", "y", None)], ["neutral"]) is None
    assert not PAIR_CLASSIFICATION.is_labelled([PairItem("c", "x", "y", None)])
    tags = [TaggingItem("t", ("Ada", "wrote"), ("B-PER", "O"))]
    assert TAGGING.references(tags) == [["B-PER", "O"]]
    qa = [QAItem("q", "who?", "Ada wrote", (Answer("Ada", 0),)), QAItem("r", "who?", "Ada wrote", ())]
    assert SPAN_QA.references(qa) == [qa[0], None]
    choice = [ChoiceItem("c", "p", "cause", ("a", "b"), 1)]
    assert MULTIPLE_CHOICE.item_stats(get_metric("accuracy"), choice, [1]).tolist() == [[1.0]]


def test_retrieval_rankings_put_every_relevant_id_at_its_exact_rank() -> None:
    prediction = {"top": ["c3", "c1"], "relevant_ranks": [1, 25, None]}
    ranking = ranking_from_prediction(prediction, ["c3", "c9", "c7"])
    assert len(ranking) == 25 and ranking[0] == "c3" and ranking[24] == "c9" and "c7" not in ranking
    item = RetrievalItem("q", "query", ("c3", "c9"))
    stats = RETRIEVAL.item_stats(get_metric("map"), [item], [{"top": ["c3", "c1"], "relevant_ranks": [1, 25]}])
    assert stats[0, 0] == pytest.approx((1 / 1 + 2 / 25) / 2)  # AP with hits at ranks 1 and 25


def test_gold_scores_judge_one_prediction() -> None:
    assert PAIR_CLASSIFICATION.gold_score(PairItem("a", "x", "y", "neutral"), "neutral") == 1.0
    assert TAGGING.gold_score(TaggingItem("t", ("a", "b"), ("O", "B-PER")), ["O", "O"]) == 0.5
    assert SPAN_QA.gold_score(QAItem("q", "who?", "Ada Lovelace", (Answer("Ada Lovelace", 0),)), "Ada") == pytest.approx(2 / 3)
    assert RETRIEVAL.gold_score is None


def test_head_keys_share_a_head_across_tasks_only_where_it_is_not_task_specific() -> None:
    assert HeadKey.for_task(get_task("xnli")) != HeadKey.for_task(get_task("pawsx"))  # different label sets
    assert HeadKey.for_task(get_task("udpos")) != HeadKey.for_task(get_task("panx"))
    assert HeadKey.for_task(get_task("xquad")) == HeadKey.for_task(get_task("mlqa")) == HeadKey.for_task(get_task("tydiqa"))
    assert HeadKey.for_task(get_task("tatoeba")) == HeadKey.for_task(get_task("lareqa"))


def test_model_info_is_immutable() -> None:
    info = ModelInfo(id="m", revision=None, path="p", weights_sha256="w", tokenizer_sha256="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.dtype = "bfloat16"  # type: ignore[misc]
    assert dataclasses.replace(info, dtype="bfloat16").cache_key != info.cache_key


def test_symmetric_prefix_comes_from_the_task_entry() -> None:
    loaded = SimpleNamespace(info=SimpleNamespace(prefixes=Prefixes(query="q: ", passage="p: ", symmetric="s: ")))
    assert [name for name, spec in all_tasks().items() if spec.symmetric_prefix] == ["tatoeba"]
    assert side_prefixes(loaded, "tatoeba") == ("s: ", "s: ")  # bitext: both sides the same kind of text
    assert side_prefixes(loaded, "lareqa") == ("q: ", "p: ")


def test_hub_converters_are_named_by_the_entry_and_label_names_fill_in() -> None:
    rows = [{"premise": "a", "hypothesis": "b", "label": 0}, {"premise": "c", "hypothesis": "d", "label": 2}]
    items, _ = convert_rows(get_task("xnli"), "sw", "test", rows)  # no features: tasks.yaml's label_names
    assert [i.label for i in items] == ["entailment", "contradiction"]  # facebook/xnli order, not the head's
    qa_rows = [
        {"id": "swahili-1", "question": "q", "context": "c x", "answers": {"text": ["c"], "answer_start": [0]}},
        {"id": "english-1", "question": "q", "context": "c x", "answers": {"text": ["c"], "answer_start": [0]}},
    ]
    assert [i.id for i in convert_rows(get_task("tydiqa"), "sw", "test", qa_rows)[0]] == ["swahili-1"]
    assert [i.id for i in convert_rows(get_task("xquad"), "sw", "test", qa_rows)[0]] == ["swahili-1", "english-1"]
    assert get_task("xnli").hub.converter == "pairs" and get_task("tydiqa").hub.converter == "squad_by_language"


def test_registry_vocabularies_match_the_parts_that_implement_them() -> None:
    """tasks.yaml may name only converters and metrics that exist (and every converter is nameable)."""
    from xtremer_robust.data.hub import CONVERTERS
    from xtremer_robust.metrics import available_metrics
    from xtremer_robust.tasks import HUB_CONVERTERS, METRICS

    assert set(HUB_CONVERTERS) == set(CONVERTERS)
    assert set(METRICS) <= set(available_metrics())


def test_every_task_has_the_leaderboard_file_kind_its_family_declares() -> None:
    from xtremer_robust.report.xtreme_layout import KINDS, layout_kind

    for name, spec in all_tasks().items():
        assert spec.family.layout_kind(spec.leaderboard_ext) == layout_kind(name) in KINDS, name
    assert RETRIEVAL.layout_kind("tsv") == "index" and RETRIEVAL.layout_kind("json") == "ranked"
    assert PAIR_CLASSIFICATION.layout_kind("json") is None
