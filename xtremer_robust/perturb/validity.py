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
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Iterable, Sequence

from xtremer_robust.perturb.segment import graphemes, is_combining, is_well_formed

__all__ = ["cluster_signature", "split_clusters", "validity_figures", "identify_language"]


@lru_cache(maxsize=65536)
def cluster_signature(cluster: str) -> tuple[str, tuple[str, ...]]:
    """(case-folded base, combining marks in NFD order) of one grapheme cluster."""
    chars = unicodedata.normalize("NFD", cluster)
    base = "".join(c for c in chars if not is_combining(c)).casefold()
    return base, tuple(c for c in chars if is_combining(c))


@lru_cache(maxsize=65536)
def _fold(cluster: str) -> str:
    """Case-fold for comparison; Turkish İ folds to i + dot above, which lower-cases to plain i."""
    return unicodedata.normalize("NFC", cluster.casefold().replace("i\u0307", "i").replace("ı", "i"))


@lru_cache(maxsize=65536)
def _starts_with_mark(cluster: str) -> bool:
    """Whether a cluster of the output is a combining mark without a base (a cut-off mark)."""
    return is_combining(unicodedata.normalize("NFD", cluster)[0])


@lru_cache(maxsize=4096)
def _folded_original(original: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The case-folded clusters of an original text and their set (an original is checked once per variant)."""
    before = tuple(map(_fold, graphemes(original)))
    return before, frozenset(before)


@lru_cache(maxsize=65536)
def _has_orphan_cluster(text: str) -> bool:
    """``split_clusters(text, text)`` is non-empty: the unchanged text holds a cluster starting with a mark."""
    return any(map(_starts_with_mark, graphemes(text)))


def _cut_possible(mid_before: Sequence[str], mid_after: Sequence[str]) -> bool:
    """Whether any alignment could report a cut: a marked cluster got rarer while its bare base got commoner.

    A cut is only flagged under exactly these count conditions, and the counts of the whole
    texts differ only inside their changed middles; when no such pair exists the (costly)
    alignment cannot add anything and is skipped.
    """
    if not any(cluster_signature(cluster)[1] for cluster in set(mid_before)):
        return False  # no marked cluster in the changed middle of the input
    count_before, count_after = Counter(mid_before), Counter(mid_after)
    for marked, number in count_before.items():
        if count_after[marked] >= number:
            continue
        base, marks = cluster_signature(marked)
        if marks and count_after[base] > count_before[base] and not cluster_signature(base)[1]:
            return True
    return False


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


@lru_cache(maxsize=65536)
def _is_cut(before: str, after: str) -> bool:
    """Whether ``after`` is ``before`` with its marks cut off (both case-folded clusters)."""
    base, marks = cluster_signature(before)
    return bool(marks) and after == base and not cluster_signature(after)[1]


def _cuts_in_window(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """Clusters of ``after`` that the cheapest alignment explains as cut-off bases.

    An edit-distance alignment where "cluster -> its bare base" costs a little less than a
    substitution: a cut is reported only where the positions line up, so a letter inserted
    elsewhere that happens to equal a base is not.
    """
    n, m = len(before), len(after)
    cost = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = float(i)
    for j in range(m + 1):
        cost[0][j] = float(j)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            a, b = before[i - 1], after[j - 1]
            step = 0.0 if a == b else 0.9 if _is_cut(a, b) else 1.0
            cost[i][j] = min(cost[i - 1][j - 1] + step, cost[i - 1][j] + 1.0, cost[i][j - 1] + 1.0)
    cuts: list[tuple[str, str]] = []
    i, j = n, m
    while i > 0 and j > 0:
        a, b = before[i - 1], after[j - 1]
        step = 0.0 if a == b else 0.9 if _is_cut(a, b) else 1.0
        if abs(cost[i][j] - (cost[i - 1][j - 1] + step)) < 1e-9:
            if step == 0.9:
                cuts.append((a, b))
            i, j = i - 1, j - 1
        elif abs(cost[i][j] - (cost[i - 1][j] + 1.0)) < 1e-9:
            i -= 1
        else:
            j -= 1
    return cuts


#: Changed stretches separated by at most this many unchanged clusters are aligned together.
_WINDOW_GAP = 2
#: Up to this many DP cells (changed middle of the input x of the output) the alignment is exact.
_EXACT_CELLS = 2_500


def split_clusters(original: str, perturbed: str, *, rewrites_marks: bool = False) -> list[str]:
    """Clusters of ``perturbed`` that show a grapheme cluster of ``original`` was cut.

    Flagged: a combining mark without a base (always); unless the recipe declares
    ``rewrites_marks`` (keyboard typos, diacritic stripping), also a new cluster with marks
    that is not built from intact input clusters (a mark moved onto another letter), and a
    bare letter standing where a cluster with that base and marks stood ("नाना" -> "नना": a
    vowel sign cut off). Precomposed letters (one code point in NFC, such as Arabic alef with
    hamza) are letters of their own. A heuristic with a known blind spot: an edit whose
    pieces are all intact clusters of the input ("నాన" -> "ననా", a vowel sign moved to the
    next consonant) passes; recipes here edit whole clusters, so they cannot produce it.
    """
    out = graphemes(perturbed)
    ascii_out = perturbed.isascii()
    bad = [] if ascii_out else [c for c in out if _starts_with_mark(c)]  # no ASCII code point is a mark
    if rewrites_marks:
        return bad
    before, known = _folded_original(original)
    # an ASCII cluster folds to its lower case (no dotted I, nothing to normalise)
    after = [c.lower() for c in out] if ascii_out else list(map(_fold, out))
    # align the changed middle exactly when small; long texts (QA contexts) by diff windows
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b, end_a = end_b - 1, end_a - 1
    # clusters outside the changed middle are clusters of the input: only the middle can hold
    # new ones, and a new cluster first occurs there (so the order of ``bad`` is unchanged)
    for cluster in dict.fromkeys(after[start:end_a]):
        if cluster not in known and cluster not in bad:
            marks = cluster_signature(cluster)[1]
            if marks and len(cluster) > 1 and not _built_from(cluster, known):
                bad.append(cluster)
    if not _cut_possible(before[start:end_b], after[start:end_a]):
        return bad
    before = list(before)
    if (end_b - start) * (end_a - start) <= _EXACT_CELLS:
        windows = [[start, end_b, start, end_a]]
    else:
        windows = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            if windows and i1 - windows[-1][1] <= _WINDOW_GAP and j1 - windows[-1][3] <= _WINDOW_GAP:
                windows[-1][1], windows[-1][3] = i2, j2
            else:
                windows.append([i1, i2, j1, j2])
    # a move beside a same-base letter ("éré" -> "rée", a word swap) also aligns as a cut; a
    # real cut leaves fewer of the marked cluster and more of the bare base in the whole text
    count_before, count_after = Counter(before), Counter(after)
    for i1, i2, j1, j2 in windows:
        lo = max(0, min(_WINDOW_GAP, i1, j1))
        for marked, bare in _cuts_in_window(before[i1 - lo : i2], after[j1 - lo : j2]):
            cut = count_after[marked] < count_before[marked] and count_after[bare] > count_before[bare]
            if cut and bare not in bad:
                bad.append(bare)
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
        "well_formed_share": _share(_well_formed(b) for _, b in pairs),
        # the same check on the clean text: a recipe leaves text outside its edits as it came
        "source_well_formed_share": _share(_well_formed(a) for a, _ in pairs),
        # an unchanged text has no split cluster unless it came with a cluster starting with a mark
        "no_split_share": _share(not _has_orphan_cluster(a) if a == b else not split_clusters(a, b, rewrites_marks=rewrites_marks)
                                 for a, b in pairs),
        "langid_agreement": None,
        "langid_clean_match": None,
    }
    if _identifier() is not None and n:
        figures["langid_clean_match"] = _share(identify_language(a) == lang for a in originals)
        if changed:
            figures["langid_agreement"] = _share(identify_language(a) == identify_language(b) for a, b in changed)
    return figures


#: ``is_well_formed`` per distinct text: a set's clean texts come back once per variant.
_well_formed = lru_cache(maxsize=65536)(is_well_formed)


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0
