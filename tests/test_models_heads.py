"""Model resolution and head loading: ids, folders, offline Hub, missing heads, label checks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpers.models import build_model
from xtremer_robust.errors import HubUnreachableError, ModelError
from xtremer_robust.models import label_mapping, load_model, prefixes_for, resolve_model, scorable_tasks
from xtremer_robust.tasks import get_task

XNLI_LABELS = ["contradiction", "entailment", "neutral"]


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(tmp_path_factory.mktemp("enc"), "retrieval")


def test_local_folder_resolves_with_hashes(encoder_dir: Path) -> None:
    info = resolve_model(str(encoder_dir))
    assert Path(info.path) == encoder_dir.resolve()
    assert len(info.weights_sha256) == 64 and len(info.tokenizer_sha256) == 64
    assert info.quantized_4bit_expanded is False
    assert resolve_model(str(encoder_dir)).cache_key == info.cache_key


def test_missing_folder_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "nope"))


def test_revision_on_a_folder_is_refused(encoder_dir: Path) -> None:
    with pytest.raises(ModelError, match="--revision"):
        resolve_model(str(encoder_dir), revision="main")


def test_offline_hub_fails_fast_with_a_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    started = time.perf_counter()
    with pytest.raises(HubUnreachableError, match="builtin:me5-small"):
        resolve_model("some-org/some-model-that-is-not-cached")
    assert time.perf_counter() - started < 10


def test_folder_without_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weights").mkdir()
    with pytest.raises(ModelError, match="config.json"):
        resolve_model(str(tmp_path / "weights"))


def test_encoder_cannot_score_xnli_and_says_what_it_can(encoder_dir: Path) -> None:
    info = resolve_model(str(encoder_dir))
    with pytest.raises(ModelError) as caught:
        load_model(info, get_task("xnli"))
    message = str(caught.value)
    assert "SequenceClassification head" in message and "tatoeba" in message and "lareqa" in message


def test_head_weights_absent_are_detected(tmp_path: Path) -> None:
    # config.json claims a classification head, but the weights hold only the encoder
    import json

    folder = build_model(tmp_path / "m", "retrieval")
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["BertForSequenceClassification"]
    config["id2label"] = dict(enumerate(XNLI_LABELS))
    config["label2id"] = {v: k for k, v in enumerate(XNLI_LABELS)}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="classifier"):
        load_model(resolve_model(str(folder)), get_task("xnli"))


def test_label_mismatch_names_both_sides(tmp_path: Path) -> None:
    folder = build_model(tmp_path / "m", "pair_classification", labels=["positive", "negative", "neutral"])
    with pytest.raises(ModelError) as caught:
        load_model(resolve_model(str(folder)), get_task("xnli"))
    assert "positive" in str(caught.value) and "contradiction" in str(caught.value)


def test_label_count_mismatch(tmp_path: Path) -> None:
    folder = build_model(tmp_path / "m", "pair_classification", labels=["a", "b"])
    with pytest.raises(ModelError, match="2 outputs"):
        load_model(resolve_model(str(folder)), get_task("xnli"))


def test_labels_map_by_name_in_any_order_and_case(tmp_path: Path) -> None:
    folder = build_model(tmp_path / "m", "pair_classification", labels=["Neutral", "contradiction", "ENTAILMENT"])
    loaded = load_model(resolve_model(str(folder)), get_task("xnli"))
    assert loaded.id2label == {0: "neutral", 1: "contradiction", 2: "entailment"}
    assert loaded.info.head == "AutoModelForSequenceClassification" and loaded.info.n_parameters > 0


def test_generic_labels_follow_the_task_order() -> None:
    class Config:
        id2label = {0: "LABEL_0", 1: "LABEL_1"}

    assert label_mapping(Config(), get_task("pawsx"), "m") == {0: "0", 1: "1"}


def test_scorable_tasks_by_architecture() -> None:
    assert "xnli" in scorable_tasks(["XLMRobertaForSequenceClassification"])
    assert "xnli" not in scorable_tasks(["BertModel"]) and "tatoeba" in scorable_tasks(["BertModel"])


def test_e5_prefixes() -> None:
    assert prefixes_for("builtin:me5-small").query == "query: "
    assert prefixes_for("intfloat/multilingual-e5-base").passage == "passage: "
    assert prefixes_for("xlm-roberta-base").query == ""
