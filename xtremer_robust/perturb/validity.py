"""Checks that perturbed text is still well-formed text of its language, and subset-level figures.

Why: a perturbation that splits a grapheme cluster leaves a vowel sign on the wrong consonant
or on nothing (a dotted circle): the model is then tested on text no human writes. Two checks:

* :func:`split_clusters` - no mark left without a base, none moved onto another letter, no
  vowel sign cut off its consonant (unless the recipe edits inside clusters on purpose).
* :func:`~segment.is_well_formed` - NFC, valid UTF-8, no mark at the start of a word.

:func:`validity_figures` reports, for a subset, the share of well-formed outputs, the share
without split clusters, and the agreement of an offline language identifier (``py3langid``,
Lui and Baldwin 2012) on clean versus perturbed text.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Iterable, Sequence

from xtremer_robust.perturb.segment import graphemes, is_combining, is_well_formed

__all__ = ["cluster_signature", "split_clusters", "validity_figures", "identify_language"]


def cluster_signature(cluster: str) -> tuple[str, tuple[str, ...]]:
    """(case-folded base, combining marks in NFD order) of one grapheme cluster."""
    chars = unicodedata.normalize("NFD", cluster)
    base = "".join(c for c in chars if not is_combining(c)).casefold()
    return base, tuple(c for c in chars if is_combining(c))


def _fold(cluster: str) -> str:
    """Case-fold for comparison; Turkish İ folds to i + dot above, which lower-cases to plain i."""
    return unicodedata.normalize("NFC", cluster.casefold().replace("i\u0307", "i").replace("ı", "i"))


def _built_from(cluster: str, known: set[str]) -> bool:
    """Whether ``cluster`` is a concatenation of intact input clusters and single mark-free letters.

    Scripts join some neighbours into one cluster (an Indic virama-final cluster followed by a
    consonant becomes a conjunct): such a merge is not a split.
    """
    reachable = [True] + [False] * len(cluster)
    for i in range(len(cluster)):
        if not reachable[i]:
            continue
        if not is_combining(cluster[i]):
            reachable[i + 1] = True
        for j in range(i + 2, len(cluster) + 1):
            if cluster[i:j] in known:
                reachable[j] = True
    return reachable[-1]


def _is_cut_from(cluster: str, removed: list[str], k: int, n_added: int) -> bool:
    """Whether ``cluster`` is the bare base of the replaced cluster at the same place.

    "Same place" counts from either end of the replaced stretch, so "हु" -> "हk" (a vowel sign
    turned into a letter) is caught while two whole clusters replaced by two letters are not.
    """
    for j in (k, len(removed) - (n_added - k)):
        if 0 <= j < len(removed):
            base, marks = cluster_signature(removed[j])
            if marks and base == cluster:
                return True
    return False


def split_clusters(original: str, perturbed: str, *, rewrites_marks: bool = False) -> list[str]:
    """Clusters of ``perturbed`` that show a grapheme cluster of ``original`` was cut.

    Flagged: a combining mark without a base (always); unless the recipe declares
    ``rewrites_marks`` (keyboard typos, diacritic stripping), also a new cluster with marks
    that is not built from intact input clusters (a mark moved onto another letter), and, where
    the output replaced input clusters, a new cluster that is the bare base of a replaced
    cluster with marks (its vowel sign was cut off). Precomposed letters (one code point in
    NFC, e.g. Arabic alef with hamza) are letters of their own. A heuristic: it compares
    cluster sequences, so it may miss a cut whose remains equal an intact cluster nearby.
    """
    out = graphemes(perturbed)
    bad = [c for c in out if is_combining(unicodedata.normalize("NFD", c)[0])]
    if rewrites_marks:
        return bad
    before = [_fold(c) for c in graphemes(original)]
    after = [_fold(c) for c in out]
    known = set(before)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed, added = before[i1:i2], after[j1:j2]
        for k, cluster in enumerate(added):
            if cluster in known or cluster in bad:
                continue
            base, marks = cluster_signature(cluster)
            if marks and len(cluster) > 1 and not _built_from(cluster, known):
                bad.append(cluster)
            elif not marks and _is_cut_from(cluster, removed, k, len(added)):
                bad.append(cluster)
    return bad


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    try:
        from py3langid import langid
    except ImportError:
        return None
    return langid.classify


@lru_cache(maxsize=65536)
def identify_language(text: str) -> str | None:
    """The ISO 639 code py3langid assigns to ``text`` (None when py3langid is not installed).

    py3langid 0.4.0 knows 49 of the 50 XTREME-R languages (not Wolof).
    """
    classify = _identifier()
    if classify is None:
        return None
    return classify(text)[0]


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
        # the same check on the clean text: a recipe leaves text outside its edits as it came
        "source_well_formed_share": _share(is_well_formed(a) for a, _ in pairs),
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
