"""The attack part: the greedy character-level search and adversarial filtering, against a tiny deterministic fake model."""

from __future__ import annotations

from typing import Any, Sequence

import pytest
import regex

from xtremer_robust.families.records import PairItem, Record, TaggingItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.attack import attack_items, hard_items
from xtremer_robust.families import PAIR_CLASSIFICATION, RETRIEVAL


class KeywordModel:
    """Predicts 'entailment' unless the item's keyword (looked up by item id) is no longer intact.

    A deterministic stand-in for a classifier: one important word per item, the rest
    irrelevant, so the attack must find and edit that word to flip the prediction. Items
    without a keyword are always 'entailment'.
    """

    def __init__(self, keywords: dict[str, str]):
        self.keywords = keywords
        self.calls = 0

    def _intact(self, item: Record) -> float:
        text = f"{item.text_a} {item.text_b}" if isinstance(item, PairItem) else " ".join(item.tokens)
        keyword = self.keywords.get(item.id)
        return 1.0 if keyword is None or keyword in regex.findall(r"[\p{L}\p{M}]+", text) else 0.0

    def predict(self, items: Sequence[Record]) -> list[dict[str, float]]:
        self.calls += len(items)
        return [{"entailment": self._intact(i), "contradiction": 1 - self._intact(i)} for i in items]

    def gold_score(self, item: Record, prediction: dict[str, float]) -> float:
        return prediction[item.label] if isinstance(item, PairItem) else prediction["entailment"]

    def is_correct(self, item: Record, prediction: dict[str, float]) -> bool:
        gold = item.label if isinstance(item, PairItem) else "entailment"
        return max(prediction, key=prediction.get) == gold


ITEMS = [
    PairItem("0", "the cat sleeps on a warm mat", "a cat rests", "entailment"),
    PairItem("1", "बिल्ली गर्म चटाई पर सोती है", "बिल्ली आराम करती है", "entailment"),
    PairItem("2", "dogs bark loudly", "dogs are quiet", "contradiction"),  # the model gets this wrong
]
KEYWORDS = {"0": "sleeps", "1": "चटाई", "t0": "cat"}


def PerItemModel(keywords: dict[str, str] = KEYWORDS) -> KeywordModel:
    return KeywordModel(keywords)


def test_attack_flips_by_editing_the_important_word_and_keeps_labels() -> None:
    model = PerItemModel()
    report = attack_items(model, ITEMS, seed=3, task="xnli", lang="hi", budget=0.5)
    by_id = {r.id: r for r in report.results}
    assert by_id["2"].status == "skipped"  # already wrong: not attacked
    for i in ("0", "1"):
        result = by_id[i]
        assert result.status == "success"
        assert result.words_edited == 1  # the keyword had the highest leave-one-out importance
        assert result.record.label == ITEMS[int(i)].label and result.record.id == i
        assert 0 < result.char_edit_ratio < 0.2
        # grapheme safety: every cluster of the result is a cluster of the source or a single letter
        for text in (result.record.text_a, result.record.text_b):
            assert not regex.match(r"\p{M}", text)
            assert all(not regex.match(r"^\p{M}", w) for w in text.split(" "))
    # queries: 1 clean + one per word (leave-one-out) + one per edit, counted per item
    words_0 = len(ITEMS[0].text_a.split()) + len(ITEMS[0].text_b.split())
    assert by_id["0"].queries == 1 + words_0 + 1
    summary = report.summary()
    assert summary["attack_success_rate"] == 1.0 and summary["n_attacked"] == 2
    assert summary["queries_per_item"] == (by_id["0"].queries + by_id["1"].queries) / 2


def test_attack_is_deterministic_and_budget_bounded() -> None:
    first = attack_items(PerItemModel(), ITEMS, seed=5, task="xnli", lang="en", budget=0.2)
    second = attack_items(PerItemModel(), ITEMS, seed=5, task="xnli", lang="en", budget=0.2)
    assert first.results == second.results

    class Stubborn(KeywordModel):
        def _intact(self, item: Record) -> float:
            return 1.0

    robust = attack_items(Stubborn({}), ITEMS[:1], seed=5, task="xnli", lang="en", budget=0.25)
    result = robust.results[0]
    n_words = len(ITEMS[0].text_a.split()) + len(ITEMS[0].text_b.split())
    assert result.status == "failed" and result.words_edited <= max(1, int(0.25 * n_words))
    assert robust.success_rate == 0.0
    with pytest.raises(ConfigError, match="budget"):
        attack_items(Stubborn({}), ITEMS, seed=5, task="xnli", lang="en", budget=1.5)


def test_tagging_attack_keeps_tokens_aligned() -> None:
    item = TaggingItem("t0", ("the", "cat", "sleeps"), ("O", "B-ANIMAL", "O"))
    report = attack_items(PerItemModel(), [item], seed=1, task="panx", lang="en", budget=1.0)
    result = report.results[0]
    assert result.status == "success"
    assert len(result.record.tokens) == 3 and result.record.tags == item.tags
    assert result.record.tokens[1] != "cat" and result.record.tokens[0] == "the"


def test_hard_items_are_the_reference_models_mistakes() -> None:
    hard, stats = hard_items(PerItemModel(), ITEMS)
    assert [r.id for r in hard] == ["2"]
    assert stats == {"n_items": 3, "n_hard": 1, "hard_share": 1 / 3}


def test_adversarial_subsets_are_written_verified_and_loadable(tmp_path) -> None:
    from xtremer_robust.data.taskdata import TaskData
    from xtremer_robust.subsets import iter_index, load_subset, verify_subsets
    from xtremer_robust.attack import write_adversarial_subsets

    data = TaskData("xnli", "hi", "test", "pair_classification", tuple(ITEMS))
    manifests = write_adversarial_subsets(tmp_path, data, PerItemModel(), model="Fake/Keyword-1", seed=3, budget=0.5)
    assert manifests["adv"]["variant"] == "adv-fake_keyword-1"
    assert manifests["adv"]["item_ids"] == ["0", "1"] and manifests["adv"]["attack"]["attack_success_rate"] == 1.0
    assert manifests["hard"]["item_ids"] == ["2"]
    assert verify_subsets(tmp_path) == []
    assert {e["variant"] for e in iter_index(tmp_path)} == {"adv-fake_keyword-1", "hard-fake_keyword-1"}
    loaded, _ = load_subset(tmp_path, "xnli", "hi", "test", "adv-fake_keyword-1")
    assert [i.label for i in loaded.items] == ["entailment", "entailment"]


def test_runner_target_scores_hard_labels(monkeypatch) -> None:
    from types import SimpleNamespace

    import xtremer_robust.attack.runner_target as runner_target
    from xtremer_robust.attack.runner_target import RunnerTarget, token_f1
    from xtremer_robust.families.records import Answer, QAItem

    def fake_predict_items(loaded, items, *, cache, settings, device):
        return ["entailment" if "sleeps" in i.text_a.split() else "neutral" for i in items], len(items)

    monkeypatch.setattr(runner_target, "predict_items", fake_predict_items)
    target = RunnerTarget(SimpleNamespace(family=PAIR_CLASSIFICATION), cache=None, settings=None)
    report = attack_items(target, ITEMS[:1], seed=0, task="xnli", lang="en", budget=1.0)
    assert report.results[0].status == "success"  # only the edit of "sleeps" flips it
    assert "sleeps" not in report.results[0].record.text_a.split()
    qa = QAItem("q", "who?", "Ada Lovelace wrote it", (Answer("Ada Lovelace", 0),))
    assert target.is_correct(qa, "Ada Lovelace") and not target.is_correct(qa, "it")
    assert token_f1("Ada", ["Ada Lovelace"]) == 2 * 1 * 0.5 / 1.5
    tag = TaggingItem("t", ("a", "b"), ("O", "B-PER"))
    assert target.gold_score(tag, ["O", "O"]) == 0.5 and not target.is_correct(tag, ["O", "O"])
    with pytest.raises(ConfigError, match="retrieval"):
        RunnerTarget(SimpleNamespace(family=RETRIEVAL), cache=None, settings=None)


def test_attack_against_a_tiny_real_model_through_the_runner(tmp_path) -> None:
    """Plumbing on a tiny random checkpoint: the runner predicts, the attack counts and stays label-true."""
    pytest.importorskip("torch")
    from helpers.models import TINY_DATA, build_model

    from xtremer_robust.data import load_task_data
    from xtremer_robust.models import load_model, resolve_model
    from xtremer_robust.runner import PredictionCache, RunSettings
    from xtremer_robust.attack import RunnerTarget
    from xtremer_robust.tasks import get_task

    labels = ["contradiction", "entailment", "neutral"]
    model_dir = build_model(tmp_path / "model", "pair_classification", labels=labels)
    loaded = load_model(resolve_model(str(model_dir)), get_task("xnli"))
    items = load_task_data("xnli", "sw", data_dir=TINY_DATA).items[:4]
    with PredictionCache(tmp_path / "cache.sqlite") as cache:
        target = RunnerTarget(loaded, cache=cache, settings=RunSettings(device="cpu"), device="cpu")
        first = attack_items(target, items, seed=0, task="xnli", lang="sw", budget=0.5)
        again = attack_items(target, items, seed=0, task="xnli", lang="sw", budget=0.5)
    assert [r.record for r in first.results] == [r.record for r in again.results]
    for item, result in zip(items, first.results):
        assert result.record.id == item.id and result.record.label == item.label
        assert result.queries >= 1 and result.status in ("success", "failed", "skipped")
        if result.status != "skipped":
            assert result.queries > 1
    assert 0.0 <= first.success_rate <= 1.0


def test_build_subsets_attack_option_writes_adversarial_subsets(tmp_path) -> None:
    pytest.importorskip("torch")
    from helpers.models import TINY_DATA, build_model
    from typer.testing import CliRunner

    from xtremer_robust.cli import app
    from xtremer_robust.subsets import iter_index, verify_subsets

    model_dir = build_model(tmp_path / "tiny-xnli", "pair_classification",
                            labels=["contradiction", "entailment", "neutral"])
    out = tmp_path / "out"
    args = ["build-subsets", "--data-dir", str(TINY_DATA), "--out", str(out), "--tasks", "xnli,tatoeba",
            "--langs", "sw", "--recipes", "clean", "--no-generalized", "--attack", str(model_dir), "--limit", "4"]
    result = CliRunner().invoke(app, args, env={"XTREMER_ROBUST_CACHE": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.output
    assert "attack xnli/sw/test: success rate" in result.output
    assert "attack skipped" in result.output and "tatoeba" in result.output
    variants = {e["variant"] for e in iter_index(out) if e["task"] == "xnli"}
    assert variants == {"clean", "adv-tiny-xnli", "hard-tiny-xnli"}
    assert verify_subsets(out) == []
    bad = CliRunner().invoke(app, args + ["--attack-budget", "2"])
    assert bad.exit_code == 2 and "--attack-budget" in bad.output
