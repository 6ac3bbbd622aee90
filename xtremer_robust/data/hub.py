"""The Hugging Face Hub source: ``datasets.load_dataset`` plus one row converter per task.

Users with a network read every set from the Hub; offline (``HF_DATASETS_OFFLINE=1``, or
the Hub unreachable) the call fails fast with :class:`HubUnreachableError`, which tells
them to point ``--data-dir`` (or ``XTREMER_ROBUST_DATA``) at a folder in the original
layouts. Converters give the same records, the same ids (parallel sets keep positional
ids ``{split}-{index:05d}``; XQuAD/MLQA/TyDiQA keep their question ids) and the same label
names as the local readers, so a set read from either source scores the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlparse

from xtremer_robust.families.records import (
    Answer,
    Candidate,
    ChoiceItem,
    PairItem,
    QAItem,
    Record,
    RetrievalItem,
    TaggingItem,
    record_to_dict,
)
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import DataError, DataUnavailableError, HubUnreachableError
from xtremer_robust.languages import all_languages
from xtremer_robust.tasks import TaskSpec

__all__ = ["load_hub", "convert_rows", "CONVERTERS", "hub_is_offline"]

_PROBE_TIMEOUT_S = 3.0
_OFFLINE_VARS = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")


class _Rows:
    """The rows of one Hub split with what the converters need to know about them."""

    def __init__(self, rows: Sequence[dict[str, Any]], features: Any, where: str, split: str, lang: str):
        self.rows, self.features, self.where, self.split, self.lang = rows, features, where, split, lang

    def names(self, column: str, spec: TaskSpec) -> Sequence[str] | None:
        """Label names of an integer (or sequence-of-integer) ClassLabel column.

        The dataset's own feature names first; where it carries none, the registry's
        ``hub.label_names`` (the ClassLabel order of that Hub copy).
        """
        feature = (self.features or {}).get(column) if hasattr(self.features, "get") else None
        feature = getattr(feature, "feature", feature)  # Sequence(ClassLabel) -> ClassLabel
        fallback = spec.hub.label_names if spec.hub is not None else ()
        return getattr(feature, "names", None) or fallback or None

    def error(self, index: int, message: str) -> DataError:
        return DataError(f"row {index + 1}: {message}", path=self.where)


def _label_name(rows: _Rows, spec: TaskSpec, column: str, index: int, value: Any) -> str:
    names = rows.names(column, spec)
    if isinstance(value, int) and not isinstance(value, bool) and names is not None:
        if not 0 <= value < len(names):
            raise rows.error(index, f"{column} {value} is outside the label range 0..{len(names) - 1}")
        return str(names[value])
    return str(value)


def _pairs(rows: _Rows, spec: TaskSpec) -> tuple[list[Record], list[Candidate]]:
    items: list[Record] = []
    for i, row in enumerate(rows.rows):
        text_a = row["premise"] if "premise" in row else row["sentence1"]  # xnli | paws-x column names
        text_b = row["hypothesis"] if "hypothesis" in row else row["sentence2"]
        label = _label_name(rows, spec, "label", i, row["label"]) if row.get("label") is not None else None
        if label is not None and label not in spec.labels:
            raise rows.error(i, f"unknown label '{label}'; expected one of {', '.join(spec.labels)}")
        item_id = str(row["id"]) if row.get("id") not in (None, "") else f"{rows.split}-{i:05d}"
        items.append(PairItem(id=item_id, text_a=text_a, text_b=text_b, label=label))
    return items, []


def _choices(rows: _Rows, spec: TaskSpec) -> tuple[list[Record], list[Candidate]]:
    items: list[Record] = []
    for i, row in enumerate(rows.rows):
        label = row.get("label")
        label = None if label == -1 else label  # unlabelled rows carry -1 on the Hub
        if label is not None and label not in (0, 1):
            raise rows.error(i, f"unknown label {label!r}; expected 0 or 1")
        choices = (row["choice1"], row["choice2"])
        item_id = f"{rows.split}-{i:05d}"
        items.append(ChoiceItem(id=item_id, premise=row["premise"], question=row["question"], choices=choices, label=label))
    return items, []


def _tagging(column: str) -> Callable[[_Rows, TaskSpec], tuple[list[Record], list[Candidate]]]:
    def convert(rows: _Rows, spec: TaskSpec) -> tuple[list[Record], list[Candidate]]:
        items: list[Record] = []
        for i, row in enumerate(rows.rows):
            tokens, raw = list(row["tokens"]), list(row[column])
            if len(tokens) != len(raw):
                raise rows.error(i, f"{len(tokens)} tokens but {len(raw)} {column}; each token needs exactly one tag")
            tags = tuple(_label_name(rows, spec, column, i, tag) for tag in raw)
            unknown = sorted(set(tags) - set(spec.labels))
            if unknown:
                raise rows.error(i, f"unknown tag(s) {unknown}; expected {', '.join(spec.labels)}")
            items.append(TaggingItem(id=f"{rows.split}-{i:05d}", tokens=tuple(tokens), tags=tags))
        return items, []

    return convert


def _squad(by_language: bool) -> Callable[[_Rows, TaskSpec], tuple[list[Record], list[Candidate]]]:
    """SQuAD-style rows; ``by_language``: one config holds every language (google/xtreme
    tydiqa), and a row belongs to the language its id starts with ("swahili-...")."""

    def convert(rows: _Rows, spec: TaskSpec) -> tuple[list[Record], list[Candidate]]:
        return _qa(rows, all_languages()[rows.lang].name.lower() + "-" if by_language else "")

    return convert


def _qa(rows: _Rows, prefix: str) -> tuple[list[Record], list[Candidate]]:
    items: list[Record] = []
    for i, row in enumerate(rows.rows):
        if not str(row["id"]).startswith(prefix):
            continue
        answers = row.get("answers") or {"text": [], "answer_start": []}
        texts, starts = list(answers["text"]), list(answers["answer_start"])
        if len(texts) != len(starts):
            raise rows.error(i, f"{len(texts)} answer texts but {len(starts)} answer_start offsets")
        items.append(
            QAItem(
                id=str(row["id"]),
                question=row["question"],
                context=row["context"],
                answers=tuple(Answer(text=t, start=int(s)) for t, s in zip(texts, starts, strict=True)),
            )
        )
    return items, []


def _tatoeba(rows: _Rows, spec: TaskSpec) -> tuple[list[Record], list[Candidate]]:
    candidates = [Candidate(id=f"eng-{i:05d}", text=row["target_sentence"]) for i, row in enumerate(rows.rows)]
    items: list[Record] = [
        RetrievalItem(id=f"{rows.split}-{i:05d}", query=row["source_sentence"], relevant=(candidates[i].id,))
        for i, row in enumerate(rows.rows)
    ]
    return items, candidates


#: Converter name (tasks.yaml ``hub.converter``) -> converter of Hub rows with those columns.
CONVERTERS: dict[str, Callable[[_Rows, TaskSpec], tuple[list[Record], list[Candidate]]]] = {
    "pairs": _pairs,  # premise/hypothesis (xnli) or sentence1/sentence2 (paws-x), label
    "choices": _choices,  # premise, question, choice1, choice2, label
    "ner_tags": _tagging("ner_tags"),  # tokens, ner_tags
    "pos_tags": _tagging("pos_tags"),  # tokens, pos_tags
    "squad": _squad(by_language=False),  # id, question, context, answers
    "squad_by_language": _squad(by_language=True),
    "tatoeba": _tatoeba,  # source_sentence, target_sentence
}


def convert_rows(
    spec: TaskSpec, lang: str, split: str, rows: Iterable[dict[str, Any]], *, features: Any = None, where: str = "hub"
) -> tuple[list[Record], list[Candidate]]:
    """Records (and retrieval candidates) from Hub rows of ``spec``'s dataset."""
    if spec.hub is None or spec.hub.converter not in CONVERTERS:
        raise DataUnavailableError(f"{spec.name} has no Hub converter; read it from a local folder with --data-dir")
    try:
        return CONVERTERS[spec.hub.converter](_Rows(list(rows), features, where, split, lang), spec)
    except (KeyError, TypeError) as exc:
        raise DataError(
            f"unexpected row layout ({type(exc).__name__}: {exc}); the converter of {spec.name} expects the columns "
            "documented in docs/data.md. Has the Hub dataset changed? Use --data-dir with the original files.",
            path=where,
        ) from None


def hub_is_offline() -> bool:
    """Whether the user asked the Hugging Face libraries to stay offline."""
    return any(os.environ.get(var, "").strip().upper() in ("1", "ON", "YES", "TRUE") for var in _OFFLINE_VARS)


def _unreachable(detail: str) -> HubUnreachableError:
    return HubUnreachableError(
        f"the Hugging Face Hub cannot be reached ({detail}). Point --data-dir (or the environment variable "
        "XTREMER_ROBUST_DATA) at a folder holding the task files in their original layout, e.g. "
        "--data-dir ../shared/xtremer-data."
    )


def _probe() -> None:
    """Fail in seconds rather than after minutes of retries when there is no route to the Hub."""
    if hub_is_offline() or os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
        return  # offline: datasets answers from its cache or fails at once; proxies: let it try
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=_PROBE_TIMEOUT_S).close()
    except OSError as exc:
        raise _unreachable(f"{host}: {exc}") from None


def _load_dataset(path: str, config: str, split: str) -> Any:
    import datasets  # heavy; imported only when the Hub is used

    _probe()
    try:
        return datasets.load_dataset(path, config, split=split)
    except (ConnectionError, TimeoutError) as exc:
        raise _unreachable(f"{type(exc).__name__}: {exc}") from None
    except FileNotFoundError as exc:
        if hub_is_offline():
            raise _unreachable(f"offline mode and no cached copy of {path}: {exc}") from None
        raise DataUnavailableError(f"the Hub has no dataset {path} ({exc})", path=f"hub:{path}") from None
    except ValueError as exc:  # unknown config or split
        raise DataUnavailableError(f"{exc}", path=f"hub:{path}/{config}/{split}") from None


def load_hub(spec: TaskSpec, lang: str, split: str) -> TaskData:
    """Read one (task, language, split) set from the Hub copy named in the registry."""
    if spec.unavailable:
        raise DataUnavailableError(f"{spec.name}: {spec.unavailable}")
    if spec.hub is None:
        raise DataUnavailableError(
            f"{spec.name} has no copy on the Hugging Face Hub; read it from a local folder with --data-dir "
            "(or XTREMER_ROBUST_DATA)"
        )
    if split not in spec.hub.splits:
        raise DataUnavailableError(
            f"{spec.name} has no {split} split on the Hub (it has: {', '.join(spec.hub.splits)})"
        )
    config, hub_split = spec.hub.config_for(lang), spec.hub.splits[split]
    where = f"hub:{spec.hub.path}/{config}/{hub_split}"
    dataset = _load_dataset(spec.hub.path, config, hub_split)
    features = getattr(dataset, "features", None)
    items, candidates = convert_rows(spec, lang, split, dataset, features=features, where=where)
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise DataError("item ids are not unique; ids pair every variant of an item", path=where)
    digest = hashlib.sha256()
    for record in [*items, *candidates]:
        digest.update(json.dumps(record_to_dict(record), ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    return TaskData(
        task=spec.name,
        language=lang,
        split=split,
        family=spec.family.name,
        items=tuple(items),
        candidates=tuple(candidates),
        sources=(SourceFile(path=where, sha256=digest.hexdigest()),),
    )
