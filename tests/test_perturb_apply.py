"""Label-true application: tags stay aligned, answers stay valid, labels never change."""

from __future__ import annotations

import os
from dataclasses import fields as dataclass_fields
from pathlib import Path

import numpy as np
import pytest

from xtremer_robust.families.records import Answer, ChoiceItem, PairItem, QAItem, RetrievalItem, TaggingItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb import all_recipes, apply_recipe, get_recipe
from xtremer_robust.perturb.validity import validity_figures

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures" / "perturb"
LEXICON = str(FIXTURES / "neighbors.json")
NATIVE = sorted(n for n in all_recipes() if not n.startswith(("textattack_", "nlpaug_")))
REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data"


def _recipe(name: str, rate: float = 0.3):  # type: ignore[no-untyped-def]
    return get_recipe(name, rate=rate, **({"lexicon": LEXICON} if name == "code_switch" else {}))


PAIR = PairItem("p1", "हिन्दी भाषा बहुत सुंदर है।", "यह वाक्य दूसरा है।", "entailment")
CHOICE = ChoiceItem("c1", "Mwili wangu ulitoa kivuli.", "cause", ("Jua lilikuwa linachomoza.", "Nyasi zilikatwa."), 0)
TAGGING = TaggingItem("t1", ("Ilé-ìgbìmọ̀", "Aṣòfin", "ní", "Èkó", "."), ("B-ORG", "I-ORG", "O", "B-LOC", "O"))
CONTEXT = "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย มีประชากรประมาณ 10 ล้านคน"
QA = QAItem(
    "q1",
    "เมืองหลวงของประเทศไทยคืออะไร",
    CONTEXT,
    (Answer("กรุงเทพมหานคร", 0), Answer("10 ล้านคน", CONTEXT.index("10")), Answer("เมืองหลวง", CONTEXT.index("เมืองหลวง"))),
)
RETRIEVAL = RetrievalItem("r1", "Это предложение нужно найти.", ("cand-3",))
RECORDS = [(PAIR, "hi"), (CHOICE, "sw"), (TAGGING, "yo"), (QA, "th"), (RETRIEVAL, "ru")]


def _assert_label_true(before, after) -> None:  # type: ignore[no-untyped-def]
    assert type(before) is type(after) and before.id == after.id
    for name in ("label", "tags", "question", "relevant"):
        if hasattr(before, name) and not (isinstance(before, QAItem) and name == "question"):
            assert getattr(after, name) == getattr(before, name), name
    if isinstance(before, TaggingItem):
        assert len(after.tokens) == len(before.tokens)
        assert all(token and not any(c.isspace() for c in token) for token in after.tokens)
    if isinstance(before, QAItem):
        assert [a.text for a in after.answers] == [a.text for a in before.answers]
        for answer in after.answers:
            assert after.context[answer.start : answer.start + len(answer.text)] == answer.text
    if isinstance(before, ChoiceItem):
        assert len(after.choices) == len(before.choices) and after.question == before.question


@pytest.mark.parametrize("name", NATIVE)
def test_every_recipe_keeps_every_family_label_true(name: str) -> None:
    recipe = _recipe(name)
    for record, lang in RECORDS:
        for seed in range(4):
            out = apply_recipe(record, recipe, seed=seed, task="t", lang=lang)
            _assert_label_true(record, out.record)
            assert 0.0 <= out.char_edit_ratio
            assert out.changed == (out.record != record)
            if out.skipped_reason:
                assert out.record == record and not out.changed


def test_outcome_depends_on_item_identity_not_on_order() -> None:
    recipe = _recipe("char_swap")
    forward = [apply_recipe(r, recipe, seed=7, task="t", lang=lang) for r, lang in RECORDS]
    backward = [apply_recipe(r, recipe, seed=7, task="t", lang=lang) for r, lang in reversed(RECORDS)]
    assert forward == list(reversed(backward))
    other_seed = [apply_recipe(r, recipe, seed=8, task="t", lang=lang) for r, lang in RECORDS]
    assert other_seed != forward


def test_pair_fields_option_perturbs_one_side() -> None:
    recipe = _recipe("char_delete", rate=0.5)
    only_a = apply_recipe(PAIR, recipe, seed=0, task="xnli", lang="hi", fields=("text_a",)).record
    assert only_a.text_b == PAIR.text_b and only_a.text_a != PAIR.text_a
    only_b = apply_recipe(PAIR, recipe, seed=0, task="xnli", lang="hi", fields=("text_b",)).record
    assert only_b.text_a == PAIR.text_a and only_b.text_b != PAIR.text_b
    with pytest.raises(ConfigError, match="text_c"):
        apply_recipe(PAIR, recipe, seed=0, task="xnli", lang="hi", fields=("text_c",))


def test_retrieval_perturbs_the_query_only_and_qa_keeps_answers_verbatim() -> None:
    out = apply_recipe(RETRIEVAL, _recipe("char_swap", 0.6), seed=0, task="tatoeba", lang="ru")
    assert out.changed and out.record.relevant == RETRIEVAL.relevant
    qa = apply_recipe(QA, _recipe("char_insert", 0.6), seed=0, task="xquad", lang="th").record
    assert qa.context != QA.context and qa.question != QA.question
    assert [a.start for a in qa.answers] != [a.start for a in QA.answers]  # offsets were recomputed


def test_unperturbable_items_are_counted_skips() -> None:
    empty = PairItem("e", "...", "!!", "neutral")
    out = apply_recipe(empty, _recipe("char_delete"), seed=0, task="xnli", lang="en")
    assert not out.changed and out.skipped_reason and "nothing" in out.skipped_reason
    no_accents = apply_recipe(PAIR, _recipe("diacritic_strip"), seed=0, task="xnli", lang="hi")
    assert no_accents.skipped_reason is not None
    word_level = apply_recipe(TAGGING, _recipe("word_swap"), seed=0, task="panx", lang="yo")
    assert word_level.skipped_reason and "alignment" in word_level.skipped_reason
    broken = QAItem("b", "q?", "some context", (Answer("context", 0),))
    assert "answer span" in (apply_recipe(broken, _recipe("char_swap"), seed=0, task="x", lang="en").skipped_reason or "")


def test_unknown_language_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="Unknown language 'hx'"):
        apply_recipe(PAIR, _recipe("char_swap"), seed=0, task="xnli", lang="hx")


def test_code_switch_needs_a_lexicon() -> None:
    recipe = get_recipe("code_switch")
    with pytest.raises(ConfigError, match="lexicon=PATH"):
        apply_recipe(PAIR, recipe, seed=0, task="xnli", lang="en")


def test_char_edit_ratio_and_validity_figures() -> None:
    out = apply_recipe(PAIR, _recipe("char_delete", 0.3), seed=3, task="xnli", lang="hi")
    assert 0.0 < out.char_edit_ratio < 1.0
    figures = validity_figures([PAIR.text_a, PAIR.text_b], [out.record.text_a, out.record.text_b], "hi")
    assert figures["well_formed_share"] == 1.0 and figures["no_split_share"] == 1.0
    assert figures["n"] == 2


# ---- real data: skipped where the data folder is absent ------------------------------------


def _load(task: str, lang: str):  # type: ignore[no-untyped-def]
    if not REAL_DATA.exists():
        pytest.skip("real data folder absent")
    from xtremer_robust.data import load_task_data

    return load_task_data(task, lang, data_dir=REAL_DATA)


@pytest.mark.parametrize(("task", "lang"), [("panx", "yo"), ("udpos", "hi")])
def test_tags_stay_aligned_on_real_tagging_data(task: str, lang: str) -> None:
    data = _load(task, lang)
    items = data.items[:150]
    names = ("char_swap", "char_delete", "char_insert", "keyboard_typo")
    names += ("diacritic_strip", "homoglyph") if lang == "yo" else ()  # Hindi: no accents, few look-alikes
    for name in names:
        recipe = _recipe(name, 0.3)
        outs = [apply_recipe(item, recipe, seed=0, task=task, lang=lang) for item in items]
        for item, out in zip(items, outs):
            _assert_label_true(item, out.record)
        assert sum(o.changed for o in outs) > len(items) // 3, name
        originals = [" ".join(i.tokens) for i in items]
        figures = validity_figures(originals, [" ".join(o.record.tokens) for o in outs], lang, rewrites_marks=recipe.rewrites_marks)
        assert figures["well_formed_share"] == 1.0 and figures["no_split_share"] == 1.0, (name, figures)


def test_answers_stay_valid_on_real_xquad_thai() -> None:
    data = _load("xquad", "th")
    items = data.items[:120]
    for name in ("char_swap", "char_insert", "whitespace_noise", "word_delete", "invisible_chars"):
        recipe = _recipe(name, 0.3)
        outs = [apply_recipe(item, recipe, seed=0, task="xquad", lang="th") for item in items]
        for item, out in zip(items, outs):
            _assert_label_true(item, out.record)
        assert sum(o.changed for o in outs) > len(items) // 2, name


def test_language_identifier_agreement_drops_with_heavy_noise() -> None:
    pytest.importorskip("py3langid")
    clean = [
        "Das ist ein ganz normaler deutscher Satz über das Wetter in Köln.",
        "Wir gehen morgen früh mit den Kindern in den Park.",
        "Der Zug nach Berlin hat heute leider eine Stunde Verspätung.",
    ]
    heavy = [_recipe("char_substitute", 0.9).perturb(t, lang="de", rng=np.random.default_rng(i)) for i, t in enumerate(clean)]
    light = [_recipe("char_swap", 0.03).perturb(t, lang="de", rng=np.random.default_rng(i)) for i, t in enumerate(clean)]
    heavy_figures = validity_figures(clean, heavy, "de")
    light_figures = validity_figures(clean, light, "de")
    assert heavy_figures["langid_clean_match"] == 1.0
    # nine letters in ten replaced: the identifier no longer sees German
    assert heavy_figures["langid_agreement"] is not None and heavy_figures["langid_agreement"] < 0.5
    assert light_figures["langid_agreement"] in (None, 1.0)  # None only if the light noise changed nothing
