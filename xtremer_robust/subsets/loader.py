"""Read subsets back: what the scorer calls to get a subset's items and its manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xtremer_robust.data.records import Candidate, record_from_dict
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import DataError, DataUnavailableError
from xtremer_robust.subsets.canonical import sha256_bytes
from xtremer_robust.subsets.layout import candidates_file, manifest_file, subset_file
from xtremer_robust.subsets.sampling import sample_ids

__all__ = ["load_subset"]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg}); rebuild the subset", path=path, line=number) from None
    return rows


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
    mpath = manifest_file(out, task, lang, split, variant)
    if not mpath.is_file():
        raise DataUnavailableError(f"no subset {task}/{lang}/{split}/{variant} (manifest missing); "
                                   "build it with `xtremer-robust build-subsets`", path=mpath)
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    data_path = subset_file(out, task, lang, split, variant)
    raw = data_path.read_bytes()
    if check_hash and sha256_bytes(raw) != manifest["sha256"]:
        raise DataError("content sha256 differs from its manifest: the file changed after it was built; "
                        "rebuild it or run build-subsets --verify", path=data_path)
    records = tuple(record_from_dict(manifest["family"], row) for row in _read_jsonl(data_path))
    if view_n is not None:
        keep = set(sample_ids([r.id for r in records], view_n, seed=manifest["seed"], task=task))
        records = tuple(r for r in records if r.id in keep)
    candidates: tuple[Candidate, ...] = ()
    if manifest.get("candidates"):
        cpath = candidates_file(out, task, lang, split)
        candidates = tuple(Candidate(**row) for row in _read_jsonl(cpath))
    data = TaskData(
        task=task, language=lang, split=split, family=manifest["family"], items=records, candidates=candidates,
        sources=tuple(SourceFile(s["path"], s["sha256"]) for s in manifest.get("sources", [])),
    )
    return data, manifest
