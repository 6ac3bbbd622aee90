"""Reading and scoring XTREME-layout folders, as ``evaluate.py`` reads and scores them.

Readers follow ``evaluate.py`` (google-research/xtreme): ``read_label`` (every line
stripped, blank ones included), ``read_tag`` (a blank line closes a sentence),
``read_squad`` and ``read_xcopa`` (the raw ``label`` value of each JSON line). Where the
official script would crash or quietly change the figure, these stop with a
:class:`~xtremer_robust.errors.DataError` naming the file and line:

- a QA prediction that is not a string (``null``, ``1990``): ``evaluate.py``'s
  ``normalize_answer`` calls ``.lower()`` on it and crashes; we name the key's line;
- XCOPA labels are compared as raw values (:class:`~xtremer_robust.metrics.accuracy.ValueAccuracy`),
  so ``"0"`` does not match ``0``, exactly as there;
- a QA gold file that repeats a question id is scored as ``evaluate_squad.evaluate``
  scores it: every occurrence counts, each with its own gold answers and the one
  prediction of that id;
- a prediction file whose line (sentence) count differs from the labels': the script's
  ``assert``.

:func:`score_xtreme_cell` returns the per-item statistics beside the scores (for bootstrap
intervals); scores are in ``evaluate.py``'s units (percent) and key names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError
from xtremer_robust.metrics.accuracy import ValueAccuracy
from xtremer_robust.metrics.base import Metric, safe_ratio
from xtremer_robust.metrics.bucc import bucc_pair_stats
from xtremer_robust.metrics.registry import metric_for_task
from xtremer_robust.report.xtreme_layout import layout_kind, ranked_top_k, tatoeba_file_order, xtreme_ext, xtreme_path

__all__ = [
    "QAGold",
    "LayoutCell",
    "read_xtreme_file",
    "read_tatoeba_predictions",
    "score_xtreme_cell",
    "score_xtreme_file",
    "score_xtreme_layout",
]


@dataclass(frozen=True)
class QAGold:
    """A SQuAD-format gold file: ``(question id, gold answer texts)`` per question, repeats kept."""

    questions: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class LayoutCell:
    """One (task, language) of a layout: its scores (percent) and per-item statistics."""

    task: str
    language: str
    scores: dict[str, float]
    metric: Metric
    stats: np.ndarray


def _read_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [line.strip() for line in handle]


def _read_tags(path: Path) -> list[list[str]]:
    sentences: list[list[str]] = []
    sentence: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                sentence.append(line)
            else:
                sentences.append(sentence)
                sentence = []
    if sentence:
        sentences.append(sentence)
    return sentences


def _read_choice(path: Path) -> list[Any]:
    labels = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line)
                labels.append(row["label"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DataError(
                    f"expected one JSON object with a 'label' per line, as evaluate.py's read_xcopa reads it ({exc!r})",
                    path=path, line=number,
                ) from exc
    return labels


def _load_json(path: Path) -> tuple[Any, str]:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg}); expected an XTREME leaderboard .json file", path=path, line=exc.lineno) from exc


def _key_line(text: str, key: str) -> int | None:
    """The 1-based line where ``"key":`` first appears in a JSON text (None if not found)."""
    match = re.search(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text)
    if match is None:
        match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _squad_gold(data: Any, path: Path) -> QAGold:
    questions: list[tuple[str, tuple[str, ...]]] = []
    try:
        for article in data:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = tuple(str(a["text"]) for a in qa["answers"])
                    if not answers:
                        raise DataError(f"question {qa['id']!r} has no gold answer; evaluate.py takes the max over gold answers and fails on none", path=path)
                    questions.append((str(qa["id"]), answers))
    except (KeyError, TypeError) as exc:
        raise DataError(f"SQuAD-format gold file lacks {exc}; expected data/paragraphs/qas/answers", path=path) from exc
    return QAGold(tuple(questions))


def _read_answers(path: Path) -> QAGold | dict[str, str]:
    data, text = _load_json(path)
    if isinstance(data, dict) and "data" in data and isinstance(data["data"], list):
        return _squad_gold(data["data"], path)
    if isinstance(data, list):
        return _squad_gold(data, path)
    if not isinstance(data, dict):
        raise DataError(f"expected a JSON object {{question_id: answer_text}}, got {type(data).__name__}", path=path)
    for key, value in data.items():
        if not isinstance(value, str):
            raise DataError(
                f"question {key!r}: the prediction is {json.dumps(value)[:40]}, not a string; evaluate.py's "
                "normalize_answer calls .lower() on it and crashes. Write the answer text (\"\" for no answer)",
                path=path, line=_key_line(text, key),
            )
    return dict(data)


def _read_ranked(path: Path, task: str) -> dict[str, list[str]]:
    data, text = _load_json(path)
    if not isinstance(data, dict):
        raise DataError(f"{task}: expected a JSON object keyed by query id, got {type(data).__name__}", path=path)
    for key, value in data.items():
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise DataError(f"{task}: key {key!r} must hold a list of id strings, best first", path=path, line=_key_line(text, key))
    return {str(k): list(v) for k, v in data.items()}


def read_xtreme_file(path: str | Path, task: str) -> Any:
    """Read one leaderboard file (predictions or labels) the way ``evaluate.py`` reads it.

    Returns ``list[str]`` (label, index and pairs kinds: stripped lines), ``list[list[str]]``
    (tags), ``list`` of raw values (choice), ``dict[id, str]`` (QA predictions),
    :class:`QAGold` (QA gold in SQuAD JSON), ``dict[id, list[str]]`` (ranked).
    """
    path = Path(path)
    kind = layout_kind(task)
    if not path.is_file():
        raise DataUnavailableError(f"no {task} file here; expected <root>/{task}/test-<lang>.{xtreme_ext(task)}", path=path)
    if kind == "tags":
        return _read_tags(path)
    if kind == "choice":
        return _read_choice(path)
    if kind == "answers":
        return _read_answers(path)
    if kind == "ranked":
        return _read_ranked(path, task)
    return _read_lines(path)


def read_tatoeba_predictions(path: str | Path, candidates: Sequence[Any]) -> list[str]:
    """A Tatoeba layout file mapped back to candidate ids (``candidates``: English pool, file order)."""
    path = Path(path)
    order = tatoeba_file_order(candidates)
    out = []
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.isdigit() or int(line) >= len(order):
            raise DataError(f"expected an index into the {len(order)}-line sorted English file, got {line!r}", path=path, line=number)
        out.append(candidates[order[int(line)]].id)
    return out


def _percent(scores: dict[str, float]) -> dict[str, float]:
    return {k: 100.0 * v for k, v in scores.items()}


def _precision_recall(stats: np.ndarray) -> dict[str, float]:
    totals = stats.sum(axis=0)
    return {"precision": float(safe_ratio(totals[0], totals[1])), "recall": float(safe_ratio(totals[0], totals[2]))}


def _stats(metric: Metric, predictions: list, references: list, path: Path) -> np.ndarray:
    try:
        return metric.batch_stats(predictions=predictions, references=references)
    except ConfigError as exc:
        raise DataError(str(exc), path=path) from exc


def score_xtreme_cell(prediction_path: str | Path, label_path: str | Path, task: str, lang: str) -> LayoutCell:
    """One language of one task: ``evaluate.py``'s scores (percent) and our per-item stats."""
    prediction_path, label_path = Path(prediction_path), Path(label_path)
    kind = layout_kind(task)
    predictions = read_xtreme_file(prediction_path, task)
    labels = read_xtreme_file(label_path, task)
    if kind == "pairs":
        metric = metric_for_task(task)
        _, stats = bucc_pair_stats(predictions, labels)
        return LayoutCell(task, lang, _percent({"f1": metric.score(stats), **_precision_recall(stats)}), metric, stats)
    if kind == "answers":
        if not isinstance(labels, QAGold):
            raise DataError(f"{task}: a gold file must be SQuAD JSON (data/paragraphs/qas)", path=label_path)
        if isinstance(predictions, QAGold):
            raise DataError(f"{task}: expected predictions {{question_id: answer_text}}, found a SQuAD gold file", path=prediction_path)
        metric = metric_for_task(task, lang)
        refs = [list(answers) for _, answers in labels.questions]
        stats = _stats(metric, [predictions.get(qid) for qid, _ in labels.questions], refs, prediction_path)
        scores = metric.scores(stats)
        return LayoutCell(task, lang, _percent({"exact_match": scores["exact_match"], "f1": scores["f1"]}), metric, stats)
    if kind == "ranked":
        metric = metric_for_task(task, lang)
        k = ranked_top_k(task)
        empty = [qid for qid, ids in labels.items() if not ids]
        if empty:
            raise DataError(f"{task}: gold id list of {empty[0]!r} is empty; every query needs its gold id(s)", path=label_path)
        # utils_mewslix.evaluate: the single gold id, stripped; predictions cut to the top k
        refs = [[ids[0].strip()] if task == "mewslix" else ids for ids in labels.values()]
        preds = [predictions.get(qid, [])[:k] for qid in labels]
        stats = _stats(metric, preds, refs, prediction_path)
        return LayoutCell(task, lang, _percent({metric.headline: metric.score(stats)}), metric, stats)
    if len(predictions) != len(labels):
        unit = "sentences" if kind == "tags" else "lines"
        raise DataError(
            f"{task}/{lang}: {len(predictions)} {unit} but {len(labels)} in the labels ({label_path}); "
            "evaluate.py requires one prediction per label",
            path=prediction_path,
        )
    metric = ValueAccuracy() if kind == "choice" else metric_for_task(task, lang)
    stats = _stats(metric, predictions, labels, prediction_path)
    if kind == "tags":
        return LayoutCell(task, lang, _percent({"f1": metric.score(stats), **_precision_recall(stats)}), metric, stats)
    return LayoutCell(task, lang, _percent({"accuracy": metric.score(stats)}), metric, stats)


def score_xtreme_file(prediction_path: str | Path, label_path: str | Path, task: str, lang: str) -> dict[str, float]:
    """One language of one task, in ``evaluate.py``'s units (percent) and key names."""
    return score_xtreme_cell(prediction_path, label_path, task, lang).scores


def score_xtreme_layout(
    prediction_dir: str | Path, label_dir: str | Path, tasks: Sequence[str] | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """``{task: {lang: scores}}`` for every ``test-<lang>`` file present in both folders.

    ``tasks`` None means every task folder present in both whose name the layout knows.
    """
    prediction_dir, label_dir = Path(prediction_dir), Path(label_dir)
    if tasks is None:
        tasks = sorted(p.name for p in prediction_dir.iterdir() if p.is_dir() and (label_dir / p.name).is_dir())
    out: dict[str, dict[str, dict[str, float]]] = {}
    for task in tasks:
        ext = xtreme_ext(task)
        for label_file in sorted((label_dir / task).glob(f"test-*.{ext}")):
            lang = label_file.name[len("test-") : -len(ext) - 1]
            prediction_file = xtreme_path(prediction_dir, task, lang)
            if prediction_file.is_file():
                out.setdefault(task, {})[lang] = score_xtreme_file(prediction_file, label_file, task, lang)
    return out
