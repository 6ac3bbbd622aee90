"""The XTREME leaderboard folder layout: ``<out>/<task>/test-<lang>.<ext>``, and its writer.

A task's file kind follows from its family (``Family.layouts``) and its ``leaderboard_ext`` in
tasks.yaml, so a new task of a known family needs no code here (XTREME ``README`` / ``mock_test_data``;
ANCHORS.md):

=======  ====================  =====  ============================================================
kind     family                ext    content
=======  ====================  =====  ============================================================
label    pair_classification   tsv    one label per line (xnli, pawsx)
tags     tagging               tsv    one tag per line, a blank line between sentences
index    retrieval             tsv    one integer per line: the retrieved English sentence's
                                      index in XTREME's SORTED English file (tatoeba, below)
choice   multiple_choice       jsonl  ``{"label": <choice index>}`` per line (the bytes of XTREME's
                                      ``third_party/run_xcopa.py``)
answers  span_qa               json   ``{question_id: answer_text}``
ranked   retrieval             json   ``{query_id: [candidate ids, best first]}`` (mewslix:
                                      mentions -> entity ids; lareqa), top 20 where the metric
                                      is mAP@20
pairs    (bucc2018, XTREME v1) tsv    ``src_id<TAB>tgt_id`` per mined pair
=======  ====================  =====  ============================================================

Tatoeba's index space: XTREME's ``utils_preprocess.py`` (``tatoeba_preprocess``) rewrites
the English side of every pair file SORTED by its stripped text (``sorted(zip(tgts, idx),
key=lambda x: x[0])``: Python's stable sort, ties keep file order) before any model sees
it, and the leaderboard's predictions and labels are line numbers of that sorted file. Our
reader keeps the English side in file order (line i translates line i), so the writer maps
each retrieved candidate to its position in the sorted file (:func:`tatoeba_sorted_positions`)
and the reader maps back (:func:`xtremer_robust.report.xtreme_read.read_tatoeba_predictions`).
Scores do not move: a query is right exactly when its index names the gold line's position.

Reading and scoring layouts is :mod:`xtremer_robust.report.xtreme_read`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from xtremer_robust.atomic import atomic_write_text
from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.tasks import all_tasks

__all__ = [
    "KINDS",
    "layout_kind",
    "xtreme_ext",
    "xtreme_path",
    "ranked_top_k",
    "tatoeba_sorted_positions",
    "tatoeba_file_order",
    "write_xtreme_predictions",
]

#: Layout kinds (module table).
KINDS = ("label", "tags", "index", "choice", "answers", "ranked", "pairs")
#: Tasks scored from their leaderboard files only (no reader or model here): kind and extension.
_LAYOUT_ONLY = {"bucc2018": ("pairs", "tsv")}
#: Metrics whose score looks at the first k ranked ids only (utils_mewslix.TOP_K; LAReQA's k=20).
_TOP_K_METRICS = {"map20": 20, "map20_full": 20}


def _kind_and_ext(task: str) -> tuple[str, str]:
    if task in _LAYOUT_ONLY:
        return _LAYOUT_ONLY[task]
    tasks = all_tasks()
    if task not in tasks:
        raise unknown_name("task for the XTREME layout", task, [*tasks, *_LAYOUT_ONLY])
    spec = tasks[task]
    kind = spec.family.layout_kind(spec.leaderboard_ext)  # the family declares its leaderboard files
    if kind is None:
        raise ConfigError(
            f"tasks.yaml: task {task} has family {spec.family.name} with leaderboard_ext '{spec.leaderboard_ext}'; "
            f"that family's leaderboard files are {[ext for ext, _ in spec.family.layouts]}"
        )
    return kind, spec.leaderboard_ext


def layout_kind(task: str) -> str:
    """The file kind of ``task`` (module table); unknown tasks answer with "did you mean"."""
    return _kind_and_ext(task)[0]


def xtreme_ext(task: str) -> str:
    """The file extension of ``task`` in the layout (tasks.yaml's ``leaderboard_ext``)."""
    return _kind_and_ext(task)[1]


def xtreme_path(root: str | Path, task: str, lang: str) -> Path:
    """``<root>/<task>/test-<lang>.<ext>``."""
    return Path(root) / task / f"test-{lang}.{xtreme_ext(task)}"


def ranked_top_k(task: str) -> int | None:
    """How many ranked ids a ``ranked`` file keeps: 20 where the metric is mAP@20, else all."""
    if task in _LAYOUT_ONLY:
        return None
    return _TOP_K_METRICS.get(all_tasks()[task].metric)


def tatoeba_sorted_positions(candidates: Sequence[Any]) -> list[int]:
    """Position of each candidate (file order) in XTREME's sorted English file.

    ``candidates`` are the English side in file order (objects with ``.text``, or strings);
    the sort key is the stripped text, ties keep file order, as ``tatoeba_preprocess``.
    """
    order = tatoeba_file_order(candidates)
    positions = [0] * len(order)
    for sorted_index, file_index in enumerate(order):
        positions[file_index] = sorted_index
    return positions


def tatoeba_file_order(candidates: Sequence[Any]) -> list[int]:
    """The file-order index of the candidate at each line of XTREME's sorted English file."""
    texts = [c if isinstance(c, str) else c.text for c in candidates]
    return sorted(range(len(texts)), key=lambda i: texts[i].strip())


def _aligned(predictions: Sequence[Any] | Mapping[str, Any], items: Sequence[Any], task: str) -> list[Any]:
    """Predictions in item order, from a list aligned with ``items`` or a map keyed by item id."""
    if isinstance(predictions, Mapping):
        missing = [item.id for item in items if item.id not in predictions]
        if missing:
            raise ConfigError(
                f"write_xtreme_predictions({task}): no prediction for {len(missing)} item(s), first {missing[:3]}; "
                "the leaderboard needs one prediction per test item"
            )
        return [predictions[item.id] for item in items]
    if len(predictions) != len(items):
        raise ConfigError(
            f"write_xtreme_predictions({task}): {len(predictions)} predictions for {len(items)} items; "
            "pass one prediction per item, in item order (or a dict keyed by item id)"
        )
    return list(predictions)


def _one_line(value: Any, task: str, index: int) -> str:
    text = str(value)
    if "\n" in text or "\r" in text or not text.strip():
        raise ConfigError(f"write_xtreme_predictions({task}): prediction {index} is {value!r}; expected one non-empty line")
    return text


def _file_index(value: Any, positions: Mapping[str, int], n: int, index: int) -> int:
    """The retrieved English sentence's file-order index: from an id, a ranking, or an int."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ConfigError(f"write_xtreme_predictions(tatoeba): prediction {index} is an empty ranking")
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < n:
            raise ConfigError(f"write_xtreme_predictions(tatoeba): prediction {index} is line {value} of a {n}-line pool")
        return value
    if value not in positions:
        raise ConfigError(f"write_xtreme_predictions(tatoeba): prediction {index} names unknown candidate {value!r}")
    return positions[value]


def _index_lines(preds: list[Any], task: str, candidates: Sequence[Any] | None) -> str:
    if candidates is None:
        raise ConfigError(
            f"write_xtreme_predictions({task}): pass candidates= (the English pool, in file order): the layout "
            "holds indices into XTREME's sorted English file, which only the pool's texts determine"
        )
    ids = {c.id: i for i, c in enumerate(candidates)}
    sorted_at = tatoeba_sorted_positions(candidates)
    return "".join(f"{sorted_at[_file_index(p, ids, len(candidates), i)]}\n" for i, p in enumerate(preds))


def _format(task: str, preds: list[Any], items: Sequence[Any], candidates: Sequence[Any] | None) -> str:
    kind = layout_kind(task)
    if kind == "label":
        return "".join(_one_line(p, task, i) + "\n" for i, p in enumerate(preds))
    if kind == "tags":
        sentences = []
        for i, (tags, item) in enumerate(zip(preds, items)):
            gold = getattr(item, "tokens", None)
            if gold is not None and len(tags) != len(gold):
                raise ConfigError(
                    f"write_xtreme_predictions({task}): item {item.id} has {len(gold)} tokens but {len(tags)} tags"
                )
            sentences.append("\n".join(_one_line(t, task, i) for t in tags))
        return "\n\n".join(sentences) + ("\n" if sentences else "")
    if kind == "index":
        return _index_lines(preds, task, candidates)
    if kind == "pairs":
        return "".join(f"{_one_line(s, task, i)}\t{_one_line(t, task, i)}\n" for i, (s, t) in enumerate(preds))
    if kind == "choice":
        return "".join(json.dumps({"label": int(p)}) + "\n" for p in preds)
    if kind == "answers":
        payload = {item.id: ("" if p is None else str(p)) for item, p in zip(items, preds)}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    k = ranked_top_k(task)
    payload = {item.id: [str(c) for c in list(p)[:k]] for item, p in zip(items, preds)}
    return json.dumps(payload, ensure_ascii=False) + "\n"


def write_xtreme_predictions(
    out_dir: str | Path,
    task: str,
    lang: str,
    predictions: Sequence[Any] | Mapping[str, Any],
    items: Sequence[Any],
    *,
    candidates: Sequence[Any] | None = None,
) -> Path:
    """Write one ``<out_dir>/<task>/test-<lang>.<ext>`` file atomically; returns its path.

    ``predictions`` is aligned with ``items`` (or keyed by item id): a label, a choice
    index, a tag sequence, an answer text, a ranked id list, or a ``(src, tgt)`` pair
    (bucc2018, where ``items`` only sets the count). Tatoeba (``index`` kind) takes the
    retrieved English candidate (its id, a ranking, or its file-order line number) and
    needs ``candidates`` = the English pool in file order; the file holds sorted indices.
    """
    path = xtreme_path(out_dir, task, lang)
    preds = _aligned(predictions, items, task)
    atomic_write_text(path, _format(task, preds, items, candidates))
    return path
