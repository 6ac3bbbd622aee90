"""SQuAD v1.1 and MLQA answer normalisation, EM and F1 (expected values worked out by hand)."""

from __future__ import annotations

import pytest

from xtremer_robust.families.records import Answer, QAItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics import MlqaEmF1, SquadEmF1, mlqa_normalize, squad_normalize
from xtremer_robust.metrics.qa import token_f1

#: (language, raw answer, normalised) following mlqa_evaluation_v1.py rule by rule.
MLQA_NORMALISED = [
    # zh: mixed segmentation, one token per CJK ideograph; Latin runs stay whole; fullwidth
    # punctuation (Unicode category P) is dropped before segmenting.
    ("zh", "北京大学（PKU）。", "北 京 大 学 pku"),
    ("zh", "2008年 奥运会", "2008 年 奥 运 会"),
    # ar: every "ال" is removed (the script's regex), wherever it occurs
    ("ar", "الكتاب الجديد", "كتاب جديد"),
    ("ar", "فالعلم، نور!", "ف علم نور"),
    # de: German articles and Unicode quotes
    ("de", "Der Hund „bellt“ den Mond an", "hund bellt mond an"),
    # es: Spanish articles, inverted punctuation
    ("es", "¡Los perros de la casa!", "perros de casa"),
    # vi: the script's Vietnamese "articles" (của, là, cái, chiếc, những)
    ("vi", "Những cái bàn của tôi", "bàn tôi"),
    # hi: no articles; the danda (U+0964, category Po) is punctuation
    ("hi", "भारत की राजधानी।", "भारत की राजधानी"),
    # en: as SQuAD, plus Unicode punctuation such as the em dash, which is deleted (not
    # replaced by a space) before articles go, so "cat—a" becomes one token "cata"
    ("en", "The cat—a big one", "cata big one"),
]


@pytest.mark.parametrize(("lang", "raw", "normalised"), MLQA_NORMALISED)
def test_mlqa_normalisation(lang: str, raw: str, normalised: str):
    assert mlqa_normalize(raw, lang) == normalised


def test_squad_normalisation_is_english_and_ascii_only():
    assert squad_normalize("The  Cat's hat, a red one!") == "cats hat red one"
    # Only ASCII punctuation goes: the em dash and fullwidth brackets stay.
    assert squad_normalize("北京大学（PKU）") == "北京大学（pku）"
    assert squad_normalize("el perro") == "el perro"  # no Spanish articles in SQuAD


def test_zh_f1_differs_between_squad_and_mlqa():
    # SQuAD splits on whitespace only: "136 次擒杀" vs "136 次" share one of two tokens each.
    assert token_f1("136 次擒杀", "136 次", squad_normalize) == pytest.approx(0.5)
    # MLQA segments ideographs: pred {1 3 6 次 擒 杀} -> "136","次","擒","杀" (4), gold "136","次" (2)
    assert token_f1("136 次擒杀", "136 次", lambda s: mlqa_normalize(s, "zh")) == pytest.approx(2 * (2 / 4) * 1 / (2 / 4 + 1))


def test_em_and_f1_take_the_best_gold_answer():
    metric = SquadEmF1()
    item = QAItem(id="q1", question="?", context="the red fox and a dog",
                  answers=(Answer("the red fox", 0), Answer("dog", 18)))
    assert metric.item_stats(prediction="a dog", reference=item) == (1.0, 1.0)
    em, f1 = metric.item_stats(prediction="red fox jumps", reference=item)
    assert em == 0.0
    assert f1 == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))  # vs "red fox": P 2/3, R 1
    assert metric.item_stats(prediction=None, reference=["x"]) == (0.0, 0.0)  # unanswered


def test_mlqa_spanish_articles_change_the_score():
    gold = ["el perro"]
    assert MlqaEmF1("es").item_stats(prediction="perro", reference=gold) == (1.0, 1.0)
    em, f1 = SquadEmF1().item_stats(prediction="perro", reference=gold)
    assert (em, f1) == (0.0, pytest.approx(2 / 3))


def test_headline_is_f1_with_exact_match_beside_it():
    metric = SquadEmF1()
    stats = metric.batch_stats(predictions=["x y", "c"], references=[["x y z w"], ["c"]])
    scores = metric.scores(stats)
    assert list(scores) == ["f1", "exact_match"]
    assert scores["exact_match"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx((2 * 0.5 * 1 / 1.5 + 1.0) / 2)


def test_bad_inputs_are_refused_clearly():
    with pytest.raises(ConfigError, match="unknown answer language 'ja'"):
        MlqaEmF1("ja")
    with pytest.raises(ConfigError, match="at least one gold answer"):
        SquadEmF1().item_stats(prediction="x", reference=[])
    with pytest.raises(ConfigError, match="answer text as a string"):
        SquadEmF1().item_stats(prediction=3, reference=["3"])
