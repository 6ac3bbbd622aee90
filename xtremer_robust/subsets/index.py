"""The index of a subsets folder, and the low-resource views listed in it.

``index.json`` is rebuilt from the manifests on disk (never appended to), sorted by subset
id, so it depends only on which subsets exist, not on the order they were built in. Its own
hash (``index_sha256``, over the canonical JSON of everything else) names the whole build.

Views are lists of subset ids with their hashes, not copies of data:

- ``tier:high|mid|low`` - languages by Joshi et al. (2020) class (high = 4-5, mid = 3, low = 0-2);
- ``unseen:<family>`` - languages a model family never saw in pre-training (``Language.seen_by``);
- ``size:<N>`` - every subset cut to N items; the loader picks the same seeded-hash sample
  as ``--limit`` (:func:`xtremer_robust.subsets.sampling.sample_ids`), so the cut nests and
  is the same ids in every language of a parallel set;
- ``generalized`` - Robust-XLT's cross-language pairs (languages ``X-Y``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from xtremer_robust import __version__
from xtremer_robust.errors import SchemaError
from xtremer_robust.languages import TIERS, all_languages
from xtremer_robust.subsets.canonical import atomic_write_bytes, canonical_json, sha256_bytes
from xtremer_robust.subsets.generalized import is_pair_language
from xtremer_robust.subsets.layout import INDEX_FILE, MANIFEST_SUFFIX

__all__ = ["INDEX_FORMAT", "read_manifests", "build_index", "write_index", "read_index", "index_hash", "iter_index", "refresh_index"]

INDEX_FORMAT = 1


def read_manifests(out: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every ``<task>/<lang>/<split>/<variant>.manifest.json`` under ``out``, sorted by path."""
    for path in sorted(out.glob(f"*/*/*/*{MANIFEST_SUFFIX}")):
        try:
            yield path, json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); delete it and rebuild") from None


def _entry(path: Path, out: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": manifest["id"],
        "task": manifest["task"],
        "language": manifest["language"],
        "split": manifest["split"],
        "variant": manifest["variant"],
        "recipe": manifest.get("recipe"),
        "seed": manifest.get("seed"),
        "limit": manifest.get("limit"),
        "n": manifest["n"],
        "file": path.parent.relative_to(out).joinpath(manifest["file"]).as_posix(),
        "sha256": manifest["sha256"],
        "manifest_sha256": sha256_bytes(path.read_bytes()),
        "candidates_sha256": (manifest.get("candidates") or {}).get("sha256"),
    }


def _views(entries: list[dict[str, Any]], sizes: tuple[int, ...], families: tuple[str, ...]) -> dict[str, list[dict]]:
    langs = all_languages()
    views: dict[str, list[dict]] = {f"tier:{tier}": [] for tier in TIERS}
    for family in families:
        views[f"unseen:{family}"] = []
    views["generalized"] = []
    for size in sizes:
        views[f"size:{size}"] = []
    for e in entries:
        ref = {"id": e["id"]}  # the hash is in the subset's entry: views only name subsets
        if is_pair_language(e["language"]):
            views["generalized"].append(ref)
        elif e["language"] in langs:
            lang = langs[e["language"]]
            views[f"tier:{lang.tier}"].append(ref)
            for family in families:
                if not lang.seen_by(family):
                    views[f"unseen:{family}"].append(ref)
        for size in sizes:
            views[f"size:{size}"].append({**ref, "n": min(size, e["n"])})
    return views


def index_hash(index: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the index without its own hash field."""
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    return sha256_bytes(canonical_json(body).encode("utf-8"))


def build_index(out: Path, *, view_sizes: tuple[int, ...] = (), view_families: tuple[str, ...] = ("xlmr", "mbert"),
                suite_version: str | None = None) -> dict[str, Any]:
    """The index of every subset on disk under ``out``, with views and its own hash."""
    entries = sorted((_entry(p, out, m) for p, m in read_manifests(out)), key=lambda e: e["id"])
    index: dict[str, Any] = {
        "format": INDEX_FORMAT,
        "package_version": __version__,
        "suite_version": suite_version,
        "view_sizes": list(view_sizes),
        "view_families": list(view_families),
        "subsets": entries,
        "views": _views(entries, tuple(view_sizes), tuple(view_families)),
    }
    index["index_sha256"] = index_hash(index)
    return index


def write_index(out: Path, **kwargs: Any) -> dict[str, Any]:
    """Rebuild ``<out>/index.json`` atomically and return it."""
    index = build_index(out, **kwargs)
    atomic_write_bytes(out / INDEX_FILE, (json.dumps(index, ensure_ascii=False, sort_keys=True, indent=0) + "\n").encode("utf-8"))
    return index


def refresh_index(out: Path) -> dict[str, Any]:
    """Rewrite ``index.json`` after subsets were added, keeping the views and suite version it had."""
    previous = read_index(out) if (out / INDEX_FILE).is_file() else {}
    return write_index(out, view_sizes=tuple(previous.get("view_sizes", ())),
                       view_families=tuple(previous.get("view_families", ("xlmr", "mbert"))),
                       suite_version=previous.get("suite_version"))


def read_index(path: Path) -> dict[str, Any]:
    """Read an index file (``index.json`` of a build, or ``subsets/canonical-index.json``)."""
    if path.is_dir():
        path = path / INDEX_FILE
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the subsets index ({exc.strerror}); run build-subsets first") from None
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(index, dict) or "subsets" not in index:
        raise SchemaError(f"{path}: expected a subsets index with a 'subsets' list")
    return index


def iter_index(subsets_dir: str | Path, view: str | None = None) -> Iterator[dict[str, Any]]:
    """The index entries of a subsets folder (all, or those of one view, with its ``n`` cut)."""
    index = read_index(Path(subsets_dir))
    if view is None:
        yield from index["subsets"]
        return
    views = index.get("views", {})
    if view not in views:
        from xtremer_robust.errors import unknown_name

        raise unknown_name("view", view, views)
    by_id = {e["id"]: e for e in index["subsets"]}
    for ref in views[view]:
        entry = dict(by_id[ref["id"]])
        if "n" in ref:
            entry["view_n"] = ref["n"]
        yield entry
