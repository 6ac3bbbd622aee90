"""Checks that perturbed text is still well-formed text of its language, and subset-level figures.

Why: a perturbation that splits a grapheme cluster leaves a vowel sign on the wrong consonant
or on nothing (a dotted circle): the model is then tested on text no human writes. Two checks:

* :func:`split_clusters` - every output cluster that carries combining marks must carry them on
  the same base letter (up to case) as some cluster of the input, possibly with fewer marks
  (diacritic stripping). A mark moved onto another letter, or left without one, is a split.
* :func:`~segment.is_well_formed` - NFC, valid UTF-8, no mark at the start of a word.

:func:`validity_figures` reports, for a subset, the share of well-formed outputs, the share
without split clusters, and the agreement of an offline language identifier (``py3langid``,
Lui and Baldwin 2012) on clean versus perturbed text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

from xtremer_robust.perturb.segment import graphemes, is_combining, is_well_formed

__all__ = ["cluster_signature", "split_clusters", "validity_figures", "identify_language"]


def cluster_signature(cluster: str) -> tuple[str, tuple[str, ...]]:
    """(case-folded base, combining marks in NFD order) of one grapheme cluster."""
    chars = unicodedata.normalize("NFD", cluster)
    base = "".join(c for c in chars if not is_combining(c)).casefold()
    return base, tuple(c for c in chars if is_combining(c))


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


def split_clusters(original: str, perturbed: str, *, rewrites_marks: bool = False) -> list[str]:
    """Clusters of ``perturbed`` whose marks did not come with their own base from ``original``.

    With ``rewrites_marks`` (recipes that deliberately mistype a mark, such as keyboard typos),
    only orphan marks count.
    """
    known: dict[str, list[tuple[str, ...]]] = {}
    for cluster in graphemes(original):
        base, marks = cluster_signature(cluster)
        known.setdefault(base, []).append(marks)
    bad = []
    for cluster in graphemes(perturbed):
        base, marks = cluster_signature(cluster)
        if not marks or len(unicodedata.normalize("NFC", cluster)) == 1:
            continue  # no marks, or a precomposed letter (Arabic alef with hamza) that is one character
        if not base or is_combining(unicodedata.normalize("NFD", cluster)[0]):
            bad.append(cluster)  # an orphan mark, whatever the recipe
        elif not rewrites_marks and not any(_is_subsequence(marks, m) for m in known.get(base, [])):
            bad.append(cluster)
    return bad


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> str | None:
    """The ISO 639-1 code py3langid assigns to ``text`` (None when py3langid is not installed)."""
    model = _identifier()
    if model is None:
        return None
    return model.classify(text)[0]


def validity_figures(
    originals: Sequence[str], perturbed: Sequence[str], lang: str, *, rewrites_marks: bool = False
) -> dict[str, float | int | None]:
    """Figures for a subset: how much of the perturbed text is still valid text of ``lang``.

    ``langid_agreement`` is the share of changed pairs whose perturbed text gets the same
    language label as its clean text; ``rewrites_marks`` is the recipe's class fact of that
    name (see :func:`split_clusters`). The (None without py3langid);
    ``langid_clean_match`` the share
    of clean texts labelled ``lang`` at all, to show how far the identifier can be trusted.
    """
    if len(originals) != len(perturbed):
        raise ValueError(f"validity_figures: {len(originals)} originals but {len(perturbed)} perturbed texts")
    n = len(originals)
    pairs = list(zip(originals, perturbed))
    changed = [(a, b) for a, b in pairs if a != b]
    figures: dict[str, float | int | None] = {
        "n": n,
        "n_changed": len(changed),
        "well_formed_share": _share(is_well_formed(b) for _, b in pairs),
        "no_split_share": _share(not split_clusters(a, b, rewrites_marks=rewrites_marks) for a, b in pairs),
        "langid_agreement": None,
        "langid_clean_match": None,
    }
    if _identifier() is not None and n:
        figures["langid_clean_match"] = _share(identify_language(a) == lang for a in originals)
        if changed:
            figures["langid_agreement"] = _share(identify_language(a) == identify_language(b) for a, b in changed)
    return figures


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0
