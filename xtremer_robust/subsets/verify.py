"""Re-check a subsets folder: every file against its manifest, every manifest against the index.

Also compares a build with a reference index (``subsets/canonical-index.json``): the same
ids must have the same content hashes, which is how anyone confirms that their rebuild is
byte-identical to the canonical one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xtremer_robust.errors import SchemaError
from xtremer_robust.safepaths import safe_join
from xtremer_robust.strict_json import loads_strict
from xtremer_robust.subsets.canonical import sha256_bytes, sha256_file
from xtremer_robust.subsets.index import index_hash, read_index, read_manifests
from xtremer_robust.subsets.layout import INDEX_FILE

__all__ = ["Problem", "verify_subsets", "compare_with_reference"]


@dataclass(frozen=True)
class Problem:
    """One mismatch: the file it is about and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _ids(raw: bytes) -> list[str] | None:
    """The item ids of a subset file in order, or None when a line is not an object with a string id."""
    ids = []
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None
    for number, line in enumerate(lines, start=1):
        try:
            row = loads_strict(line, where=f"line {number}", max_depth=8)
        except SchemaError:
            return None
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            return None
        ids.append(row["id"])
    return ids


def _check_subset(out: Path, mpath: Path, manifest: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    data = safe_join(mpath.parent, manifest["file"], field=f"{mpath}: file")
    rel = data.relative_to(out).as_posix()
    if not data.is_file():
        return [Problem(rel, "missing (listed in its manifest)")]
    raw = data.read_bytes()
    if sha256_bytes(raw) != manifest.get("sha256"):
        problems.append(Problem(rel, f"sha256 {sha256_bytes(raw)[:12]}... differs from the manifest's "
                                     f"{str(manifest.get('sha256'))[:12]}...: the file was changed after it was built"))
    else:
        ids = _ids(raw)
        if ids is None:
            problems.append(Problem(rel, "a line is not a JSON object with a string 'id'"))
        elif ids != manifest.get("item_ids") or len(ids) != manifest.get("n"):
            problems.append(Problem(rel, "item ids or count differ from the manifest"))
    pool = manifest.get("candidates")
    if pool:
        cpath = safe_join(mpath.parent, pool["file"], field=f"{mpath}: candidates.file")
        crel = cpath.relative_to(out).as_posix()
        if not cpath.is_file():
            problems.append(Problem(crel, "candidate pool missing"))
        elif sha256_file(cpath) != pool["sha256"]:
            problems.append(Problem(crel, "candidate pool sha256 differs from the manifest"))
    return problems


def verify_subsets(out: Path) -> list[Problem]:
    """Every problem found under ``out`` (an empty list means the build is intact)."""
    problems: list[Problem] = []
    manifests = {}
    for mpath, manifest in read_manifests(out):
        manifests[manifest.get("id")] = (mpath, manifest)
        problems.extend(_check_subset(out, mpath, manifest))
    ipath = out / INDEX_FILE
    if not ipath.is_file():
        return problems + [Problem(INDEX_FILE, "missing; run build-subsets again to write it")]
    index = read_index(ipath)
    if index.get("index_sha256") != index_hash(index):
        problems.append(Problem(INDEX_FILE, "index_sha256 does not match the index content: the index was edited"))
    listed = {e["id"]: e for e in index["subsets"]}
    for sid, entry in listed.items():
        if sid not in manifests:
            problems.append(Problem(entry.get("file", sid), "listed in the index but its manifest is missing"))
            continue
        mpath, manifest = manifests[sid]
        if entry.get("sha256") != manifest.get("sha256"):
            problems.append(Problem(entry.get("file", sid), "content sha256 in the index differs from the manifest"))
        if entry.get("manifest_sha256") != sha256_bytes(mpath.read_bytes()):
            problems.append(Problem(mpath.relative_to(out).as_posix(), "manifest changed after the index was written"))
    for sid, (mpath, _) in manifests.items():
        if sid not in listed:
            problems.append(Problem(mpath.relative_to(out).as_posix(), "not listed in the index; rebuild the index"))
    return problems


def compare_with_reference(out: Path, reference: Path) -> list[Problem]:
    """Subsets whose hashes differ from (or are missing against) a reference index."""
    mine = {e["id"]: e for e in read_index(out)["subsets"]}
    problems = []
    for entry in read_index(reference)["subsets"]:
        other = mine.get(entry["id"])
        if other is None:
            problems.append(Problem(entry["file"], f"in the reference index {reference.name} but not built here"))
        elif other["sha256"] != entry["sha256"]:
            problems.append(Problem(other["file"], f"sha256 differs from the reference index {reference.name}"))
        elif entry.get("candidates_sha256") != other.get("candidates_sha256"):
            problems.append(Problem(other["file"], f"candidate pool differs from the reference index {reference.name}"))
    return problems
