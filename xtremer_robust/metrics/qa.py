"""Extractive QA: exact match and token F1, with SQuAD's and MLQA's answer normalisation.

- SQuAD v1.1 (``evaluate-v1.1.py``, Rajpurkar et al. 2016), which XTREME applies to XQuAD
  and TyDiQA-GoldP: lower-case, drop ASCII punctuation, drop English articles, split on
  whitespace.
- MLQA (``mlqa_evaluation_v1.py``, Lewis et al. 2020, github facebookresearch/MLQA), which
  XTREME applies to MLQA: drop every Unicode punctuation character (category P*) plus ASCII
  punctuation, drop the answer language's articles, then split on whitespace, or, for
  Chinese, "mixed segmentation" (each CJK ideograph of U+4E00..U+9FA5 and each punctuation
  character is a token of its own). The Arabic rule removes every ``ال`` substring, the
  script's regex ``\\sال^|ال`` as written (its first branch can never match).

Per question: the maximum over its gold answers, as both scripts do; a question without a
prediction scores 0 on both. Stats ``(em, f1)``; the headline is F1, exact match is the
secondary score (``aggregate_secondary("exact_match", ...)``). XTREME's own task score for
QA is ``(EM + F1) / 2``; see :func:`xtremer_robust.metrics.xtreme.xtreme_aggregate`.
"""

from __future__ import annotations

import re
import string
import sys
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterable

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric, column_mean

__all__ = [
    "MLQA_LANGUAGES",
    "squad_normalize",
    "mlqa_normalize",
    "exact_match",
    "token_f1",
    "SquadEmF1",
    "MlqaEmF1",
]

_SQUAD_PUNCT = frozenset(string.punctuation)
_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")

#: Article patterns of ``mlqa_evaluation_v1.py`` per answer language (None: no articles).
_MLQA_ARTICLES: dict[str, re.Pattern[str] | None] = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "hi": None,  # Hindi has no formal articles
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile(r"\sال^|ال"),  # as in the script: removes every "ال"
    "zh": None,  # Chinese has no formal articles
}
_MLQA_WHITESPACE = frozenset({"en", "es", "hi", "vi", "de", "ar"})
_MLQA_MIXED = frozenset({"zh"})
MLQA_LANGUAGES: tuple[str, ...] = tuple(sorted(_MLQA_ARTICLES))
_CJK = re.compile(r"[\u4e00-\u9fa5]")


@lru_cache(maxsize=1)
def _unicode_punct() -> frozenset[str]:
    """Every code point whose Unicode category starts with P, plus ASCII punctuation (MLQA)."""
    chars = {chr(i) for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith("P")}
    return frozenset(chars | _SQUAD_PUNCT)


def squad_normalize(text: str) -> str:
    """SQuAD v1.1 normalisation: lower, drop ASCII punctuation, drop a/an/the, squeeze spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _SQUAD_PUNCT)
    return " ".join(_SQUAD_ARTICLES.sub(" ", text).split())


def _mixed_segmentation(text: str, punct: frozenset[str]) -> list[str]:
    tokens: list[str] = []
    pending = ""
    for ch in text:
        if _CJK.search(ch) or ch in punct:
            tokens.extend(pending.split())
            pending = ""
            tokens.append(ch)
        else:
            pending += ch
    tokens.extend(pending.split())
    return tokens


def _check_mlqa_language(lang: str) -> str:
    if lang not in _MLQA_ARTICLES:
        raise ConfigError(
            f"MLQA normalisation: unknown answer language '{lang}'; "
            f"mlqa_evaluation_v1.py defines {', '.join(MLQA_LANGUAGES)}"
        )
    return lang


def mlqa_normalize(text: str, lang: str) -> str:
    """MLQA normalisation for answer language ``lang`` (see the module docstring)."""
    _check_mlqa_language(lang)
    punct = _unicode_punct()
    text = "".join(ch for ch in text.lower() if ch not in punct)
    articles = _MLQA_ARTICLES[lang]
    if articles is not None:
        text = articles.sub(" ", text)
    tokens = _mixed_segmentation(text, punct) if lang in _MLQA_MIXED else text.split()
    return " ".join(t for t in tokens if t.strip() != "")


def exact_match(prediction: str, gold: str, normalize: Callable[[str], str]) -> float:
    """1.0 when both normalise to the same string."""
    return float(normalize(prediction) == normalize(gold))


def token_f1(prediction: str, gold: str, normalize: Callable[[str], str]) -> float:
    """Bag-of-tokens F1 of the normalised strings (0 when nothing overlaps, as the scripts)."""
    pred_tokens = normalize(prediction).split()
    gold_tokens = normalize(gold).split()
    same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def _gold_texts(reference: Any) -> list[str]:
    """Gold answer strings from a QAItem, a sequence of Answer records, or of strings."""
    answers = getattr(reference, "answers", reference)
    if isinstance(answers, str):
        return [answers]
    texts = [getattr(a, "text", a) for a in answers] if isinstance(answers, Iterable) else []
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ConfigError(
            f"QA reference: expected at least one gold answer (QAItem, Answer records or strings), got {reference!r}"
        )
    return texts


class _EmF1(Metric):
    headline: ClassVar[str] = "f1"
    stat_names: ClassVar[tuple[str, ...]] = ("em", "f1")
    secondary_names: ClassVar[tuple[str, ...]] = ("exact_match",)

    def normalize(self, text: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        """(max EM, max F1) over the gold answers; an unanswered question (None) is (0, 0)."""
        golds = _gold_texts(reference)
        if prediction is None:
            return (0.0, 0.0)
        if not isinstance(prediction, str):
            raise ConfigError(f"QA prediction: expected the answer text as a string, got {type(prediction).__name__}")
        em = max(exact_match(prediction, g, self.normalize) for g in golds)
        f1 = max(token_f1(prediction, g, self.normalize) for g in golds)
        return (em, f1)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 1)

    def aggregate_secondary(self, name: str, stats: np.ndarray) -> np.ndarray:
        if name == "exact_match":
            return column_mean(stats, 0)
        return super().aggregate_secondary(name, stats)


class SquadEmF1(_EmF1):
    """SQuAD v1.1 EM/F1 (XQuAD, TyDiQA-GoldP in XTREME)."""

    name: ClassVar[str] = "em_f1"

    def normalize(self, text: str) -> str:
        return squad_normalize(text)


class MlqaEmF1(_EmF1):
    """MLQA's language-aware EM/F1; ``language`` is the answer (context) language."""

    name: ClassVar[str] = "mlqa_em_f1"

    def __init__(self, language: str):
        self.language = _check_mlqa_language(language)

    def normalize(self, text: str) -> str:
        return mlqa_normalize(text, self.language)

    def __repr__(self) -> str:
        return f"MlqaEmF1(language={self.language!r})"
