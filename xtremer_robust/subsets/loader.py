"""Read subsets back: what the scorer calls to get a subset's items and its manifest."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from xtremer_robust.families.records import RECORD_TYPES, Candidate, record_from_dict
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import DataError, DataUnavailableError, SchemaError
from xtremer_robust.safepaths import check_name, inside
from xtremer_robust.strict_json import loads_strict
from xtremer_robust.subsets.index import read_manifest
from xtremer_robust.subsets.canonical import sha256_bytes
from xtremer_robust.subsets.layout import candidates_file, manifest_file, subset_file
from xtremer_robust.data.sampling import SAMPLE_SEED, sample_ids

__all__ = ["load_subset"]


#: One line of a subset file (an item with its text) is far below this.
_MAX_LINE = 16 * 1024 * 1024

_TYPES = {"str": (str,), "int | None": (int, type(None)), "str | None": (str, type(None))}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the subset file ({exc.strerror}); rebuild it with build-subsets", path=path) from None
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        if len(line) > _MAX_LINE:
            raise DataError(f"longer than {_MAX_LINE:,} bytes; rebuild the subset", path=path, line=number)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError("not UTF-8 text; rebuild the subset", path=path, line=number) from None
        row = loads_strict(text, where=f"{path}, line {number}", max_depth=8, error=DataError)
        if not isinstance(row, dict):
            raise DataError(f"expected a JSON object, got {type(row).__name__}; rebuild the subset", path=path, line=number)
        rows.append((number, row))
    return rows


def _check_value(annotation: str, value: Any) -> bool:
    if annotation in _TYPES:
        return isinstance(value, _TYPES[annotation]) and not isinstance(value, bool)
    if annotation == "tuple[str, ...]":
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    if annotation == "tuple[Answer, ...]":
        return isinstance(value, (list, tuple)) and all(
            isinstance(a, dict) and set(a) == {"text", "start"} and isinstance(a["text"], str)
            and isinstance(a["start"], int) and not isinstance(a["start"], bool) and a["start"] >= 0 for a in value
        )
    return True


def _record(family: str, row: dict[str, Any], path: Path, line: int) -> Any:
    """One record from its JSON form, every field of the right type (a subset file is input too)."""
    cls = RECORD_TYPES.get(family)
    if cls is None:
        raise DataError(f"the manifest's family '{family}' is not one of {sorted(RECORD_TYPES)}; rebuild the subset", path=path)
    for f in fields(cls):
        if f.name not in row or not _check_value(str(f.type), row[f.name]):
            raise DataError(f"field '{f.name}' missing or not of type {f.type}; rebuild the subset", path=path, line=line)
    try:
        record = record_from_dict(family, row)
    except (TypeError, ValueError) as exc:
        raise DataError(f"not a {cls.__name__} ({exc}); rebuild the subset", path=path, line=line) from None
    for answer in getattr(record, "answers", ()):
        if answer.start + len(answer.text) > len(record.context):
            raise DataError(f"an answer at {answer.start} runs past the end of the context; rebuild the subset", path=path, line=line)
    return record


def load_subset(
    path_or_dir: str | Path, task: str, lang: str, split: str, variant: str, *, view_n: int | None = None,
    check_hash: bool = True,
) -> tuple[TaskData, dict[str, Any]]:
    """The items of one subset as a :class:`TaskData`, and its manifest.

    ``path_or_dir`` is the subsets folder (the ``--out`` of ``build-subsets``). ``view_n``
    cuts the subset to a ``size:N`` view (the same seeded-hash sample as ``--limit``). With
    ``check_hash`` the file must still hash to its manifest's sha256 (a changed file is an
    error, never silently scored).
    """
    out = Path(path_or_dir)
    for field, value in (("task", task), ("language", lang), ("split", split), ("variant", variant)):
        check_name(value, field=f"subset {field}", error=DataError)
    mpath = manifest_file(out, task, lang, split, variant)
    if not inside(out, mpath) or not inside(out, subset_file(out, task, lang, split, variant)):
        raise DataError(f"subset {task}/{lang}/{split}/{variant}: a symbolic link leads out of {out}; refusing it", path=mpath)
    if not mpath.is_file():
        raise DataUnavailableError(f"no subset {task}/{lang}/{split}/{variant} (manifest missing); "
                                   "build it with `xtremer-robust build-subsets`", path=mpath)
    try:
        manifest = read_manifest(mpath)
    except SchemaError as exc:
        raise DataError(str(exc)) from None
    if (manifest["task"], manifest["language"], manifest["split"], manifest["variant"]) != (task, lang, split, variant):
        raise DataError(f"the manifest describes {manifest['id']}, not {task}/{lang}/{split}/{variant}; rebuild it", path=mpath)
    data_path = subset_file(out, task, lang, split, variant)
    try:
        raw = data_path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the subset file ({exc.strerror}); rebuild it or run build-subsets --verify", path=data_path) from None
    if check_hash and sha256_bytes(raw) != manifest["sha256"]:
        raise DataError("content sha256 differs from its manifest: the file changed after it was built; "
                        "rebuild it or run build-subsets --verify", path=data_path)
    records = tuple(_record(manifest["family"], row, data_path, number) for number, row in _read_jsonl(data_path))
    if view_n is not None:
        keep = set(sample_ids([r.id for r in records], view_n, seed=SAMPLE_SEED, task=task))
        records = tuple(r for r in records if r.id in keep)
    candidates: tuple[Candidate, ...] = ()
    if manifest.get("candidates"):
        cpath = candidates_file(out, task, lang, split)
        if not inside(out, cpath):
            raise DataError(f"a symbolic link leads out of {out}; refusing it", path=cpath)
        rows = _read_jsonl(cpath)
        for number, row in rows:
            if set(row) != {"id", "text"} or not all(isinstance(v, str) for v in row.values()):
                raise DataError("expected a candidate {'id': str, 'text': str}; rebuild the subset", path=cpath, line=number)
        candidates = tuple(Candidate(**row) for _, row in rows)
    data = TaskData(
        task=task, language=lang, split=split, family=manifest["family"], items=records, candidates=candidates,
        sources=tuple(SourceFile(s["path"], s["sha256"]) for s in manifest.get("sources", [])),
    )
    return data, manifest
