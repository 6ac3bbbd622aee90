"""The index of a subsets folder, and the low-resource views listed in it.

``index.json`` is rebuilt from the manifests on disk (never appended to), sorted by subset
id, so it depends only on which subsets exist, not on the order they were built in. Its own
hash (``index_sha256``, over the canonical JSON of everything else) names the whole build.

Views are lists of subset ids with their hashes, not copies of data:

- ``tier:high|mid|low`` - languages by Joshi et al. (2020) class (high = 4-5, mid = 3, low = 0-2);
- ``unseen:<family>`` - languages a model family never saw in pre-training (``Language.seen_by``);
- ``size:<N>`` - every subset cut to N items; the loader picks the same seeded-hash sample
  as ``--limit`` (:func:`xtremer_robust.data.sampling.sample_ids`), so the cut nests and
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
from xtremer_robust.safepaths import check_name, inside
from xtremer_robust.strict_json import load_json_file
from xtremer_robust.subsets.layout import INDEX_FILE, MANIFEST_SUFFIX, subset_id

__all__ = ["INDEX_FORMAT", "read_manifests", "build_index", "write_index", "read_index", "index_hash", "iter_index", "refresh_index"]

INDEX_FORMAT = 1


_NAMES = ("task", "language", "split", "variant")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _fail(where: Any, message: str) -> SchemaError:
    return SchemaError(f"{where}: {message}; delete it and rebuild with build-subsets (or run build-subsets --verify)")


def check_manifest(manifest: Any, where: Any) -> dict[str, Any]:
    """A subset manifest read from disk, checked before any of its names becomes a path."""
    if not isinstance(manifest, dict):
        raise _fail(where, f"expected a manifest object, got {type(manifest).__name__}")
    for name in (*_NAMES, "id", "family", "file", "sha256"):
        if not isinstance(manifest.get(name), str):
            raise _fail(where, f"'{name}' must be a string, got {type(manifest.get(name)).__name__}")
    for name in (*_NAMES, "file"):
        check_name(manifest[name], field=f"{where}: {name}")
    if manifest["id"] != subset_id(*(manifest[n] for n in _NAMES)):
        raise _fail(where, f"id '{manifest['id']}' does not match its task/language/split/variant")
    if not _is_count(manifest.get("n")):
        raise _fail(where, f"'n' must be a whole count >= 0, got {manifest.get('n')!r}")
    ids = manifest.get("item_ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise _fail(where, "'item_ids' must be a list of strings")
    seed = manifest.get("seed")
    if seed is not None and not (isinstance(seed, int) and not isinstance(seed, bool)):
        raise _fail(where, f"'seed' must be an integer, got {seed!r}")
    pool = manifest.get("candidates")
    if pool is not None and not (isinstance(pool, dict) and isinstance(pool.get("file"), str) and isinstance(pool.get("sha256"), str)):
        raise _fail(where, "'candidates' must be an object with a 'file' and a 'sha256'")
    if pool:
        check_name(pool["file"], field=f"{where}: candidates.file")
    sources = manifest.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, dict) and isinstance(x.get("path"), str) and isinstance(x.get("sha256"), str) for x in sources):
        raise _fail(where, "'sources' must be a list of objects with a 'path' and a 'sha256'")
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    """One manifest file, strictly parsed (bounded size and depth) and checked."""
    return check_manifest(load_json_file(path, max_bytes=MAX_MANIFEST_BYTES), path)


#: A manifest lists its item ids; a 100,000-item set fits in a few MB.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def read_manifests(out: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every ``<task>/<lang>/<split>/<variant>.manifest.json`` under ``out``, sorted by path."""
    for path in sorted(out.glob(f"*/*/*/*{MANIFEST_SUFFIX}")):
        if path.is_symlink() or not inside(out, path):
            raise SchemaError(f"{path}: a symbolic link out of {out}; subsets folders hold plain files only")
        yield path, read_manifest(path)


def check_entry(entry: Any, where: str) -> dict[str, Any]:
    """One ``subsets`` entry of an index, checked before its names become paths."""
    if not isinstance(entry, dict):
        raise _fail(where, "expected an object")
    for name in (*_NAMES, "id", "sha256", "file"):
        if not isinstance(entry.get(name), str):
            raise _fail(where, f"'{name}' must be a string, got {type(entry.get(name)).__name__}")
    for name in _NAMES:
        check_name(entry[name], field=f"{where}.{name}")
    if entry["id"] != subset_id(*(entry[n] for n in _NAMES)):
        raise _fail(where, f"id '{entry['id']}' does not match its task/language/split/variant")
    if not _is_count(entry.get("n")):
        raise _fail(where, f"'n' must be a whole count >= 0, got {entry.get('n')!r}")
    return entry


def check_index(index: Any, path: Path) -> dict[str, Any]:
    """The structure of an index: entries checked, unique ids, views that name listed subsets."""
    if not isinstance(index, dict) or not isinstance(index.get("subsets"), list):
        raise SchemaError(f"{path}: expected a subsets index with a 'subsets' list")
    ids = set()
    for position, entry in enumerate(index["subsets"]):
        check_entry(entry, f"{path}: subsets[{position}]")
        if entry["id"] in ids:
            raise _fail(f"{path}: subsets[{position}]", f"subset '{entry['id']}' is listed twice")
        ids.add(entry["id"])
    views = index.get("views", {})
    if not isinstance(views, dict):
        raise _fail(path, "'views' must be an object")
    for name, refs in views.items():
        if not isinstance(refs, list):
            raise _fail(f"{path}: views.{name}", "expected a list")
        for position, ref in enumerate(refs):
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or ref["id"] not in ids or not _is_count(ref.get("n", 0)):
                raise _fail(f"{path}: views.{name}[{position}]", "expected {'id': <a listed subset>, 'n': <count>}")
    return index


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
    if not path.is_file():
        raise SchemaError(f"{path}: no subsets index here; run build-subsets first (it writes index.json)")
    return check_index(load_json_file(path, max_bytes=MAX_MANIFEST_BYTES), path)


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
