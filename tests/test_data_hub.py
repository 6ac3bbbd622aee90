"""The Hub source: row converters on small in-memory datasets, and the offline failure."""

from __future__ import annotations

import socket
from typing import Any

import datasets
import pytest
from datasets import ClassLabel, Dataset, Features, Sequence, Value

from xtremer_robust.data import ChoiceItem, PairItem, QAItem, RetrievalItem, TaggingItem, load_task_data
from xtremer_robust.data import hub as hub_module
from xtremer_robust.errors import DataError, DataUnavailableError, HubUnreachableError

PANX_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


@pytest.fixture()
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str, str], Dataset]:
    """Replace ``datasets.load_dataset`` by a lookup in a dict the test fills; records the calls."""
    tables: dict[tuple[str, str, str], Dataset] = {}

    def load_dataset(path: str, name: str, *, split: str) -> Dataset:
        if (path, name, split) not in tables:
            raise AssertionError(f"unexpected Hub request {(path, name, split)}; known: {sorted(tables)}")
        return tables[(path, name, split)]

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return tables


def _qa_rows(ids: list[str]) -> dict[str, Any]:
    context = "Nairobi is the capital of Kenya."
    return {
        "id": ids,
        "title": ["t"] * len(ids),
        "context": [context] * len(ids),
        "question": [f"question {i}?" for i in range(len(ids))],
        "answers": [{"text": ["Nairobi"], "answer_start": [0]}] * len(ids),
    }


def test_xnli_labels_come_from_classlabel_names(fake_hub: dict) -> None:
    features = Features(
        {
            "premise": Value("string"),
            "hypothesis": Value("string"),
            "label": ClassLabel(names=["entailment", "neutral", "contradiction"]),
        }
    )
    fake_hub[("facebook/xnli", "sw", "test")] = Dataset.from_dict(
        {"premise": ["p0", "p1"], "hypothesis": ["h0", "h1"], "label": [0, 2]}, features=features
    )
    data = load_task_data("xnli", "sw")
    assert data.items == (
        PairItem(id="test-00000", text_a="p0", text_b="h0", label="entailment"),
        PairItem(id="test-00001", text_a="p1", text_b="h1", label="contradiction"),
    )
    assert data.sources[0].path == "hub:facebook/xnli/sw/test" and len(data.sources[0].sha256) == 64


def test_pawsx_keeps_ids_and_dev_maps_to_validation(fake_hub: dict) -> None:
    fake_hub[("google-research-datasets/paws-x", "de", "validation")] = Dataset.from_dict(
        {"id": [4, 9], "sentence1": ["a", "b"], "sentence2": ["c", "d"], "label": [1, 0]}
    )
    data = load_task_data("pawsx", "de", "dev")
    assert [(i.id, i.label) for i in data.items] == [("4", "1"), ("9", "0")]


def test_xcopa(fake_hub: dict) -> None:
    fake_hub[("cambridgeltl/xcopa", "qu", "test")] = Dataset.from_dict(
        {"premise": ["p"], "choice1": ["a"], "choice2": ["b"], "question": ["effect"], "label": [1], "idx": [0]}
    )
    data = load_task_data("xcopa", "qu")
    assert data.items == (ChoiceItem(id="test-00000", premise="p", question="effect", choices=("a", "b"), label=1),)


def test_panx_and_udpos_tags(fake_hub: dict) -> None:
    fake_hub[("google/xtreme", "PAN-X.yo", "validation")] = Dataset.from_dict(
        {"tokens": [["Adé", "lọ"]], "ner_tags": [[1, 0]]},
        features=Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=PANX_NAMES))}),
    )
    upos = "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
    fake_hub[("google/xtreme", "udpos.Yoruba", "test")] = Dataset.from_dict(
        {"tokens": [["Adé", "jẹun"]], "pos_tags": [[11, 15]]},
        features=Features({"tokens": Sequence(Value("string")), "pos_tags": Sequence(ClassLabel(names=upos))}),
    )
    expected = TaggingItem(id="dev-00000", tokens=("Adé", "lọ"), tags=("B-PER", "O"))
    assert load_task_data("panx", "yo").items == (expected,)
    assert load_task_data("udpos", "yo").items[0].tags == ("PROPN", "VERB")


def test_tag_sequence_of_wrong_length(fake_hub: dict) -> None:
    fake_hub[("google/xtreme", "PAN-X.yo", "validation")] = Dataset.from_dict(
        {"tokens": [["a", "b"], ["c", "d"]], "ner_tags": [[0, 0], [0]]},
        features=Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=PANX_NAMES))}),
    )
    with pytest.raises(DataError, match=r"hub:google/xtreme/PAN-X.yo/validation: row 2: 2 tokens but 1 ner_tags"):
        load_task_data("panx", "yo")


def test_changed_hub_layout_names_the_missing_column(fake_hub: dict) -> None:
    fake_hub[("cambridgeltl/xcopa", "qu", "test")] = Dataset.from_dict({"premise": ["p"], "label": [0]})
    expected = r"hub:cambridgeltl/xcopa/qu/test: unexpected row layout \(KeyError: 'choice1'\)"
    with pytest.raises(DataError, match=expected):
        load_task_data("xcopa", "qu")


def test_qa_sets_and_tydiqa_language_filter(fake_hub: dict) -> None:
    fake_hub[("google/xquad", "xquad.th", "validation")] = Dataset.from_dict(_qa_rows(["q1", "q2"]))
    fake_hub[("google/xtreme", "tydiqa", "validation")] = Dataset.from_dict(
        _qa_rows(["swahili-1-0", "arabic-2-0", "swahili-3-0"])
    )
    xquad = load_task_data("xquad", "th")
    assert [i.id for i in xquad.items] == ["q1", "q2"]
    assert isinstance(xquad.items[0], QAItem) and xquad.items[0].answers[0].text == "Nairobi"
    assert [i.id for i in load_task_data("tydiqa", "sw").items] == ["swahili-1-0", "swahili-3-0"]


def test_tatoeba_pairs(fake_hub: dict) -> None:
    fake_hub[("google/xtreme", "tatoeba.swh", "validation")] = Dataset.from_dict(
        {
            "source_sentence": ["Asante.", "Habari."],
            "target_sentence": ["Thanks.", "Hello."],
            "source_lang": ["swh"] * 2,
            "target_lang": ["eng"] * 2,
        }
    )
    data = load_task_data("tatoeba", "sw")
    assert [c.text for c in data.candidates] == ["Thanks.", "Hello."]
    assert data.items[1] == RetrievalItem(id="test-00001", query="Habari.", relevant=("eng-00001",))


def test_sets_without_a_hub_copy() -> None:
    with pytest.raises(DataUnavailableError, match="no copy on the Hugging Face Hub; read it from a local folder"):
        load_task_data("lareqa", "en")
    with pytest.raises(DataUnavailableError, match="Mewsli-X"):
        load_task_data("mewslix", "en")


def test_offline_fails_fast_with_the_local_options() -> None:
    """The real ``datasets.load_dataset`` under HF_DATASETS_OFFLINE=1 (set in conftest)."""
    assert hub_module.hub_is_offline()
    with pytest.raises(HubUnreachableError) as info:
        load_task_data("xnli", "sw")
    message = str(info.value)
    assert "--data-dir" in message and "XTREMER_ROBUST_DATA" in message


def test_no_route_to_the_hub_fails_before_load_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)

    def no_route(*args: Any, **kwargs: Any) -> socket.socket:
        raise OSError("Name or service not known")

    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("load_dataset must not be called without a route to the Hub")

    monkeypatch.setattr(socket, "create_connection", no_route)
    monkeypatch.setattr(datasets, "load_dataset", must_not_run)
    with pytest.raises(HubUnreachableError, match="huggingface.co: Name or service not known.*--data-dir"):
        load_task_data("xcopa", "qu")


def test_connection_error_from_datasets_becomes_hub_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Couldn't reach 'facebook/xnli' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", refuse)
    with pytest.raises(HubUnreachableError, match="Couldn't reach 'facebook/xnli'.*--data-dir"):
        load_task_data("xnli", "en", "dev")
