"""The XTREME leaderboard folder layout: ``<out>/<task>/test-<lang>.<ext>``, written and read.

Formats (XTREME ``README`` / ``mock_test_data``; ANCHORS.md):

=========================  =====  ===================================================
task                       ext    content
=========================  =====  ===================================================
xnli, pawsx                tsv    one label per line
udpos, panx                tsv    one tag per line, a blank line between sentences
tatoeba                    tsv    one integer per line: index of the retrieved English
                                  sentence in the English side of the pair file
bucc2018                   tsv    ``src_id<TAB>tgt_id`` per mined pair
xcopa                      jsonl  one object per line, ``{"label": <choice index>}`` (the
                                  bytes XTREME's ``third_party/run_xcopa.py`` writes)
xquad, mlqa, tydiqa        json   ``{question_id: answer_text}``
mewslix                    json   ``{mention_id: [entity ids, best first]}`` (top 20)
lareqa                     json   ``{question_id: [candidate ids, best first]}``
=========================  =====  ===================================================

The readers follow ``evaluate.py``'s (``read_label``: every line stripped, blank ones
included; ``read_tag``: a blank line closes a sentence; ``read_squad``). Gold files of QA
tasks are SQuAD JSON; :func:`read_xtreme_file` turns them into ``{question_id: [gold
answer texts]}``. :func:`score_xtreme_layout` scores a prediction folder against a label
folder with this package's metrics, in ``evaluate.py``'s units (percent) and key names, so
``xtreme_aggregate(score_xtreme_layout(...))`` is what ``evaluate.py`` prints.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError, unknown_name
from xtremer_robust.metrics.base import safe_ratio
from xtremer_robust.metrics.bucc import bucc_pair_stats
from xtremer_robust.metrics.registry import metric_for_task

__all__ = [
    "LAYOUT_EXT",
    "xtreme_path",
    "write_xtreme_predictions",
    "read_xtreme_file",
    "score_xtreme_file",
    "score_xtreme_layout",
]

#: File extension per task (matches tasks.yaml's ``leaderboard_ext``; bucc2018 is XTREME v1).
LAYOUT_EXT: Mapping[str, str] = {
    "xnli": "tsv",
    "pawsx": "tsv",
    "udpos": "tsv",
    "panx": "tsv",
    "tatoeba": "tsv",
    "bucc2018": "tsv",
    "xcopa": "jsonl",
    "xquad": "json",
    "mlqa": "json",
    "tydiqa": "json",
    "mewslix": "json",
    "lareqa": "json",
}
_LABEL_TASKS = frozenset({"xnli", "pawsx"})
_TAG_TASKS = frozenset({"udpos", "panx"})
_QA_TASKS = frozenset({"xquad", "mlqa", "tydiqa"})
_RANKED_TASKS = frozenset({"mewslix", "lareqa"})
MEWSLIX_TOP_K = 20  # utils_mewslix.TOP_K: only the first 20 ids are scored


def _ext(task: str) -> str:
    if task not in LAYOUT_EXT:
        raise unknown_name("task for the XTREME layout", task, LAYOUT_EXT)
    return LAYOUT_EXT[task]


def xtreme_path(root: str | Path, task: str, lang: str) -> Path:
    """``<root>/<task>/test-<lang>.<ext>``."""
    return Path(root) / task / f"test-{lang}.{_ext(task)}"


def _atomic_write_text(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then ``os.replace``: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def _tatoeba_index(value: Any, candidates: Sequence[Any] | None, index: int) -> int:
    """The English sentence's position: an int as is, a candidate id (or ranking) via ``candidates``."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ConfigError(f"write_xtreme_predictions(tatoeba): prediction {index} is an empty ranking")
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if candidates is None:
        raise ConfigError(
            f"write_xtreme_predictions(tatoeba): prediction {index} is the id {value!r}; pass candidates= "
            "(the English pool, in file order) to turn ids into line indices, or pass integer indices"
        )
    positions = {c.id: i for i, c in enumerate(candidates)}
    if value not in positions:
        raise ConfigError(f"write_xtreme_predictions(tatoeba): prediction {index} names unknown candidate {value!r}")
    return positions[value]


def _format(task: str, preds: list[Any], items: Sequence[Any], candidates: Sequence[Any] | None) -> str:
    if task in _LABEL_TASKS:
        return "".join(_one_line(p, task, i) + "\n" for i, p in enumerate(preds))
    if task in _TAG_TASKS:
        sentences = []
        for i, (tags, item) in enumerate(zip(preds, items)):
            gold = getattr(item, "tokens", None)
            if gold is not None and len(tags) != len(gold):
                raise ConfigError(
                    f"write_xtreme_predictions({task}): item {item.id} has {len(gold)} tokens but {len(tags)} tags"
                )
            sentences.append("\n".join(_one_line(t, task, i) for t in tags))
        return "\n\n".join(sentences) + ("\n" if sentences else "")
    if task == "tatoeba":
        return "".join(f"{_tatoeba_index(p, candidates, i)}\n" for i, p in enumerate(preds))
    if task == "bucc2018":
        return "".join(f"{_one_line(s, task, i)}\t{_one_line(t, task, i)}\n" for i, (s, t) in enumerate(preds))
    if task == "xcopa":
        return "".join(json.dumps({"label": int(p)}) + "\n" for p in preds)
    if task in _QA_TASKS:
        payload = {item.id: ("" if p is None else str(p)) for item, p in zip(items, preds)}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if task in _RANKED_TASKS:
        k = MEWSLIX_TOP_K if task == "mewslix" else None
        payload = {item.id: [str(c) for c in list(p)[:k]] for item, p in zip(items, preds)}
        return json.dumps(payload, ensure_ascii=False) + "\n"
    raise AssertionError(task)  # pragma: no cover - _ext refused unknown tasks


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

    ``predictions`` is aligned with ``items`` (or keyed by item id): a label (xnli, pawsx),
    a choice index (xcopa), a tag sequence (udpos, panx), an answer text (QA), a ranked id
    list (mewslix, lareqa), the retrieved English sentence (tatoeba: its index, or its
    candidate id with ``candidates`` = the English pool in file order), or a
    ``(src, tgt)`` pair (bucc2018, where ``items`` only sets the count).
    """
    path = xtreme_path(out_dir, task, lang)
    preds = _aligned(predictions, items, task)
    _atomic_write_text(path, _format(task, preds, items, candidates))
    return path


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


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg}); expected an XTREME leaderboard .json file", path=path, line=exc.lineno) from exc


def _squad_answers(data: Any, path: Path) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    try:
        for article in data:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers[str(qa["id"])] = [str(a["text"]) for a in qa["answers"]]
    except (KeyError, TypeError) as exc:
        raise DataError(f"SQuAD-format gold file lacks {exc}; expected data/paragraphs/qas/answers", path=path) from exc
    return answers


def _read_json_map(path: Path, task: str) -> dict[str, Any]:
    data = _load_json(path)
    if isinstance(data, dict) and "data" in data:
        return _squad_answers(data["data"], path)
    if not isinstance(data, dict):
        raise DataError(f"{task}: expected a JSON object keyed by question or mention id, got {type(data).__name__}", path=path)
    if task in _QA_TASKS:
        return {str(k): (v if isinstance(v, str) else str(v)) for k, v in data.items()}
    bad = [k for k, v in data.items() if not isinstance(v, list)]
    if bad:
        raise DataError(f"{task}: values must be lists of ids; key {bad[0]!r} holds something else", path=path)
    return {str(k): [str(x) for x in v] for k, v in data.items()}


def _read_jsonl_labels(path: Path) -> list[int]:
    labels = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                labels.append(int(json.loads(line)["label"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DataError(f"expected a JSON object with an integer 'label' ({exc})", path=path, line=number) from exc
    return labels


def read_xtreme_file(path: str | Path, task: str) -> Any:
    """Read one leaderboard file (predictions or labels) the way ``evaluate.py`` reads it.

    Returns ``list[str]`` (xnli, pawsx, tatoeba, bucc2018 lines), ``list[list[str]]``
    (udpos, panx sentences), ``list[int]`` (xcopa), ``dict[id, str]`` (QA predictions),
    ``dict[id, list[str]]`` (QA gold answers from SQuAD JSON; mewslix/lareqa rankings).
    """
    path = Path(path)
    _ext(task)
    if not path.is_file():
        raise DataUnavailableError(f"no {task} file here; expected <root>/{task}/test-<lang>.{_ext(task)}", path=path)
    if task in _TAG_TASKS:
        return _read_tags(path)
    if task == "xcopa":
        return _read_jsonl_labels(path)
    if LAYOUT_EXT[task] == "json":
        return _read_json_map(path, task)
    return _read_lines(path)


def _percent(scores: dict[str, float]) -> dict[str, float]:
    return {k: 100.0 * v for k, v in scores.items()}


def score_xtreme_file(prediction_path: str | Path, label_path: str | Path, task: str, lang: str) -> dict[str, float]:
    """One language of one task, in ``evaluate.py``'s units (percent) and key names."""
    predictions = read_xtreme_file(prediction_path, task)
    labels = read_xtreme_file(label_path, task)
    if task == "bucc2018":
        metric = metric_for_task(task)
        _, stats = bucc_pair_stats(predictions, labels)
        return _percent({"f1": metric.score(stats), **_precision_recall(stats)})
    metric = metric_for_task(task, lang)
    if isinstance(labels, dict):  # QA and ranked tasks: scored over the gold ids
        if task == "mewslix":  # utils_mewslix.evaluate: the single gold id, stripped
            refs = [[ids[0].strip()] for ids in labels.values()]
        else:
            refs = list(labels.values())
        preds = [predictions.get(qid) for qid in labels]
        stats = metric.batch_stats(predictions=preds, references=refs)
        scores = metric.scores(stats)
        if task in _QA_TASKS:
            return _percent({"exact_match": scores["exact_match"], "f1": scores["f1"]})
        return _percent({metric.headline: scores[metric.headline]})
    if len(predictions) != len(labels):
        raise DataError(
            f"{task}/{lang}: {len(predictions)} predictions but {len(labels)} labels in {label_path}; "
            "evaluate.py requires one prediction per label",
            path=prediction_path,
        )
    stats = metric.batch_stats(predictions=predictions, references=labels)
    if task in _TAG_TASKS:
        return _percent({"f1": metric.score(stats), **_precision_recall(stats)})
    return _percent({"accuracy": metric.score(stats)})


def _precision_recall(stats: Any) -> dict[str, float]:
    totals = stats.sum(axis=0)
    return {"precision": float(safe_ratio(totals[0], totals[1])), "recall": float(safe_ratio(totals[0], totals[2]))}


def score_xtreme_layout(
    prediction_dir: str | Path, label_dir: str | Path, tasks: Sequence[str] | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """``{task: {lang: scores}}`` for every ``test-<lang>`` file present in both folders."""
    prediction_dir, label_dir = Path(prediction_dir), Path(label_dir)
    chosen = tasks if tasks is not None else [t for t in LAYOUT_EXT if (prediction_dir / t).is_dir() and (label_dir / t).is_dir()]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for task in chosen:
        ext = _ext(task)
        for label_file in sorted((label_dir / task).glob(f"test-*.{ext}")):
            lang = label_file.name[len("test-") : -len(ext) - 1]
            prediction_file = xtreme_path(prediction_dir, task, lang)
            if prediction_file.is_file():
                out.setdefault(task, {})[lang] = score_xtreme_file(prediction_file, label_file, task, lang)
    return out
